/**
 * GIF encoding (gifenc) with one fixed global palette: the scenes' colours (svg.ts BASE_COLORS)
 * and their blends towards the white background. The scenes are flat vector drawings whose only
 * other colours are anti-aliased edges and translucent strokes over white, which those blends
 * cover; a fixed palette therefore maps every frame consistently (no flicker, no colours missing
 * that the first frame lacked — e.g. trails that only appear later), needs no quantisation pass,
 * and one global colour table serves all frames.
 *
 * Frames after the first are stored as differences: pixels equal to the previous frame's are
 * written as a transparent key index and the previous frame is kept (disposal 1), so the long
 * unchanged runs compress to almost nothing (several times smaller files than full frames).
 */
import { createRequire } from 'node:module';

/** [r, g, b] bytes per entry. */
export type Palette = number[][];

interface GifStream {
  writeFrame(
    index: Uint8Array,
    width: number,
    height: number,
    opts?: { palette?: Palette; colorDepth?: number; delay?: number; repeat?: number; dispose?: number; transparent?: boolean; transparentIndex?: number },
  ): void;
  finish(): void;
  bytes(): Uint8Array;
}

interface Gifenc {
  GIFEncoder(opts?: { auto?: boolean; initialCapacity?: number }): GifStream;
  applyPalette(rgba: Uint8Array | Uint8ClampedArray, palette: Palette, format?: 'rgb565' | 'rgb444' | 'rgba4444'): Uint8Array;
}

// gifenc ships CommonJS whose named exports Node's ESM loader cannot detect: load it with require.
const gifenc = createRequire(import.meta.url)('gifenc') as Gifenc;

export function hexToRgb(hex: string): [number, number, number] {
  const m = /^#([0-9a-f]{6})$/i.exec(hex);
  if (!m) throw new Error(`colour must be #rrggbb, got "${hex}"`);
  const v = parseInt(m[1]!, 16);
  return [(v >> 16) & 255, (v >> 8) & 255, v & 255];
}

/**
 * The background, every colour, and `levels` evenly spaced blends of each colour towards the
 * background (as many as fit into maxColors), without duplicates. The default 127 (≈ 11 blend
 * levels per colour, plenty for anti-aliasing) plus GifBuilder's transparent key make a 7-bit
 * table: shorter LZW codes, files ≈ 10 % smaller than with 255 colours, no visible difference.
 */
export function blendPalette(colors: readonly string[], background = '#ffffff', maxColors = 127): Palette {
  const bg = hexToRgb(background);
  const fg = [...new Set(colors.map((c) => c.toLowerCase()))].filter((c) => c !== background.toLowerCase()).map(hexToRgb);
  if (fg.length === 0) return [bg];
  const levels = Math.max(1, Math.floor((maxColors - 1) / fg.length));
  const seen = new Set<string>();
  const out: Palette = [];
  const add = (c: number[]): void => {
    const key = c.join(',');
    if (!seen.has(key) && out.length < maxColors) (seen.add(key), out.push(c));
  };
  add(bg);
  for (let t = levels; t >= 1; t--) {
    // Full colours first, fainter blends after.
    for (const c of fg) add(c.map((v, i) => Math.round(bg[i]! + ((v - bg[i]!) * t) / levels)));
  }
  return out;
}

export interface GifOptions {
  /** Delay of every frame, ms (GIF resolution 10 ms). Default 50. */
  delayMs?: number;
  /** Loop count: 0 = forever (default), −1 = play once. */
  repeat?: number;
}

/** An animated GIF built frame by frame from RGBA pixels, all frames sharing one palette. */
export class GifBuilder {
  private readonly stream = gifenc.GIFEncoder();
  /** The palette plus the transparent key colour (never matched by applyPalette). */
  private readonly table: Palette;
  private readonly key: number;
  private readonly depth: number;
  private previous: Uint8Array | null = null;
  private count = 0;
  private done = false;
  readonly delayMs: number;
  readonly repeat: number;

  constructor(readonly width: number, readonly height: number, readonly palette: Palette, opts: GifOptions = {}) {
    if (palette.length < 1 || palette.length > 255) throw new Error(`the palette must have 1 to 255 colours (one slot is the transparent key), got ${palette.length}`);
    this.key = palette.length;
    this.table = [...palette, [255, 0, 255]];
    // Bits per pixel index: the LZW code size follows the table size.
    this.depth = Math.max(2, Math.ceil(Math.log2(this.table.length)));
    this.delayMs = opts.delayMs ?? 50;
    this.repeat = opts.repeat ?? 0;
  }

  get frames(): number {
    return this.count;
  }

  /** Adds one frame of width·height RGBA pixels, shown for `delayMs` (default: the builder's). */
  add(rgba: Uint8Array, delayMs = this.delayMs): void {
    if (this.done) throw new Error('the GIF is finished');
    if (rgba.length !== this.width * this.height * 4) {
      throw new Error(`frame has ${rgba.length / 4} pixels, expected ${this.width}×${this.height}`);
    }
    const index = gifenc.applyPalette(rgba, this.palette);
    const prev = this.previous;
    if (prev === null) {
      this.stream.writeFrame(index, this.width, this.height, { palette: this.table, colorDepth: this.depth, repeat: this.repeat, delay: delayMs, dispose: 1 });
    } else {
      const delta = new Uint8Array(index.length);
      for (let i = 0; i < index.length; i++) delta[i] = index[i] === prev[i] ? this.key : index[i]!;
      this.stream.writeFrame(delta, this.width, this.height, { colorDepth: this.depth, delay: delayMs, dispose: 1, transparent: true, transparentIndex: this.key });
    }
    this.previous = index;
    this.count++;
  }

  /** The GIF file's bytes. */
  finish(): Uint8Array {
    if (this.count === 0) throw new Error('a GIF needs at least one frame');
    if (!this.done) this.stream.finish();
    this.done = true;
    return this.stream.bytes();
  }
}
