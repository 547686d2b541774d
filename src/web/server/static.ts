/**
 * The page's own files: only regular files inside the bundle folder with a known type are
 * served. The decoded segments were checked already (server/params.ts: no ".", "..", NUL);
 * here the resolved path, and the real path behind any symlink, must also stay inside the
 * bundle folder, and dotfiles (the build stamp) are never served.
 */
import { realpathSync, statSync } from 'node:fs';
import { extname, resolve, sep } from 'node:path';

export const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

export interface StaticFile {
  path: string;
  type: string;
}

function inside(root: string, path: string): boolean {
  return path.startsWith(root + sep);
}

/** The bundle file `segments` name ("/" is index.html), or null when there is none to serve. */
export function resolveStatic(bundleDir: string, segments: readonly string[]): StaticFile | null {
  const parts = segments.length === 0 ? ['index.html'] : segments;
  if (parts.some((p) => p.startsWith('.') || /[/\\:\0]/.test(p))) return null;
  const type = CONTENT_TYPES[extname(parts[parts.length - 1]!).toLowerCase()];
  if (!type) return null;
  let root: string;
  try {
    root = realpathSync(bundleDir);
  } catch {
    return null;
  }
  const path = resolve(root, ...parts);
  if (!inside(root, path)) return null;
  try {
    const real = realpathSync(path);
    if (!inside(root, real) || !statSync(real).isFile()) return null;
    return { path: real, type };
  } catch {
    return null;
  }
}

const escapeHtml = (s: string): string => s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The server's error page (404 for unknown paths, 400 for refused ones), in the app's style. */
export function errorPage(status: number, title: string, detail: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${status} ${escapeHtml(title)} · stable-bptt</title><link rel="stylesheet" href="/style.css"></head>
<body><header class="topbar"><a class="brand" href="/">stable-bptt</a></header>
<main class="page"><section class="not-found" data-status="${status}"><h1>${status}</h1><p class="lead">${escapeHtml(title)}</p>
<p class="muted">${escapeHtml(detail)}</p><p><a href="/">Back to the sweeps</a></p></section></main></body></html>
`;
}
