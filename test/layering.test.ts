import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

/** The data flow, lowest first: a file may import from its own layer or lower ones only. */
const LAYERS = ['engine', 'kernels', 'nn', 'physics', 'bptt', 'optim', 'train', 'runs', 'cli', 'web'];
const PURE = new Set(['engine', 'kernels', 'nn', 'physics', 'bptt', 'optim', 'train']);

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

const layerOf = (file: string): string => relative('src', file).split(sep)[0]!;

test('lower layers never import higher ones; pure layers use no Node built-ins', () => {
  const problems: string[] = [];
  for (const file of files('src')) {
    const layer = layerOf(file);
    if (!LAYERS.includes(layer)) continue;
    const src = readFileSync(file, 'utf8');
    for (const m of src.matchAll(/from\s+'([^']+)'/g)) {
      const spec = m[1]!;
      if (spec.startsWith('.')) {
        const target = layerOf(join(file, '..', spec));
        if (LAYERS.includes(target) && LAYERS.indexOf(target) > LAYERS.indexOf(layer)) problems.push(`${file} imports ${spec} (${target} is above ${layer})`);
      } else if (PURE.has(layer) && (spec.startsWith('node:') || ['fs', 'path', 'os', 'child_process', 'worker_threads'].includes(spec))) {
        problems.push(`${file} imports the Node built-in ${spec}`);
      }
    }
    if (PURE.has(layer) && /\bprocess\.|\brequire\(/.test(src)) problems.push(`${file} uses process/require`);
  }
  assert.deepEqual(problems, []);
});

test('no source file is longer than 400 lines', () => {
  const long = files('src').filter((f) => readFileSync(f, 'utf8').split('\n').length > 400);
  assert.deepEqual(long, []);
});
