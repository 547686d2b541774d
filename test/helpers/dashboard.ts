/**
 * The dashboard end to end, set up once per test file: the bundle built from the sources, the
 * server on a random loopback port over a temporary store, and Debian's Chromium driven by
 * playwright-core. `skip` says why when /usr/bin/chromium is missing. SBPTT_E2E_SCREENSHOTS=<dir>
 * saves a screenshot per page (`shot`).
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { cartpole } from '../../src/physics/index.js';
import { executeRun } from '../../src/runs/execute.js';
import { RunStore } from '../../src/runs/store.js';
import { resolveTrainConfig } from '../../src/train/config.js';
import type { EpochRecord } from '../../src/train/record.js';
import { buildBundle } from '../../src/web/build.js';
import { createDashboardServer, listen } from '../../src/web/server/server.js';

export const CHROMIUM = '/usr/bin/chromium';
export const skip = existsSync(CHROMIUM) ? false : `Chromium is not installed at ${CHROMIUM} (apt-get install chromium); skipping the dashboard's end-to-end test`;
export const SWEEP = 'e2e-cartpole';
const SHOTS = process.env.SBPTT_E2E_SCREENSHOTS;

export function record(epoch: number, testLoss: number, cosSim = 0.3): EpochRecord {
  return { epoch, loss: testLoss, trainLoss: testLoss * 1.1, testLoss, physicsLoss: 0, physicsTrainLoss: 0, physicsTestLoss: 0, gradSize: testLoss / 10, cosSim, time: 0.01 };
}

/** Sweep SWEEP (poles 1, 2 × R, C × NONE, NORM; 80 epochs of made-up losses) and a trained run outside it. */
export async function makeStore(path: string): Promise<{ trained: number }> {
  const store = await RunStore.open(path);
  let k = 0;
  for (const poles of [1, 2]) {
    for (const mode of ['R', 'C']) {
      for (const clip of ['NONE', 'NORM']) {
        const id = await store.createRun(resolveTrainConfig(cartpole, { mode, clip, epochs: 80, settings: { poles } }), SWEEP);
        const rate = (mode === 'C' ? 30 : 90) * (clip === 'NORM' ? 1 : 1.3) * poles;
        const records = Array.from({ length: 80 }, (_, e) => record(e + 1, (1 + k) * 0.2 * Math.exp(-(e + 1) / rate) * (1 + 0.2 * Math.sin(e * (k + 1))), mode === 'C' ? 0.3 : 0));
        await store.saveProgress(id, { epoch: 80, params: [0], optimizer: { name: 'ADAM', lr: 1e-3, t: 1, slots: {} }, records });
        await store.finish(id, 'done', null, null);
        k++;
      }
    }
  }
  const trained = await store.createRun(resolveTrainConfig(cartpole, { mode: 'C', epochs: 4, trainSize: 16, testSize: 8, settings: { poles: 2, steps: 40, duration: 2, width: 16 } }));
  assert.equal((await executeRun(store, trained, { problem: cartpole })).status, 'done');
  await store.close();
  return { trained };
}

export interface Dashboard {
  url: string;
  port: number;
  page: Page;
  store: RunStore;
  storePath: string;
  trained: number;
  dir: string;
  /** Uncaught errors in the page so far. */
  pageErrors: string[];
  close(): Promise<void>;
}

export async function startDashboard(): Promise<Dashboard> {
  const dir = mkdtempSync(join(tmpdir(), 'sbptt-e2e-'));
  const bundleDir = join(dir, 'web');
  await buildBundle(bundleDir);
  const storePath = join(dir, 'runs.sqlite');
  const { trained } = await makeStore(storePath);
  const store = await RunStore.open(storePath);
  const server = createDashboardServer({ store, bundleDir, loopbackOnly: true });
  const url = await listen(server, '127.0.0.1', 0);
  let context: BrowserContext | null = null;
  const close = async (): Promise<void> => {
    await context?.close();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    context = await chromium.launchPersistentContext(join(dir, 'profile'), {
      executablePath: CHROMIUM,
      headless: true,
      acceptDownloads: true,
      args: ['--no-sandbox', '--headless', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      viewport: { width: 1280, height: 900 },
      timeout: 30_000,
    });
    context.setDefaultTimeout(10_000);
    const page = context.pages()[0] ?? (await context.newPage());
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    return { url, port: Number(new URL(url).port), page, store, storePath, trained, dir, pageErrors, close };
  } catch (e) {
    await close();
    throw e;
  }
}

export async function shot(page: Page, name: string): Promise<void> {
  if (!SHOTS) return;
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}
