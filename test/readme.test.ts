import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

test('the README library example runs and prints what it says', () => {
  const readme = readFileSync('README.md', 'utf8');
  const block = /<!-- example:[^\n]*-->\n```ts\n([\s\S]*?)```/.exec(readme);
  assert.ok(block, 'README has the example block');
  const code = block[1]!.replace(/from 'stable-bptt'/g, `from '${resolve('src/index.ts')}'`);
  const file = join(mkdtempSync(join(tmpdir(), 'sbptt-readme-')), 'example.ts');
  writeFileSync(file, code);
  const out = execFileSync(process.execPath, ['--import', 'tsx', file], { encoding: 'utf8' });
  assert.match(out, /^loss \d\.\d{4}, cos\(g_M, g_R\) -?\d\.\d{3}, \|u\|² /);
  assert.equal(out.match(/epoch \d: test loss/g)?.length, 3);
});

test('the README keeps the two set-up commands', () => {
  const readme = readFileSync('README.md', 'utf8');
  assert.ok(readme.includes('npm ci && npm start'));
  assert.ok(readme.includes('npm test'));
});
