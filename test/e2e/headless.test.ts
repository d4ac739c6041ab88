// Headless mode end to end: `cdesk serve` with real containerd, driven in real Chromium.
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { requireContainerd } from '../helpers/engine';
import {
  ensureBuilt,
  launchChromium,
  requireChromium,
  ROOT,
  startServe,
  type Serve,
} from '../helpers/serve';

// Page globals for the functions page.evaluate runs inside Chromium (the Node tsconfig has no DOM lib).
interface PageElement {
  getAttribute(name: string): string | null;
}
declare const window: Record<string, unknown>;
declare const document: {
  querySelector(selector: string): PageElement | null;
  querySelectorAll(selector: string): ArrayLike<PageElement>;
  body: PageElement;
};
declare const MutationObserver: new (callback: () => void) => {
  observe(target: PageElement, options: { attributes: boolean; attributeFilter: string[] }): void;
};
declare function getComputedStyle(el: PageElement): { backgroundColor: string };

const SHOTS = join(ROOT, 'test-output', 'screenshots');
const ready = requireChromium() && requireContainerd();

let serve: Serve;
let browser: Browser;
let page: Page;

const shot = (name: string, p: Page = page) =>
  p.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
const badge = (p: Page = page) => p.getByTestId('state-badge');

/** GET with full control of the Host header (a browser would not let us forge it). */
function rawGet(
  port: number,
  path: string,
  headers: Record<string, string>,
): Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Try a WebSocket upgrade; resolves to the HTTP status of a refusal, or 101 when it opened. */
function wsStatus(url: string, origin: string | undefined): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, origin ? { origin } : {});
    ws.on('open', () => {
      ws.close();
      resolve(101);
    });
    ws.on('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      res.resume();
    });
    ws.on('error', (e) => reject(e));
  });
}

/** One contract call over a fresh WebSocket, as the page makes it. */
async function wsCall(cmd: string, payload: object = {}): Promise<unknown> {
  const { port, token } = serve.info;
  const ws = new WebSocket(`ws://127.0.0.1:${port}/ws?token=${token}`, {
    origin: `http://127.0.0.1:${port}`,
  });
  try {
    await new Promise((r) => ws.once('open', r));
    const reply = new Promise<{ result: { ok: boolean; value?: unknown } }>((resolve) =>
      ws.on('message', (d) => {
        const m = JSON.parse(d.toString()) as {
          id?: number;
          result: { ok: boolean; value?: unknown };
        };
        if (m.id === 1) resolve(m);
      }),
    );
    ws.send(JSON.stringify({ id: 1, cmd, payload }));
    const { result } = await reply;
    if (!result.ok) throw new Error(`${cmd} failed: ${JSON.stringify(result)}`);
    return result.value;
  } finally {
    ws.close();
  }
}

beforeAll(async () => {
  if (!ready) return;
  ensureBuilt();
  mkdirSync(SHOTS, { recursive: true });
  serve = await startServe();
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1200, height: 860 } });
});

afterAll(async () => {
  if (!ready) return;
  await browser?.close();
  const code = await serve?.stop();
  serve?.cleanup();
  expect(code).toBe(0);
});

describe.skipIf(!ready)('headless mode in Chromium', () => {
  it('serves the page with the token, and shows the stopped daemon', async () => {
    const res = await page.goto(serve.info.url);
    expect(res?.status()).toBe(200);
    const headers = res!.headers();
    expect(headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(headers['content-security-policy']).toContain(`ws://127.0.0.1:${serve.info.port}`);
    expect(headers['x-content-type-options']).toBe('nosniff');
    expect(headers['referrer-policy']).toBe('no-referrer');
    expect(headers['cache-control']).toBe('no-store');
    expect(headers['access-control-allow-origin']).toBeUndefined();
    await expect.poll(() => badge().getAttribute('data-state')).toBe('stopped');
    await expect.poll(() => page.getByTestId('control-socket').textContent()).toBe(serve.control);
    await shot('stopped');
  });

  it('refuses the page without the token, with a wrong one, and on another Host (403)', async () => {
    const base = `http://127.0.0.1:${serve.info.port}/`;
    const p = await browser.newPage();
    try {
      expect((await p.goto(base))?.status()).toBe(403);
      expect((await p.goto(`${base}?token=wrong`))?.status()).toBe(403);
      const wrongSameLength = serve.info.token.replace(/^./, (c) => (c === 'A' ? 'B' : 'A'));
      expect((await p.goto(`${base}?token=${wrongSameLength}`))?.status()).toBe(403);
    } finally {
      await p.close();
    }
    const path = `/?token=${serve.info.token}`;
    const rebound = await rawGet(serve.info.port, path, {
      Host: `evil.example:${serve.info.port}`,
    });
    expect(rebound.status).toBe(403);
    expect(rebound.body).toMatch(/^Forbidden: Host must be/);
    expect(
      (await rawGet(serve.info.port, path, { Host: `localhost:${serve.info.port}` })).status,
    ).toBe(200);
    expect(
      (await rawGet(serve.info.port, '/nope.js', { Host: `127.0.0.1:${serve.info.port}` })).status,
    ).toBe(404);
    expect(
      (await rawGet(serve.info.port, '/assets/', { Host: `127.0.0.1:${serve.info.port}` })).status,
    ).toBe(404);
    expect(
      (
        await rawGet(serve.info.port, '/assets/%2e%2e%2f..%2fpackage.json', {
          Host: `127.0.0.1:${serve.info.port}`,
        })
      ).status,
    ).toBe(403);
  });

  it('refuses WebSocket upgrades from another Origin or without the token', async () => {
    const { port, token } = serve.info;
    const good = `ws://127.0.0.1:${port}/ws?token=${token}`;
    expect(await wsStatus(good, `http://127.0.0.1:${port}`)).toBe(101);
    expect(await wsStatus(good, 'http://evil.example')).toBe(403);
    expect(await wsStatus(good, `http://127.0.0.1:${port + 1}`)).toBe(403);
    expect(await wsStatus(good, undefined)).toBe(403);
    expect(await wsStatus(`ws://127.0.0.1:${port}/ws`, `http://127.0.0.1:${port}`)).toBe(403);
    expect(await wsStatus(`ws://127.0.0.1:${port}/ws?token=x`, `http://127.0.0.1:${port}`)).toBe(
      403,
    );
  });

  it('answers bad frames with an error and keeps the connection', async () => {
    const { port, token } = serve.info;
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws?token=${token}`, {
      origin: `http://127.0.0.1:${port}`,
    });
    const replies: Array<{ id: unknown; result?: { ok: boolean; error?: { code: string } } }> = [];
    ws.on('message', (d) => {
      const m = JSON.parse(d.toString()) as { id?: unknown };
      if ('id' in m) replies.push(m as (typeof replies)[number]);
    });
    await new Promise((r) => ws.once('open', r));
    ws.send('not json');
    ws.send(JSON.stringify({ id: 7, cmd: 'no:such', payload: {} }));
    ws.send(JSON.stringify({ id: 8, cmd: 'daemon:status', payload: {} }));
    await expect.poll(() => replies.length).toBe(3);
    expect(replies[0]).toMatchObject({
      id: null,
      result: { ok: false, error: { code: 'bad-request' } },
    });
    expect(replies.find((r) => r.id === 7)).toMatchObject({
      result: { ok: false, error: { code: 'unknown-command' } },
    });
    expect(replies.find((r) => r.id === 8)).toMatchObject({ result: { ok: true } });
    // An oversized message is abuse: the socket is closed (1009 message too big).
    const closed = new Promise<number>((r) => ws.once('close', (code) => r(code)));
    ws.send('x'.repeat(300 * 1024));
    expect(await closed).toBe(1009);
  });

  it('Start: the badge reaches running and the version shows', async () => {
    await page.evaluate(() => ((window as unknown as { __noReload: number }).__noReload = 1));
    await page.getByTestId('btn-start').click();
    await expect
      .poll(() => badge().getAttribute('data-state'), { timeout: 20_000 })
      .toBe('running');
    await expect.poll(() => page.getByTestId('daemon-version').textContent()).toMatch(/\d+\.\d+/);
    await expect.poll(() => page.getByTestId('daemon-pid').textContent()).toMatch(/^\d+$/);
    await shot('running');
  });

  it('a SIGKILLed containerd is restarted and the page follows without a reload', async () => {
    const pid = Number(await page.getByTestId('daemon-pid').textContent());
    const restarts = Number(await page.getByTestId('restart-count').textContent());
    // Record every state the badge shows, from inside the page.
    await page.evaluate(() => {
      const w = window as unknown as { __states: string[] };
      w.__states = [];
      const el = document.querySelector('[data-testid="state-badge"]')!;
      new MutationObserver(() => w.__states.push(el.getAttribute('data-state') ?? '')).observe(el, {
        attributes: true,
        attributeFilter: ['data-state'],
      });
    });
    process.kill(pid, 'SIGKILL');
    await expect
      .poll(() => page.getByTestId('restart-count').textContent(), { timeout: 20_000 })
      .toBe(String(restarts + 1));
    await expect
      .poll(() => badge().getAttribute('data-state'), { timeout: 20_000 })
      .toBe('running');
    const seen = await page.evaluate(() => (window as unknown as { __states: string[] }).__states);
    expect(seen.some((s) => s === 'backoff' || s === 'starting')).toBe(true);
    expect(seen.at(-1)).toBe('running');
    expect(Number(await page.getByTestId('daemon-pid').textContent())).not.toBe(pid);
    expect(
      await page.evaluate(() => (window as unknown as { __noReload?: number }).__noReload),
    ).toBe(1);
    await shot('restarted');
  });

  it('streams log lines; the level filter and the search narrow them', async () => {
    await page.getByTestId('tab-logs').click();
    await expect
      .poll(() => page.getByTestId('log-row').count(), { timeout: 15_000 })
      .toBeGreaterThan(5);
    // Lines written now must arrive live (containerd's own file, tailed by the engine).
    const t = new Date().toISOString();
    appendFileSync(
      serve.logFile,
      `time="${t}" level=warning msg="e2e marker warn one"\n` +
        `time="${t}" level=error msg="e2e marker error two"\n` +
        `time="${t}" level=info msg="e2e marker info three"\n`,
    );
    await expect
      .poll(() => page.getByText('e2e marker info three').count(), { timeout: 10_000 })
      .toBe(1);

    await page.getByTestId('log-level').selectOption('warn');
    await expect.poll(() => page.getByText('e2e marker info three').count()).toBe(0);
    const classes = await page
      .getByTestId('log-row')
      .evaluateAll((rows) => rows.map((r) => r.className));
    expect(classes.length).toBeGreaterThanOrEqual(2);
    for (const c of classes) expect(c).toMatch(/lvl-(warn|error|fatal|panic)/);

    await page.getByTestId('log-level').selectOption('all');
    await page.getByTestId('log-search').fill('e2e marker');
    await expect.poll(() => page.getByTestId('log-row').count()).toBe(3);
    const texts = await page.getByTestId('log-row').allTextContents();
    for (const text of texts) expect(text.toLowerCase()).toContain('e2e marker');
    await shot('logs');
    await page.getByTestId('log-search').fill('');
  });

  it('a settings error shows next to its field and nothing is saved', async () => {
    const before = existsSync(serve.settingsFile) ? readFileSync(serve.settingsFile, 'utf8') : null;
    await page.getByTestId('tab-settings').click();
    const field = page.getByTestId('field-restart.backoffInitialMs');
    await field.fill('-5');
    await page.getByTestId('settings-save').click();
    const error = page.getByTestId('error-restart.backoffInitialMs');
    await expect.poll(() => error.isVisible()).toBe(true);
    expect(await error.textContent()).toMatch(/\S/);
    expect(await field.getAttribute('aria-invalid')).toBe('true');
    await shot('settings-error');
    const after = existsSync(serve.settingsFile) ? readFileSync(serve.settingsFile, 'utf8') : null;
    expect(after).toBe(before);
    // The app still has the old value.
    const view = (await wsCall('settings:get')) as {
      settings: { restart: { backoffInitialMs: number } };
    };
    expect(view.settings.restart.backoffInitialMs).toBe(500);
  });

  it('renders the dark theme', async () => {
    const ctx = await browser.newContext({
      colorScheme: 'dark',
      viewport: { width: 1200, height: 860 },
    });
    const dark = await ctx.newPage();
    await dark.goto(serve.info.url);
    await expect.poll(() => badge(dark).getAttribute('data-state')).toBe('running');
    const bg = await dark.evaluate(() => getComputedStyle(document.body).backgroundColor);
    await shot('dark', dark);
    await ctx.close();
    // A dark page has a dark background (all channels low).
    const channels = (bg.match(/\d+/g) ?? []).slice(0, 3).map(Number);
    expect(Math.max(...channels)).toBeLessThan(100);
  });

  it('Stop: the badge reaches stopped', async () => {
    await page.getByTestId('tab-status').click();
    await page.getByTestId('btn-stop').click();
    await expect
      .poll(() => badge().getAttribute('data-state'), { timeout: 20_000 })
      .toBe('stopped');
    await shot('stopped-again');
  });
});
