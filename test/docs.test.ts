/** The documentation's links resolve, and nothing that ships points outside the repository. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

function filesUnder(dir: string, ext: RegExp): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? filesUnder(p, ext) : ext.test(name) ? [p] : [];
  });
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces as hyphens. */
function anchors(markdown: string): Set<string> {
  return new Set([...markdown.matchAll(/^#+ (.+)$/gm)].map((m) => m[1]!.trim().toLowerCase().replace(/[^\p{L}\p{N} _-]/gu, '').replace(/ /g, '-')));
}

const MARKDOWN = ['README.md', ...filesUnder('docs', /\.md$/)];

test('every relative link in README.md and docs/ names a file (and heading) that exists', () => {
  let links = 0;
  for (const file of MARKDOWN) {
    const text = readFileSync(file, 'utf8').replace(/```[\s\S]*?```/g, '');
    for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      if (/^[a-z]+:/.test(target!)) continue; // http(s), mailto
      const [path, hash] = target!.split('#');
      const resolved = path ? join(dirname(file), path) : file;
      assert.ok(existsSync(resolved), `${file}: link ${target} → ${resolved} does not exist`);
      if (hash) assert.ok(anchors(readFileSync(resolved, 'utf8')).has(hash), `${file}: link ${target}: no heading #${hash} in ${resolved}`);
      links++;
    }
  }
  assert.ok(links >= 15, `${links} links checked`);
});

test('docs/ covers the method, the problems, the record columns, the CLI and the file formats', () => {
  const text = (f: string): string => readFileSync(join('docs', f), 'utf8');
  for (const w of ['combined', 'sign', 'physics', 'toy']) assert.match(text('method.md'), new RegExp(w, 'i'), `method.md: ${w}`);
  for (const p of ['cartpole', 'repulsion', 'quantum']) assert.match(text('problems.md'), new RegExp(`\\(\`${p}\`\\)`), `problems.md: ${p}`);
  for (const c of ['train_loss', 'test_loss', 'physics_test_loss', 'grad_size', 'cos_sim', 'time', 'config.json', 'controller.json', 'records.csv']) assert.ok(text('records.md').includes(c), `records.md: ${c}`);
  for (const c of ['demo', 'train', 'sweep', 'runs', 'export', 'plot', 'animate', 'serve', 'toy']) assert.ok(text('cli.md').includes(`sbptt ${c}`), `cli.md: sbptt ${c}`);
  assert.ok((JSON.parse(readFileSync('package.json', 'utf8')) as { files: string[] }).files.includes('docs'), 'the package ships docs/');
});

test('code, output and package point only to files in the repository', () => {
  const shipped = [...filesUnder('src', /\.(ts|html|css)$/), ...filesUnder('test', /\.ts$/), ...MARKDOWN, 'package.json'];
  for (const file of shipped) {
    const text = readFileSync(file, 'utf8');
    assert.doesNotMatch(text, /shared\/spec|(?<![\w/.-])spec\/[a-z-]+\.md/, `${relative('.', file)} cites the specification outside the repository`);
    for (const [ref] of text.matchAll(/\bdocs\/[a-z-]+\.md\b/g)) assert.ok(existsSync(ref), `${file}: ${ref} does not exist`);
  }
});
