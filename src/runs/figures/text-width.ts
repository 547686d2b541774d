/**
 * Text widths for vega's headless layout. Without a canvas vega guesses 0.8 × font size per
 * character, which overestimates and spreads panels apart; here the widths come from the advance
 * widths of the font resvg draws with (DejaVu Sans, regular and bold, read from the TTF's cmap and
 * hmtx tables), with a per-character guess where the font is not installed.
 */
import { existsSync, readFileSync } from 'node:fs';
import * as vega from 'vega';

const FONT_DIRS = ['/usr/share/fonts/truetype/dejavu', '/usr/share/fonts/dejavu', '/usr/share/fonts/TTF', '/usr/local/share/fonts', '/Library/Fonts'];

/** Advance widths in em of the characters of one font (BMP only). */
export interface FontWidths {
  advance(codePoint: number): number;
}

/** Parses a TrueType font's head, hhea, hmtx and a format-4 cmap. */
export function parseTtfWidths(buf: Buffer): FontWidths {
  const tables = new Map<string, number>();
  const numTables = buf.readUInt16BE(4);
  for (let i = 0; i < numTables; i++) tables.set(buf.toString('latin1', 12 + 16 * i, 16 + 16 * i), buf.readUInt32BE(20 + 16 * i));
  const at = (tag: string): number => {
    const o = tables.get(tag);
    if (o === undefined) throw new Error(`font has no ${tag} table`);
    return o;
  };
  const unitsPerEm = buf.readUInt16BE(at('head') + 18);
  const nMetrics = buf.readUInt16BE(at('hhea') + 34);
  const hmtx = at('hmtx');
  const cmap = at('cmap');
  let sub = -1;
  for (let i = 0; i < buf.readUInt16BE(cmap + 2); i++) {
    const rec = cmap + 4 + 8 * i;
    const platform = buf.readUInt16BE(rec), encoding = buf.readUInt16BE(rec + 2);
    const off = cmap + buf.readUInt32BE(rec + 4);
    if (buf.readUInt16BE(off) === 4 && (platform === 0 || (platform === 3 && encoding === 1))) sub = off;
  }
  if (sub < 0) throw new Error('font has no format-4 cmap');
  const segs = buf.readUInt16BE(sub + 6) / 2;
  const ends = sub + 14, starts = ends + 2 * segs + 2, deltas = starts + 2 * segs, ranges = deltas + 2 * segs;
  const glyph = (c: number): number => {
    for (let i = 0; i < segs; i++) {
      if (buf.readUInt16BE(ends + 2 * i) < c) continue;
      const start = buf.readUInt16BE(starts + 2 * i);
      if (start > c) return 0;
      const delta = buf.readUInt16BE(deltas + 2 * i), range = buf.readUInt16BE(ranges + 2 * i);
      if (range === 0) return (c + delta) & 0xffff;
      const g = buf.readUInt16BE(ranges + 2 * i + range + 2 * (c - start));
      return g === 0 ? 0 : (g + delta) & 0xffff;
    }
    return 0;
  };
  const cache = new Map<number, number>();
  return {
    advance(c: number): number {
      let w = cache.get(c);
      if (w === undefined) {
        const g = c > 0xffff ? 0 : Math.min(glyph(c), nMetrics - 1);
        w = buf.readUInt16BE(hmtx + 4 * g) / unitsPerEm;
        cache.set(c, w);
      }
      return w;
    },
  };
}

function load(file: string): FontWidths | null {
  for (const dir of FONT_DIRS) {
    const path = `${dir}/${file}`;
    if (!existsSync(path)) continue;
    try {
      return parseTtfWidths(readFileSync(path));
    } catch {
      return null;
    }
  }
  return null;
}

/** A guess for when DejaVu is missing: narrow, wide and ordinary characters. */
const GUESS: FontWidths = {
  advance: (c) => (/[iljtfrI.,:;'|!() ]/.test(String.fromCodePoint(c)) ? 0.33 : /[mwMW@]/.test(String.fromCodePoint(c)) ? 0.9 : 0.62),
};

let fonts: { regular: FontWidths; bold: FontWidths } | null = null;

/** Width in pixels of `text` at `size` px. */
export function textWidth(text: string, size: number, bold = false): number {
  fonts ??= { regular: load('DejaVuSans.ttf') ?? GUESS, bold: load('DejaVuSans-Bold.ttf') ?? load('DejaVuSans.ttf') ?? GUESS };
  const f = bold ? fonts.bold : fonts.regular;
  let em = 0;
  for (const ch of text) em += f.advance(ch.codePointAt(0)!);
  return em * size;
}

interface TextItem {
  text?: unknown;
  fontSize?: number;
  fontWeight?: string | number;
}

let installed = false;

/** Makes vega lay out text with these widths (idempotent). */
export function installTextWidths(): void {
  if (installed) return;
  installed = true;
  // vega's typings leave textMetrics out; it is the object the scenegraph's layout consults.
  const metrics = (vega as unknown as { textMetrics: { width: (item: TextItem, text?: unknown) => number } }).textMetrics;
  metrics.width = (item, text) => {
    const t = String(text ?? '').trim();
    const size = item.fontSize != null ? Number(item.fontSize) || 0 : 11;
    const w = item.fontWeight;
    const bold = w === 'bold' || w === 'bolder' || (typeof w === 'number' && w >= 600) || (typeof w === 'string' && Number(w) >= 600);
    return t && size > 0 ? textWidth(t, size, bold) : 0;
  };
}
