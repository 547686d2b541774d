/** SVG → pixels with resvg (native; Node only). */
import { Resvg, type ResvgRenderOptions } from '@resvg/resvg-js';

export interface RgbaImage {
  readonly width: number;
  readonly height: number;
  /** width·height RGBA pixels, row by row. */
  readonly data: Uint8Array;
}

const OPTIONS: ResvgRenderOptions = {
  fitTo: { mode: 'original' },
  background: '#ffffff',
  // System fonts for the labels (DejaVu Sans is asked for first; any sans-serif will do).
  font: { loadSystemFonts: true, sansSerifFamily: 'DejaVu Sans' },
  logLevel: 'off',
};

function render(svg: string) {
  try {
    return new Resvg(svg, OPTIONS).render();
  } catch (e) {
    throw new Error(`cannot render the frame: ${(e as Error).message}`);
  }
}

/** The SVG at its own size as opaque RGBA pixels (white background). */
export function rasterize(svg: string): RgbaImage {
  const img = render(svg);
  const px = img.pixels;
  return { width: img.width, height: img.height, data: new Uint8Array(px.buffer, px.byteOffset, px.length) };
}

/** The SVG as a PNG file's bytes (for previews). */
export function svgToPng(svg: string): Uint8Array {
  return new Uint8Array(render(svg).asPng());
}
