/**
 * Output locations checked before any work: a folder (or a file's folder) that cannot be written
 * is one line naming the flag and the path, not an error after training.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/** The nearest existing folder at or above `path` (the one a new folder or file would go in). */
function nearestExisting(path: string): { path: string; isFolder: boolean } {
  let p = resolve(path);
  for (;;) {
    try {
      return { path: p, isFolder: statSync(p).isDirectory() };
    } catch {
      const up = dirname(p);
      if (up === p) return { path: p, isFolder: false };
      p = up;
    }
  }
}

/** Throws unless `dir` is a writable folder or could be created as one. */
export function checkWritableFolder(flag: string, dir: string): void {
  if (dir === '') throw new Error(`${flag}: got "", expected a folder`);
  const at = nearestExisting(dir);
  if (!at.isFolder) {
    throw new Error(at.path === resolve(dir) ? `${flag}: ${dir} exists and is not a folder` : `${flag}: cannot create ${dir}: ${at.path} is not a folder`);
  }
  try {
    accessSync(at.path, constants.W_OK);
  } catch {
    throw new Error(`${flag}: cannot write to ${at.path === resolve(dir) ? dir : `${at.path} (to create ${dir})`}: permission denied; choose another folder`);
  }
}

/** Throws unless the file `file` could be written (its folder writable, itself not a folder). */
export function checkWritableFile(flag: string, file: string): void {
  if (file === '') throw new Error(`${flag}: got "", expected a file name`);
  let isFolder = false;
  try {
    isFolder = statSync(file).isDirectory();
  } catch {
    // not there yet: its folder decides
  }
  if (isFolder) throw new Error(`${flag}: ${file} is a folder, expected a file name`);
  checkWritableFolder(flag, dirname(resolve(file)));
}
