/**
 * Makes a Vega-Lite figure interactive, the same way for every chart of the dashboard: each
 * line panel becomes a layer of its lines and of invisible points that
 *  - show the point nearest the pointer and its tooltip (series, epoch, value …),
 *  - zoom with the wheel, pan by dragging, reset on double-click (an interval bound to scales),
 * and a click on a legend entry highlights that series in every panel (the others fade).
 * Pure: a spec in, a spec out.
 */
import type { TopLevelSpec } from 'vega-lite';

export interface TooltipField {
  field: string;
  title: string;
  type?: 'quantitative' | 'nominal';
  format?: string;
}

/** The parameter of the legend highlight (shared by all panels). */
export const PICK = 'pick';
const FADED = 0.12;

type Json = Record<string, unknown>;

function unitToLayer(unit: Json, i: number, tooltip: readonly TooltipField[], pickField: string | null): Json {
  const { mark, encoding, params: _ignored, ...rest } = unit as { mark: unknown; encoding: Json; params?: unknown };
  const { x, y, color, detail } = encoding;
  const opacity = encoding.opacity as Json | undefined;
  // Faded when a legend entry is picked and this is not it; else the panel's own opacity.
  const lineOpacity = pickField ? { condition: { test: { not: { param: PICK, empty: true } }, value: FADED }, ...(opacity ?? { value: 1 }) } : opacity;
  const line = {
    mark,
    encoding: { ...encoding, ...(lineOpacity && { opacity: lineOpacity }) },
    ...(i === 0 && pickField && { params: [{ name: PICK, select: { type: 'point', fields: [pickField] }, bind: 'legend' }] }),
  };
  const hover = `hover_${i}`;
  const points = {
    mark: { type: 'point', filled: true, size: 45, clip: true },
    params: [
      { name: hover, select: { type: 'point', on: 'pointerover', nearest: true, clear: 'pointerout' } },
      { name: `zoom_${i}`, select: { type: 'interval', encodings: ['x', 'y'] }, bind: 'scales' },
    ],
    encoding: {
      x,
      y,
      ...(color !== undefined && { color: { ...(color as Json), legend: null } }),
      ...(detail !== undefined && { detail }),
      opacity: { condition: { param: hover, empty: false, value: 1 }, value: 0 },
      tooltip: tooltip.map((t) => ({ field: t.field, title: t.title, type: t.type ?? 'nominal', ...(t.format && { format: t.format }) })),
    },
  };
  return { ...rest, layer: [line, points] };
}

const isLine = (unit: Json): boolean => {
  const mark = unit.mark as string | { type?: string } | undefined;
  return (typeof mark === 'string' ? mark : mark?.type) === 'line';
};

/** A panel: a unit (its lines), or a layer whose line layer becomes interactive (a band of seeds stays beneath). */
function panelToLayer(panel: Json, i: number, tooltip: readonly TooltipField[], pickOf: (unit: Json) => string | null): Json {
  if (panel.mark) return unitToLayer(panel, i, tooltip, pickOf(panel));
  const layers = panel.layer as Json[];
  const line = layers.find(isLine);
  if (!line) return panel;
  const made = unitToLayer(line, i, tooltip, pickOf(line));
  return { ...panel, layer: [...layers.filter((l) => l !== line), ...(made.layer as Json[])] };
}

/** The spec with every unit panel (top level, or inside concat/hconcat/vconcat) made interactive. */
export function interactive(spec: TopLevelSpec, tooltip: readonly TooltipField[], highlight = true): TopLevelSpec {
  const s = { ...(spec as unknown as Json) };
  let i = 0;
  // The legend highlight needs one legend for all panels (a shared colour scale).
  const pickOf = (unit: Json): string | null => (highlight ? ((((unit.encoding as Json | undefined)?.color as Json | undefined)?.field as string | undefined) ?? null) : null);
  for (const key of ['concat', 'hconcat', 'vconcat'] as const) {
    if (Array.isArray(s[key])) s[key] = (s[key] as Json[]).map((u) => (u.mark || Array.isArray(u.layer) ? panelToLayer(u, i++, tooltip, pickOf) : u));
  }
  if (s.mark) return unitToLayer(s, 0, tooltip, pickOf(s)) as unknown as TopLevelSpec;
  return s as unknown as TopLevelSpec;
}
