/** Shared look of the figures: mode colours, clip line styles, log-axis labels. Pure. */

/** Colours of the modes (Tableau 10: blue, orange, green, red, purple); others get the rest. */
export const MODE_COLORS: Readonly<Record<string, string>> = { R: '#1f77b4', M: '#ff7f0e', C: '#2ca02c', S: '#d62728', N: '#9467bd' };
export const EXTRA_COLORS = ['#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];
/** Dash pattern and opacity per clipping mode. */
export const CLIP_DASH: Readonly<Record<string, number[]>> = { NORM: [1, 0], VALUE: [7, 3], NONE: [2, 2] };
export const CLIP_OPACITY: Readonly<Record<string, number>> = { NORM: 1, VALUE: 0.7, NONE: 0.7 };

/**
 * Log-axis labels: plain decimals from 0.001 to 9999, "1e-7" style beyond; the ticks vega leaves
 * unlabelled (mantissas other than 1, 2, 3, 5 on crowded axes) stay unlabelled.
 */
export const LOG_LABEL = "datum.label === '' ? '' : datum.value >= 0.001 && datum.value < 10000 ? format(datum.value, '~g') : format(datum.value, '~e')";
