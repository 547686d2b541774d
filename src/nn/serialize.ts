/** Parameters as named, shaped arrays (the layout names, Keras shapes, row-major data). */
import type { ParamSpec } from './controller.js';

export interface NamedArray {
  name: string;
  shape: number[];
  data: number[];
}

export function paramsToNamedArrays(layout: readonly ParamSpec[], params: Float64Array): NamedArray[] {
  return layout.map((p) => ({ name: p.name, shape: [...p.shape], data: Array.from(params.subarray(p.offset, p.offset + p.size)) }));
}

/** The flat θ from named arrays; every name and shape must match the layout exactly. */
export function paramsFromNamedArrays(layout: readonly ParamSpec[], arrays: readonly NamedArray[]): Float64Array {
  const total = layout.reduce((a, p) => a + p.size, 0);
  const theta = new Float64Array(total);
  const byName = new Map(arrays.map((a) => [a.name, a]));
  for (const p of layout) {
    const a = byName.get(p.name);
    if (!a) throw new Error(`parameter "${p.name}" is missing; expected ${layout.map((q) => q.name).join(', ')}`);
    if (a.shape.length !== p.shape.length || a.shape.some((d, i) => d !== p.shape[i])) {
      throw new Error(`parameter "${p.name}" has shape [${a.shape.join(', ')}], expected [${p.shape.join(', ')}]`);
    }
    if (a.data.length !== p.size || a.data.some((v) => typeof v !== 'number' || !Number.isFinite(v))) {
      throw new Error(`parameter "${p.name}" needs ${p.size} finite numbers`);
    }
    theta.set(a.data, p.offset);
  }
  for (const a of arrays) if (!layout.some((p) => p.name === a.name)) throw new Error(`unknown parameter "${a.name}"`);
  return theta;
}
