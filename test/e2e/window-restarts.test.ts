// The window across restarts of the app itself (Chromium + `cdesk serve` + real containerd): an open
// tab gets back in or says why it cannot, a takeover keeps the daemon's history, a lost app freezes
// times, and the supervisor's own state changes reach Activity.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireContainerd } from '../helpers/engine';
import {
  ensureBuilt,
  launchChromium,
  requireChromium,
  ROOT,
  startServe,
  type Serve,
} from '../helpers/serve';

declare const window: Record<string, unknown>;

const SHOTS = join(ROOT, 'test-output', 'screenshots');
const ready = requireChromium() && requireContainerd();

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
