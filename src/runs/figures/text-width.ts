/**
 * Text widths for vega's headless layout. Without a canvas vega guesses 0.8 × font size per
 * character, which overestimates and spreads panels apart; here the widths come from the advance
 * widths of the font resvg draws with (DejaVu Sans, regular and bold, read with opentype.js), with
 * a per-character guess where the font is not installed.
 */
import { existsSync, readFileSync } from 'node:fs';
import opentype from 'opentype.js';
import * as vega from 'vega';

const FONT_DIRS = ['/usr/share/fonts/truetype/dejavu', '/usr/share/fonts/dejavu', '/usr/share/fonts/TTF', '/usr/local/share/fonts', '/Library/Fonts'];

/** Advance widths in em of the characters of one font. */
export interface FontWidths {
  advance(codePoint: number): number;
}

/** The font's advance widths (opentype.js reads the TrueType tables; no shaping is needed here). */
function load(file: string): FontWidths | null {
  for (const dir of FONT_DIRS) {
    const path = `${dir}/${file}`;
    if (!existsSync(path)) continue;
    try {
      const buf = readFileSync(path);
      const font = opentype.parse(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
      const cache = new Map<number, number>();
      return {
        advance(c: number): number {
          let w = cache.get(c);
          if (w === undefined) {
            w = (font.charToGlyph(String.fromCodePoint(c)).advanceWidth ?? 0) / font.unitsPerEm;
            cache.set(c, w);
          }
          return w;
        },
      };
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
