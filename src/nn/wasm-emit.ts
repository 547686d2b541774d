/**
 * A minimal WebAssembly binary writer: just enough to assemble the SIMD dense kernels
 * (dense-simd.ts) at load time, with no build step and no tooling. Functions take i32 parameters
 * (byte pointers and sizes) and return nothing; the module imports one memory as env.mem.
 *
 * Instructions are plain byte arrays; `Fn` adds named locals and structured loops so a kernel
 * reads like the loop nest it is. Encodings: https://webassembly.github.io/spec/core/binary/.
 */

export type Code = readonly number[];

function uleb(v: number): number[] {
  const out: number[] = [];
  do {
    let byte = v & 0x7f;
    v >>>= 7;
    if (v !== 0) byte |= 0x80;
    out.push(byte);
  } while (v !== 0);
  return out;
}

function sleb(v: number): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = v & 0x7f;
    v >>= 7;
    if ((v === 0 && (byte & 0x40) === 0) || (v === -1 && (byte & 0x40) !== 0)) return [...out, byte];
    out.push(byte | 0x80);
  }
}

const vec = (items: readonly Code[]): number[] => [...uleb(items.length), ...items.flat()];
const name = (s: string): number[] => vec([...s].map((c) => [c.charCodeAt(0)]));
const section = (id: number, body: Code): number[] => [id, ...uleb(body.length), ...body];
const simd = (opcode: number, ...imm: number[]): number[] => [0xfd, ...uleb(opcode), ...imm];

const I32 = 0x7f;
const F64 = 0x7c;
const V128 = 0x7b;

/** Instructions used by the kernels (memory offsets are immediates in bytes). */
export const op = {
  i32: (c: number): Code => [0x41, ...sleb(c)],
  add: [0x6a] as Code,
  mul: [0x6c] as Code,
  gtU: [0x4b] as Code,
  f64Load: (offset = 0): Code => [0x2b, 3, ...uleb(offset)],
  f64Store: (offset = 0): Code => [0x39, 3, ...uleb(offset)],
  f64Add: [0xa0] as Code,
  f64Mul: [0xa2] as Code,
  f64Zero: [0x44, 0, 0, 0, 0, 0, 0, 0, 0] as Code,
  v128Load: (offset = 0): Code => simd(0x00, 4, ...uleb(offset)),
  v128Store: (offset = 0): Code => simd(0x0b, 4, ...uleb(offset)),
  /** Loads one f64 and puts it in both lanes. */
  f64x2LoadSplat: (offset = 0): Code => simd(0x0a, 3, ...uleb(offset)),
  f64x2Add: simd(0xf0) as Code,
  f64x2Mul: simd(0xf2) as Code,
  v128Zero: simd(0x0c, ...new Array<number>(16).fill(0)) as Code,
};

export type LocalType = 'i32' | 'f64' | 'v128';

/** One function under construction: i32 parameters, typed locals, a body of instructions. */
export class Fn {
  private readonly types: number[] = [];
  private readonly body: number[] = [];

  constructor(
    readonly exportName: string,
    readonly params: number,
  ) {}

  /** A new local of the given type; returns its index. */
  local(type: LocalType): number {
    this.types.push(type === 'i32' ? I32 : type === 'f64' ? F64 : V128);
    return this.params + this.types.length - 1;
  }

  emit(...code: Code[]): void {
    for (const c of code) this.body.push(...c);
  }

  get = (l: number): Code => [0x20, ...uleb(l)];
  set = (l: number): Code => [0x21, ...uleb(l)];
  tee = (l: number): Code => [0x22, ...uleb(l)];

  /** l += c (i32). */
  inc(l: number, c: Code): void {
    this.emit(this.get(l), c, op.add, this.set(l));
  }

  /**
   * while (counter + step ≤ limit) { body; counter += step } — the counter is not reset, so a
   * following loop with a smaller step handles the remainder.
   */
  whileFits(counter: number, step: number, limit: number, body: () => void): void {
    this.emit([0x02, 0x40, 0x03, 0x40]); // block, loop
    this.emit(this.get(counter), op.i32(step), op.add, this.get(limit), op.gtU, [0x0d, 1]); // br_if out
    body();
    this.inc(counter, op.i32(step));
    this.emit([0x0c, 0, 0x0b, 0x0b]); // br loop, end, end
  }

  /** The function's code-section entry. */
  encode(): number[] {
    const locals = vec(this.types.map((t) => [1, t]));
    const code = [...locals, ...this.body, 0x0b];
    return [...uleb(code.length), ...code];
  }
}

/** A module of `fns` importing memory env.mem. */
export function assemble(fns: readonly Fn[]): Uint8Array<ArrayBuffer> {
  const types = fns.map((f) => [0x60, ...vec(new Array<Code>(f.params).fill([I32])), 0]);
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0,
    ...section(1, vec(types)),
    ...section(2, vec([[...name('env'), ...name('mem'), 0x02, 0x00, 1]])),
    ...section(3, vec(fns.map((_, k) => uleb(k)))),
    ...section(7, vec(fns.map((f, k) => [...name(f.exportName), 0x00, ...uleb(k)]))),
    ...section(10, vec(fns.map((f) => f.encode()))),
  ]);
}
