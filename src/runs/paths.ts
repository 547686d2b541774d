/** Locations inside the installed package (works from src/ under tsx and from dist/ once built). */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package root: the nearest ancestor folder of this file holding package.json. */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('cannot find the stable-bptt package root');
    dir = up;
  }
  return dir;
}

export function referenceDataDir(): string {
  return join(packageRoot(), 'data', 'reference');
}
