/** `sbptt serve`: the web dashboard over the run store (read-only), on 127.0.0.1 by default. */
import { resolve } from 'node:path';
import { Command } from 'commander';
import { RunStore } from '../runs/store.js';
import { existingStorePath, STORE_FLAG, STORE_HELP } from './store-arg.js';

export const DEFAULT_PORT = 8080;

function parsePort(text: string): number {
  const n = /^\d{1,5}$/.test(text) ? Number(text) : NaN;
  if (!(n >= 0 && n <= 65535)) throw new Error(`--port: got "${text}", expected an integer from 0 to 65535 (0: any free port)`);
  return n;
}

function parseHost(text: string): string {
  if (!/^[A-Za-z0-9.:\-[\]]{1,253}$/.test(text)) throw new Error(`--host: got "${text}", expected a host name or IP address, e.g. 127.0.0.1`);
  return text.replace(/^\[(.*)\]$/, '$1');
}

/** What binding to a non-loopback address exposes, in one line. */
export function exposureWarning(host: string, storePath: string): string {
  const everywhere = host === '0.0.0.0' || host === '::' || /^0+(\.0+){3}$/.test(host);
  const who = everywhere ? 'every network interface of this machine: anyone on those networks' : `${host}: anyone who can reach that address`;
  return (
    `sbptt serve: warning: bound to ${who} can read every run, record and controller in ${storePath}; ` +
    'and since the Host check is off, a web page on any site can read it too through DNS rebinding. ' +
    'Serve on 127.0.0.1 (the default) unless the network is trusted.'
  );
}

interface ServeFlags {
  store?: string;
  host: string;
  port: string;
  bundle?: string;
}

export function serveCommand(): Command {
  return new Command('serve')
    .description('serve the web dashboard: sweeps and runs with live progress, comparison figures, curves, rollouts, the toy')
    .option(STORE_FLAG, STORE_HELP)
    .option('--host <address>', 'address to bind (other machines can reach the store if it is not a loopback address)', '127.0.0.1')
    .option('--port <n>', `port (0: any free port)`, String(DEFAULT_PORT))
    .option('--bundle <dir>', 'folder of the built page (default dist/web; built when missing or older than its sources)')
    .action(async (o: ServeFlags) => {
      const host = parseHost(o.host);
      const port = parsePort(o.port);
      const path = existingStorePath(o.store);
      const say = (line: string): boolean => process.stdout.write(line + '\n');
      const { defaultBundleDir, ensureBundle } = await import('../web/build.js');
      const { createDashboardServer, isLoopbackHost, listen } = await import('../web/server/server.js');
      const bundleDir = o.bundle === undefined ? defaultBundleDir() : resolve(o.bundle);
      await ensureBundle(bundleDir, say);
      const store = await RunStore.open(path, { create: false });
      const loopbackOnly = isLoopbackHost(host);
      const server = createDashboardServer({ store, bundleDir, loopbackOnly });
      let url: string;
      try {
        url = await listen(server, host, port);
      } catch (e) {
        await store.close();
        throw e;
      }
      if (!loopbackOnly) process.stderr.write(exposureWarning(host, store.path) + '\n');
      if ((store as { snapshotOnly?: boolean }).snapshotOnly) {
        process.stderr.write(`sbptt serve: note: the folder of ${store.path} is not writable: serving the store read-only, as it is now (later changes are not seen)\n`);
      }
      say(`stable-bptt dashboard: ${url}  (store ${store.path}; Ctrl-C stops it)`);
      const stop = (): void => {
        server.close();
        server.closeAllConnections();
        void store.close();
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
}
