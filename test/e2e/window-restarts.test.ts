// The window across restarts of the app itself (Chromium + `cdesk serve` + real containerd): an open
// tab gets back in or says why it cannot, a takeover keeps the daemon's history, a lost app freezes
// times, and the supervisor's own state changes reach Activity.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alive, requireContainerd } from '../helpers/engine';
import {
  buildBusyboxImage,
  canRunContainers,
  ctr,
  importImage,
  removeAllContainers,
} from '../helpers/oci-image';
import {
  cdesk,
  ensureBuilt,
  launchChromium,
  requireChromium,
  ROOT,
  startServe,
  waitFor,
  type Serve,
} from '../helpers/serve';

declare const window: Record<string, unknown>;

const SHOTS = join(ROOT, 'test-output', 'screenshots');
const ready = requireChromium() && requireContainerd();
const can = canRunContainers();
if (!can.ok) console.warn(`skipping the takeover e2e: ${can.reason}`);

/** Checks each second, so a few seconds of history hold several samples. */
const FAST_CHECKS = { health: { livenessIntervalMs: 1000 } };

interface StatusJson {
  state: string;
  pid: number;
  adopted: boolean;
  runningSince: number | null;
  paths: { socket: string };
}
async function statusOf(s: Serve): Promise<StatusJson> {
  return JSON.parse(
    (await cdesk(['status', '--json', '--control', s.control])).stdout,
  ) as StatusJson;
}

/** "1m 5s" / "12s" / "2h 3m" → seconds. */
function seconds(text: string): number {
  let n = 0;
  for (const [, v, u] of text.matchAll(/(\d+)\s*([dhms])/g))
    n += Number(v) * { d: 86_400, h: 3600, m: 60, s: 1 }[u as 'd' | 'h' | 'm' | 's'];
  return n;
}

let browser: Browser;
const stateOf = (p: Page) => p.getByTestId('state-badge').getAttribute('data-state');
const marked = (p: Page) => p.evaluate(() => (window as { __noReload?: number }).__noReload);

async function shots(p: Page, name: string): Promise<void> {
  for (const width of [1280, 900]) {
    await p.setViewportSize({ width, height: 800 });
    await p.waitForTimeout(200);
    await p.screenshot({ path: join(SHOTS, `${name}-${width}-light.png`) });
  }
  await p.setViewportSize({ width: 1280, height: 800 });
}

beforeAll(async () => {
  if (!ready) return;
  ensureBuilt();
  mkdirSync(SHOTS, { recursive: true });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
});

describe.skipIf(!ready)('an open tab across restarts of headless mode', () => {
  let serve: Serve;
  let page: Page;
  let port: number;

  beforeAll(async () => {
    serve = await startServe({ prefix: '/tmp/cdr-' });
    port = serve.info.port;
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  });

  afterAll(async () => {
    await page?.close();
    await serve?.stop();
    serve?.cleanup();
  });

  it('a restarted server that kept its token file takes the open tab back, without a reload', async () => {
    await page.goto(serve.info.url);
    await expect.poll(() => stateOf(page), { timeout: 15_000 }).toBe('stopped');
    await page.evaluate(() => (window.__noReload = 1));
    const first = serve.info.token;
    expect(await serve.stop()).toBe(0);
    await expect.poll(() => stateOf(page), { timeout: 5_000 }).toBe('unknown');
    serve = await startServe({ dir: serve.dir, port });
    expect(serve.info.token).toBe(first);
    await expect.poll(() => stateOf(page), { timeout: 15_000 }).toBe('stopped');
    expect(await page.getByTestId('link-refused').count()).toBe(0);
    expect(await marked(page)).toBe(1);
  });

  it('a token the server no longer takes is said plainly, with where the new one is', async () => {
    expect(await serve.stop()).toBe(0);
    serve = await startServe({ dir: serve.dir, port, extra: ['--new-token'] });
    const notice = page.getByTestId('link-refused');
    await expect.poll(() => notice.isVisible(), { timeout: 15_000 }).toBe(true);
    const text = (await notice.textContent()) ?? '';
    expect(text).toContain("This page's link is no longer valid");
    expect(text).toContain('open the new URL printed by `cdesk serve`');
    expect(text).toContain(serve.info.tokenFile);
    expect(await page.getByTestId('state-reason').textContent()).toMatch(/no longer valid/);
    expect(await stateOf(page)).toBe('unknown');
    // Still refused a few retries later: no flicker back to "reconnecting".
    await page.waitForTimeout(1500);
    expect(await notice.isVisible()).toBe(true);
    await shots(page, 'window-link-refused');
    // The new URL works.
    await page.goto(serve.info.url);
    await expect.poll(() => stateOf(page), { timeout: 15_000 }).toBe('stopped');
    expect(await page.getByTestId('link-refused').count()).toBe(0);
  });
});

describe.skipIf(!ready || !can.ok)("a takeover keeps the daemon's history", () => {
  let first: Serve;
  let second: Serve | null = null;
  let page: Page;
  let socket = '';
  let imgDir = '';

  beforeAll(async () => {
    first = await startServe({
      prefix: '/tmp/cdt-',
      settings: { ...FAST_CHECKS, onQuit: 'leave-running' },
    });
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  }, 60_000);

  afterAll(async () => {
    await page?.close();
    const last = second ?? first;
    const pid = (await statusOf(last).catch(() => null))?.pid;
    if (socket) removeAllContainers(socket);
    await cdesk(['daemon', 'stop', '--control', last.control]);
    await last.stop();
    // leave-running: a containerd still up after the stop is ours to end.
    if (pid && alive(pid)) process.kill(pid, 'SIGKILL');
    last.cleanup();
    if (imgDir) rmSync(imgDir, { recursive: true, force: true });
  });

  it('uptime from the process, restarts and health from before, and containers\' "up" time', async () => {
    expect((await cdesk(['daemon', 'start', '--wait', '--control', first.control])).code).toBe(0);
    let s = await statusOf(first);
    socket = s.paths.socket;
    imgDir = mkdtempSync('/tmp/cdt-img-');
    const img = buildBusyboxImage(imgDir);
    importImage(socket, 'default', img);
    ctr(socket, 'default', ['run', '-d', img.name, 'takeover-c', '/bin/sleep', '1000']);
    // A crash the first app restarts: history the second must still show.
    process.kill(s.pid, 'SIGKILL');
    await waitFor(
      async () => {
        const n = await statusOf(first);
        return n.state === 'running' && n.pid !== s.pid;
      },
      30_000,
      'containerd respawned',
    );
    s = await statusOf(first);
    const bornAt = Date.now();
    await new Promise((r) => setTimeout(r, 4000));
    expect(await first.stop()).toBe(0);
    expect(alive(s.pid)).toBe(true);
    await new Promise((r) => setTimeout(r, 3000));
    second = await startServe({ dir: first.dir });
    expect((await cdesk(['daemon', 'start', '--wait', '--control', second.control])).code).toBe(0);
    const adopted = await statusOf(second);
    expect(adopted).toMatchObject({ state: 'running', pid: s.pid, adopted: true });
    expect(adopted.runningSince).toBeLessThanOrEqual(bornAt);

    await page.goto(second.info.url);
    await expect.poll(() => stateOf(page), { timeout: 15_000 }).toBe('running');
    const sinceBorn = (Date.now() - bornAt) / 1000;
    const uptime = seconds((await page.getByTestId('daemon-uptime').textContent()) ?? '');
    expect(uptime).toBeGreaterThanOrEqual(Math.floor(sinceBorn) - 1);
    expect(await page.getByTestId('restart-causes').textContent()).toMatch(/1 crash/);
    expect(await page.getByTestId('health-restart').count()).toBeGreaterThanOrEqual(1);
    const desc = await page.locator('#health-desc').textContent();
    expect(Number(/^(\d+) health checks/.exec(desc ?? '')?.[1] ?? 0)).toBeGreaterThanOrEqual(4);
    await shots(page, 'window-takeover-status');

    await page.evaluate(
      () => ((window as { location: { hash: string } }).location.hash = '#/containers'),
    );
    const row = page.locator('[data-testid="containers-table-row"][data-key="takeover-c"]');
    await expect.poll(() => row.textContent(), { timeout: 15_000 }).toMatch(/Running/);
    await expect.poll(() => row.textContent()).toMatch(/up \d/);
    expect(await row.textContent()).not.toContain('up —');
    await shots(page, 'window-takeover-containers');
  }, 120_000);
});
