/** Network edges of `sbptt serve`: loopback in every spelling, an honest exposure warning, slow clients cut on time. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { connect } from 'node:net';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exposureWarning } from '../src/cli/serve.js';
import { RunStore } from '../src/runs/store.js';
import { createDashboardServer, isLoopbackHost, listen } from '../src/web/server/server.js';

test('loopback is recognised in every spelling, and nothing else is', () => {
  const loopback = [
    'localhost', 'LOCALHOST', 'localhost.', 'app.localhost', '127.0.0.1', '127.1.2.3', '127.255.255.254', '::1', '[::1]', '0:0:0:0:0:0:0:1',
    '0000:0000:0000:0000:0000:0000:0000:0001', '::ffff:127.0.0.1', '[::ffff:127.0.0.1]', '::FFFF:127.9.9.9', '::ffff:7f00:1', '0:0:0:0:0:ffff:127.0.0.1',
  ];
  const elsewhere = [
    '0.0.0.0', '::', '10.0.0.1', '128.0.0.1', '127.0.0.256', '127.0.0', '127.0.0.1.evil.com', 'localhost.evil.com', 'evil.com', '::2', '::ffff:10.0.0.1',
    '::ffff:128.0.0.1', '1::1', '::1::', '', '[]', '::ffff:127.0.0.1.2', 'fe80::1',
  ];
  for (const h of loopback) assert.equal(isLoopbackHost(h), true, h);
  for (const h of elsewhere) assert.equal(isLoopbackHost(h), false, h);
});

test('the exposed-bind warning says what is exposed, including DNS rebinding', () => {
  const all = exposureWarning('0.0.0.0', '/data/runs.sqlite');
  assert.match(all, /every network interface/);
  assert.match(all, /every run, record and controller in \/data\/runs\.sqlite/);
  assert.match(all, /DNS rebinding/);
  assert.match(exposureWarning('192.168.1.5', 'x.sqlite'), /bound to 192\.168\.1\.5: anyone who can reach that address .*DNS rebinding/);
  assert.doesNotMatch(all, /\n/);
});

test('bound to ::ffff:127.0.0.1 the dashboard keeps its Host check; a slow client is cut within a second of the limit', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sbptt-net-'));
  const store = await RunStore.open(join(dir, 'runs.sqlite'));
  const host = '::ffff:127.0.0.1';
  const server = createDashboardServer({ store, bundleDir: dir, loopbackOnly: isLoopbackHost(host) });
  server.headersTimeout = 1500;
  server.requestTimeout = 1500;
  const url = new URL(await listen(server, host, 0));
  try {
    const get = (hostHeader: string): Promise<number> =>
      new Promise((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port: url.port, path: '/api/runs', headers: { Host: hostHeader } }, (res) => (res.resume(), resolve(res.statusCode!)));
        req.on('error', reject);
        req.end();
      });
    assert.equal(await get(`[::ffff:127.0.0.1]:${url.port}`), 200);
    assert.equal(await get(`localhost:${url.port}`), 200);
    assert.equal(await get(`rebound.example.com:${url.port}`), 403);

    // Slow loris: half a request line, then nothing more. Cut at the limit, not ~30 s later.
    const t0 = Date.now();
    const closedAfter = await new Promise<number>((resolve) => {
      const socket = connect(Number(url.port), '127.0.0.1', () => socket.write('GET / HTTP/1.1\r\nHost: localhost\r\nX-Slow: '));
      socket.on('data', () => undefined);
      socket.on('error', () => undefined);
      socket.on('close', () => resolve(Date.now() - t0));
    });
    assert.ok(closedAfter >= 1400 && closedAfter <= 2500, `cut after ${closedAfter} ms (limit 1500 ms)`);
  } finally {
    server.close();
    server.closeAllConnections();
    await store.close();
  }
});
