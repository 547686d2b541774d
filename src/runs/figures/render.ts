/**
 * Vega-Lite spec → SVG (vega View with the headless 'none' renderer) → PNG (@resvg/resvg-js),
 * and writing both next to each other. Node only; the spec builders stay pure.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { Resvg } from '@resvg/resvg-js';
import { parse, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { installTextWidths } from './text-width.js';

/** The SVG text of a Vega-Lite spec. */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  installTextWidths();
  const view = new View(parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Fonts for the PNG: the system's, with DejaVu Sans for the generic sans-serif family. */
const FONT = { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans', sansSerifFamily: 'DejaVu Sans' };

/** A PNG of an SVG, `scale` times its size (2 by default, sharp on screens and in print). */
export function svgToPng(svg: string, scale = 2): Buffer {
  const resvg = new Resvg(svg, { fitTo: { mode: 'zoom', value: scale }, font: FONT, background: 'white', logLevel: 'off' });
  return resvg.render().asPng();
}

export interface WrittenFigure {
  svg: string;
  png: string;
}

/** Renders a spec and writes `<base>.svg` and `<base>.png` (creating the folder). */
export async function writeFigure(spec: TopLevelSpec, base: string, scale = 2): Promise<WrittenFigure> {
  const svg = await renderSvg(spec);
  mkdirSync(dirname(base), { recursive: true });
  const files = { svg: `${base}.svg`, png: `${base}.png` };
  writeFileSync(files.svg, svg);
  writeFileSync(files.png, svgToPng(svg, scale));
  return files;
}
