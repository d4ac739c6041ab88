// Live CPU and memory on the Containers page (cdesk serve + real containerd + Chromium): a busy row
// shows its figures, and only the running rows on screen are polled — a row scrolled away is not.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildBusyboxImage,
  ctr,
  importImage,
  removeAllContainers,
  type BuiltImage,
} from '../helpers/oci-image';
import {
  ensureBuilt,
  launchChromium,
  startServeRunning,
  type Serve,
  SHOTS,
  windowWithContainersReady,
} from '../helpers/serve';

const ready = windowWithContainersReady('containers stats');

// Running rows sort by id: the busy one first, the idle one last, fillers between.
const TAG = process.pid.toString(36);
const BUSY = `a-busy-${TAG}`;
const IDLE = `z-idle-${TAG}`;
const FILLERS = Array.from({ length: 12 }, (_, i) => `m-fill-${TAG}-${i}`);

let serve: Serve;
let browser: Browser;
let page: Page;
let socket: string;
let img: BuiltImage;
let imgDir: string;
/** The ids each tasks:stats request the page sent named, in order. */
const asked: { at: number; ids: string[] }[] = [];

beforeAll(async () => {
  if (!ready) return;
  ensureBuilt();
  ({ serve, socket } = await startServeRunning({ prefix: '/tmp/ccs-' }));
  imgDir = mkdtempSync('/tmp/ccs-img-');
  img = buildBusyboxImage(imgDir);
  importImage(socket, 'default', img);
  ctr(socket, 'default', ['run', '-d', img.name, BUSY, 'sh', '-c', 'while :; do :; done']);
  for (const id of [...FILLERS, IDLE]) ctr(socket, 'default', ['run', '-d', img.name, id]);
  browser = await launchChromium();
  // A short window: a handful of rows fit, the rest are below the fold.
  page = await browser.newPage({ viewport: { width: 1280, height: 460 } });
  page.on('websocket', (ws) =>
    ws.on('framesent', ({ payload }) => {
      const text = typeof payload === 'string' ? payload : payload.toString();
      if (!text.includes('"tasks:stats"')) return;
      const m = JSON.parse(text) as { cmd: string; payload: { ids?: string[] } };
      if (m.cmd === 'tasks:stats') asked.push({ at: Date.now(), ids: m.payload.ids ?? [] });
    }),
  );
  await page.goto(`${serve.info.url}#/containers`);
}, 180_000);

afterAll(async () => {
  if (!ready) return;
  await browser?.close();
  if (socket) removeAllContainers(socket);
  await serve?.stop();
  serve?.cleanup();
  if (imgDir) rmSync(imgDir, { recursive: true, force: true });
});

const row = (id: string) => page.locator(`[data-testid="containers-table-row"][data-key="${id}"]`);
const askedSince = (t: number) => asked.filter((a) => a.at >= t);

describe.skipIf(!ready)('CPU and memory columns (cdesk serve + containerd + Chromium)', () => {
  it('a busy container shows CPU > 0 and memory > 0 in its row', async () => {
    await row(BUSY).waitFor({ state: 'visible', timeout: 20_000 });
    const cpu = row(BUSY).getByTestId('row-cpu');
    await expect
      .poll(async () => parseFloat((await cpu.textContent()) ?? ''), { timeout: 15_000 })
      .toBeGreaterThan(0);
    // The shell spins: well above an idle container, even on a shared machine.
    await expect
      .poll(async () => parseFloat((await cpu.textContent()) ?? ''), { timeout: 15_000 })
      .toBeGreaterThan(20);
    const mem = await row(BUSY).getByTestId('row-mem').textContent();
    expect(mem).toMatch(/^\d+(\.\d)? (B|KiB|MiB)$/);
    expect(parseFloat(mem!)).toBeGreaterThan(0);
    mkdirSync(SHOTS, { recursive: true });
    await page.screenshot({ path: join(SHOTS, 'containers-cpu-memory.png') });
  });

  it('polls only the running rows on screen, one request per tick', async () => {
    const t0 = Date.now();
    await page.waitForTimeout(2500);
    const before = askedSince(t0);
    // One batched request a second (give or take a tick), never one per row.
    expect(before.length).toBeGreaterThanOrEqual(2);
    expect(before.length).toBeLessThanOrEqual(4);
    for (const a of before) {
      expect(a.ids).toContain(BUSY);
      expect(a.ids).not.toContain(IDLE);
      expect(a.ids.length).toBeLessThan(FILLERS.length + 2);
    }

    // Scroll to the end: the idle row comes on screen and is polled; the busy one is not any more.
    await page
      .getByTestId('containers-table')
      .evaluate((el) => el.scrollTo({ top: el.scrollHeight }));
    await row(IDLE).waitFor({ state: 'visible' });
    await expect
      .poll(async () => parseFloat((await row(IDLE).getByTestId('row-mem').textContent()) ?? ''), {
        timeout: 10_000,
      })
      .toBeGreaterThan(0);
    const t1 = Date.now();
    await page.waitForTimeout(2500);
    const after = askedSince(t1);
    expect(after.length).toBeGreaterThanOrEqual(2);
    for (const a of after) {
      expect(a.ids).toContain(IDLE);
      expect(a.ids).not.toContain(BUSY);
    }
    // The idle shell costs nothing: its CPU reads near zero.
    const idleCpu = parseFloat((await row(IDLE).getByTestId('row-cpu').textContent()) ?? '');
    expect(idleCpu).toBeLessThan(5);
  });
});
