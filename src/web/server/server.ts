/**
 * The dashboard's HTTP server (node:http): GET and HEAD only; "/api/…" answers JSON from the run
 * store (server/api.ts), every other path a file of the built page (server/static.ts) or the
 * 404 page. Bound to loopback, it also refuses Host headers naming other machines (a web page
 * elsewhere cannot reach the store by DNS rebinding).
 */
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MalformedRunError, type RunFilter, type RunStore } from '../../runs/store.js';
import { answerApi } from './api.js';
import { HttpError, parseTarget } from './params.js';
import { errorPage, resolveStatic } from './static.js';

export interface DashboardOptions {
  store: RunStore;
  /** The built page (build.ts): index.html, app.js, style.css. */
  bundleDir: string;
  /** Accept only Host headers naming this machine (set when bound to a loopback address). */
  loopbackOnly?: boolean;
}

/**
 * Whether a host name or address is this machine's loopback, in any spelling: localhost (and
 * *.localhost), 127.0.0.0/8, ::1 written long or short, bracketed or not, and IPv4-mapped IPv6
 * (::ffff:127.0.0.1, ::ffff:7f00:1).
 */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[(.*)\]$/, '$1').replace(/\.$/, '');
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  const v4 = (text: string): boolean => {
    const parts = text.split('.');
    return parts.length === 4 && parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255) && Number(parts[0]) === 127;
  };
  if (v4(h)) return true;
  if (!h.includes(':') || !/^[0-9a-f:.]+$/.test(h)) return false;
  const groups = expandIpv6(h);
  if (!groups) return false;
  // ::1, or ::ffff:127.x.y.z (IPv4-mapped): the first 80 bits zero.
  if (groups.slice(0, 5).some((g) => g !== 0)) return false;
  if (groups[5] === 0 && groups[6] === 0 && groups[7] === 1) return true;
  return groups[5] === 0xffff && groups[6]! >> 8 === 127;
}

/** The eight 16-bit groups of an IPv6 address (a trailing dotted IPv4 part allowed), or null. */
function expandIpv6(text: string): number[] | null {
  let h = text;
  const dotted = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(h);
  if (dotted) {
    const b = dotted[2]!.split('.').map(Number);
    if (b.some((x) => x > 255)) return null;
    h = `${dotted[1]}${((b[0]! << 8) | b[1]!).toString(16)}:${((b[2]! << 8) | b[3]!).toString(16)}`;
  }
  const halves = h.split('::');
  if (halves.length > 2) return null;
  const part = (p: string): string[] => (p === '' ? [] : p.split(':'));
  const head = part(halves[0]!), tail = halves.length === 2 ? part(halves[1]!) : [];
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return null;
  const all = [...head, ...Array.from({ length: halves.length === 2 ? missing : 0 }, () => '0'), ...tail];
  if (all.some((g) => !/^[0-9a-f]{1,4}$/.test(g))) return null;
  return all.map((g) => parseInt(g, 16));
}

/** The host name of a Host header ("127.0.0.1:8080" → "127.0.0.1", "[::1]:80" → "[::1]"). */
function hostName(header: string): string {
  const m = /^(\[[^\]]*\]|[^:]*)(?::\d+)?$/.exec(header.trim());
  return m ? m[1]! : header;
}

const COMMON_HEADERS = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

/** vega compiles its expressions with Function (unsafe-eval); the engine compiles WebAssembly. */
const CSP =
  "default-src 'self'; script-src 'self' 'unsafe-eval' 'wasm-unsafe-eval'; style-src 'self' 'unsafe-inline'; " +
  "img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'";

function send(res: ServerResponse, head: boolean, status: number, type: string, body: string | Buffer, extra: Record<string, string> = {}): void {
  const data = typeof body === 'string' ? Buffer.from(body) : body;
  res.writeHead(status, { ...COMMON_HEADERS, 'Content-Type': type, 'Content-Length': String(data.length), ...extra });
  res.end(head ? undefined : data);
}

function sendError(res: ServerResponse, head: boolean, api: boolean, status: number, message: string): void {
  const extra: Record<string, string> = { 'Cache-Control': 'no-store' };
  if (status === 405) extra.Allow = 'GET, HEAD';
  if (api) return send(res, head, status, 'application/json; charset=utf-8', JSON.stringify({ error: message }), extra);
  const title = status === 404 ? 'Page not found' : status === 405 ? 'Method not allowed' : status === 403 ? 'Forbidden' : status === 422 ? 'Unreadable run' : 'Bad request';
  send(res, head, status, 'text/html; charset=utf-8', errorPage(status, title, message), { ...extra, 'Content-Security-Policy': CSP });
}

const warned = new Set<string>();

/** One warning line per malformed run (the dashboard polls: not one per request). */
function warnOnce(e: MalformedRunError): void {
  const key = `${e.where}#${e.run}`;
  if (warned.has(key)) return;
  warned.add(key);
  process.stderr.write(`sbptt serve: warning: ${e.message}\n`);
}

async function handle(opts: DashboardOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const raw = req.url ?? '/';
  const api = raw === '/api' || raw.startsWith('/api/') || raw.startsWith('/api?');
  const head = req.method === 'HEAD';
  try {
    if (req.method !== 'GET' && req.method !== 'HEAD') throw new HttpError(405, `method ${req.method} not allowed; the dashboard is read-only (GET, HEAD)`);
    if (opts.loopbackOnly && !isLoopbackHost(hostName(req.headers.host ?? ''))) {
      throw new HttpError(403, 'this dashboard answers only requests addressed to localhost');
    }
    const { segments, query } = parseTarget(raw);
    if (segments[0] === 'api') {
      // Rows that cannot be read are left out of listings; the answer names them in a header.
      const skipped: number[] = [];
      const store: RunStore = Object.create(opts.store, {
        runs: { value: (f: RunFilter = {}) => opts.store.runs({ ...f, onSkip: (e) => (skipped.push(e.run), warnOnce(e)) }) },
      });
      const body = JSON.stringify(await answerApi(store, segments.slice(1), query));
      const extra: Record<string, string> = { 'Cache-Control': 'no-store' };
      if (skipped.length > 0) extra['X-Skipped-Runs'] = [...new Set(skipped)].join(',');
      return send(res, head, 200, 'application/json; charset=utf-8', body, extra);
    }
    const file = resolveStatic(opts.bundleDir, segments);
    if (!file) throw new HttpError(404, `there is no page at ${raw.split('?')[0]}`);
    const extra: Record<string, string> = { 'Cache-Control': 'no-cache' };
    if (file.type.startsWith('text/html')) extra['Content-Security-Policy'] = CSP;
    send(res, head, 200, file.type, readFileSync(file.path), extra);
  } catch (e) {
    if (e instanceof HttpError) return sendError(res, head, api, e.status, e.message);
    if (e instanceof MalformedRunError) {
      warnOnce(e);
      return sendError(res, head, api, 422, e.message);
    }
    process.stderr.write(`sbptt serve: ${req.method} ${raw}: ${(e as Error).stack ?? String(e)}\n`);
    send(res, head, 500, 'application/json; charset=utf-8', JSON.stringify({ error: `internal error: ${(e as Error).message}` }));
  }
}

export function createDashboardServer(opts: DashboardOptions): Server {
  // Node looks for timed-out connections every connectionsCheckingInterval (default 30 s): check
  // often, so a slow client is cut within a second of headersTimeout.
  const server = createServer({ connectionsCheckingInterval: 250 }, (req, res) => void handle(opts, req, res));
  // Bounded waits: a slow or idle client cannot hold a connection open for long.
  server.requestTimeout = 30_000;
  server.headersTimeout = 10_000;
  server.keepAliveTimeout = 5_000;
  return server;
}

/** Starts listening; resolves with the page's URL (port 0 = a free port). */
export function listen(server: Server, host: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const onError = (e: NodeJS.ErrnoException): void => {
      const why = e.code === 'EADDRINUSE' ? `port ${port} is in use (give another with --port)` : e.code === 'EADDRNOTAVAIL' ? `${host} is not an address of this machine` : e.message;
      reject(new Error(`cannot listen on ${host}:${port}: ${why}`));
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      const a = server.address() as AddressInfo;
      const shown = a.family === 'IPv6' ? `[${a.address}]` : a.address;
      resolve(`http://${shown}:${a.port}/`);
    });
  });
}
