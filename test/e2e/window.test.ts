// The window in real Chromium against `cdesk serve` + real containerd: a truthful badge (first failed
// check, lost app, SIGKILL recovery), keyboard-only control and navigation, and screenshots of every page.
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

// Page globals for the functions page.evaluate runs inside Chromium (the Node tsconfig has no DOM lib).
interface PageElement {
  getAttribute(name: string): string | null;
  textContent: string | null;
}
declare const window: Record<string, unknown>;
declare const document: {
  querySelector(selector: string): PageElement | null;
  activeElement: PageElement | null;
};
declare function getComputedStyle(el: unknown): { outlineStyle: string; outlineWidth: string };
declare const MutationObserver: new (callback: () => void) => {
  observe(target: PageElement, options: object): void;
};

const SHOTS = join(ROOT, 'test-output', 'screenshots');
const ready = requireChromium() && requireContainerd();
const PAGES = ['Status', 'Containers', 'Images', 'Plugins', 'Activity', 'Logs', 'Settings'];

/** Short liveness settings so a hang shows within seconds (the first failed check after ~1 s). */
const FAST_LIVENESS = {
  health: {
    livenessIntervalMs: 1000,
    livenessTimeoutMs: 400,
    livenessFailures: 3,
    livenessRecheckMs: 500,
  },
};

let browser: Browser;

const badge = (p: Page) => p.getByTestId('state-badge');
const stateOf = (p: Page) => badge(p).getAttribute('data-state');
const activeTestId = (p: Page) =>
  p.evaluate(() => document.activeElement?.getAttribute('data-testid') ?? null);

async function startRunning(p: Page, serve: Serve): Promise<number> {
  await p.goto(serve.info.url);
  await expect.poll(() => stateOf(p), { timeout: 15_000 }).toBe('stopped');
  await p.getByTestId('btn-start').click();
  await expect.poll(() => stateOf(p), { timeout: 20_000 }).toBe('running');
  await expect.poll(() => p.getByTestId('daemon-pid').textContent()).toMatch(/^\d+$/);
  return Number(await p.getByTestId('daemon-pid').textContent());
}

/** Record every (state, reason) the badge shows, from inside the page. */
async function recordBadge(p: Page): Promise<void> {
  await p.evaluate(() => {
    const w = window as unknown as { __seen: string[] };
    w.__seen = [];
    const line = document.querySelector('[data-testid="state-badge"]')!;
    const reason = document.querySelector('[data-testid="state-reason"]')!;
    const note = () =>
      w.__seen.push(`${line.getAttribute('data-state')}|${reason.textContent ?? ''}`);
    const mo = new MutationObserver(note);
    mo.observe(line, { attributes: true, attributeFilter: ['data-state'] });
    mo.observe(reason, { childList: true, characterData: true, subtree: true });
  });
}

const seen = (p: Page) => p.evaluate(() => (window as unknown as { __seen: string[] }).__seen);

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
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

describe.skipIf(!ready)('the window tells the truth (Chromium, real containerd)', () => {
  let serve: Serve;
  let page: Page;

  beforeAll(async () => {
    serve = await startServe({ prefix: '/tmp/cdw-', settings: FAST_LIVENESS });
    page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
  });

  afterAll(async () => {
    await page?.close();
    const code = await serve?.stop();
    serve?.cleanup();
    expect(code).toBe(0);
  });

  it('SIGSTOP: the badge leaves green at the FIRST failed check, then recovers', async () => {
    const pid = await startRunning(page, serve);
    await recordBadge(page);
    process.kill(pid, 'SIGSTOP');
    try {
      await expect.poll(() => stateOf(page), { timeout: 10_000 }).toBe('unhealthy');
      const first = (await seen(page)).find((s) => !s.startsWith('running|'));
      // The first thing shown after green is the first failed check, not a later engine state.
      expect(first).toMatch(/^unhealthy\|health check failed 1 of 3/);
      await page.screenshot({ path: join(SHOTS, 'state-unhealthy-1280-light.png') });
    } finally {
      if (alive(pid)) process.kill(pid, 'SIGCONT');
    }
    // The engine kills the hung daemon (hangPolicy restart) or it answers again after SIGCONT.
    await expect.poll(() => stateOf(page), { timeout: 30_000 }).toBe('running');
    await expect
      .poll(async () => (await seen(page)).at(-1)?.split('|')[0], { timeout: 10_000 })
      .toBe('running');
  });

  it('SIGKILL: the badge goes through a restart and comes back green; the log marks the new run', async () => {
    await expect.poll(() => stateOf(page), { timeout: 20_000 }).toBe('running');
    const pid = Number(await page.getByTestId('daemon-pid').textContent());
    await recordBadge(page);
    process.kill(pid, 'SIGKILL');
    await expect
      .poll(async () => Number(await page.getByTestId('daemon-pid').textContent()), {
        timeout: 20_000,
      })
      .not.toBe(pid);
    await expect.poll(() => stateOf(page), { timeout: 20_000 }).toBe('running');
    const states = (await seen(page)).map((s) => s.split('|')[0]);
    expect(states.some((s) => s !== 'running')).toBe(true);
    const newPid = await page.getByTestId('daemon-pid').textContent();
    await page.getByRole('tab', { name: 'Logs' }).click();
    await expect
      .poll(() => page.getByTestId('log-marker').allTextContents(), { timeout: 10_000 })
      .toContain(`— containerd restarted (pid ${newPid}) —`);
    await page.screenshot({ path: join(SHOTS, 'logs-restart-marker-1280-light.png') });
    await page.getByRole('tab', { name: 'Status' }).click();
  });

  it('keyboard only: navigate the sidebar, restart and stop; a busy button keeps the focus', async () => {
    const p = await browser.newPage({ viewport: { width: 1280, height: 860 } });
    try {
      await p.goto(serve.info.url);
      await expect.poll(() => stateOf(p), { timeout: 15_000 }).toBe('running');
      // Tab from the top reaches the Overview, then the host switcher, then the selected page tab.
      await p.keyboard.press('Tab');
      expect(await activeTestId(p)).toBe('tab-overview');
      await p.keyboard.press('Tab');
      expect(await activeTestId(p)).toBe('host-switcher');
      await p.keyboard.press('Tab');
      expect(await activeTestId(p)).toBe('tab-status');
      // Arrows move between pages, the focus follows the tab.
      for (let i = 0; i < 5; i++) await p.keyboard.press('ArrowDown');
      expect(await activeTestId(p)).toBe('tab-logs');
      expect(await p.getByTestId('page-logs').isVisible()).toBe(true);
      await p.keyboard.press('Home');
      expect(await activeTestId(p)).toBe('tab-status');
      expect(await p.getByTestId('page-status').isVisible()).toBe(true);
      // On to the controls: Start (inapplicable but focusable), Stop, Restart.
      for (let i = 0; i < 10 && (await activeTestId(p)) !== 'btn-restart'; i++)
        await p.keyboard.press('Tab');
      expect(await activeTestId(p)).toBe('btn-restart');
      await p.evaluate(() => {
        const w = window as unknown as { __labels: string[] };
        w.__labels = [];
        const b = document.querySelector('[data-testid="btn-restart"]')!;
        new MutationObserver(() => w.__labels.push(b.textContent ?? '')).observe(b, {
          childList: true,
          characterData: true,
          subtree: true,
        });
      });
      await p.keyboard.press('Enter');
      await expect
        .poll(() => p.evaluate(() => (window as unknown as { __labels: string[] }).__labels))
        .toContainEqual(expect.stringContaining('Restarting…'));
      expect(await activeTestId(p)).toBe('btn-restart');
      await expect
        .poll(() => p.getByTestId('btn-restart').textContent(), { timeout: 20_000 })
        .toBe('Restart');
      await expect.poll(() => stateOf(p), { timeout: 20_000 }).toBe('running');
      // After the action the focus stays put: the next Shift+Tab lands on Stop, not at the top.
      expect(await activeTestId(p)).toBe('btn-restart');
      await p.keyboard.press('Shift+Tab');
      expect(await activeTestId(p)).toBe('btn-stop');
      await p.keyboard.press('Enter');
      await expect.poll(() => stateOf(p), { timeout: 20_000 }).toBe('stopped');
      expect(await activeTestId(p)).toBe('btn-stop');
      // Shift+Tab to Start, Enter: running again.
      await p.keyboard.press('Shift+Tab');
      expect(await activeTestId(p)).toBe('btn-start');
      await p.keyboard.press('Enter');
      await expect.poll(() => stateOf(p), { timeout: 20_000 }).toBe('running');
      expect(await activeTestId(p)).toBe('btn-start');
      // Log lines can be selected with the keyboard: back to the sidebar, End → Settings, Up → Logs.
      for (let i = 0; i < 5 && (await activeTestId(p)) !== 'tab-status'; i++)
        await p.keyboard.press('Shift+Tab');
      expect(await activeTestId(p)).toBe('tab-status');
      await p.keyboard.press('End');
      await p.keyboard.press('ArrowUp');
      expect(await activeTestId(p)).toBe('tab-logs');
      for (let i = 0; i < 15 && (await activeTestId(p)) !== 'log-viewport'; i++)
        await p.keyboard.press('Tab');
      expect(await activeTestId(p)).toBe('log-viewport');
      await p.keyboard.press('End');
      await p.keyboard.press('Space');
      await p.keyboard.press('Shift+ArrowUp');
      expect(await p.getByTestId('log-copy').textContent()).toBe('Copy 2 selected');
      await p.screenshot({ path: join(SHOTS, 'logs-keyboard-selection-1280-light.png') });
    } finally {
      await p.close();
    }
  });

  it('screenshots every page at 1280 and 900 px, light and dark', async () => {
    await expect.poll(() => stateOf(page), { timeout: 20_000 }).toBe('running');
    for (const colorScheme of ['light', 'dark'] as const) {
      for (const width of [1280, 900]) {
        const ctx = await browser.newContext({ viewport: { width, height: 800 }, colorScheme });
        const p = await ctx.newPage();
        await p.goto(serve.info.url);
        await expect.poll(() => stateOf(p), { timeout: 15_000 }).toBe('running');
        // No horizontal overflow of the frame at this width.
        expect(
          await p.evaluate(
            () =>
              (document as never as { documentElement: { scrollWidth: number } }).documentElement
                .scrollWidth,
          ),
        ).toBeLessThanOrEqual(width);
        for (const name of PAGES) {
          await p.getByRole('tab', { name }).click();
          await expect
            .poll(() => p.getByTestId(`page-${name.toLowerCase()}`).isVisible())
            .toBe(true);
          await p.waitForTimeout(300);
          await p.screenshot({
            path: join(SHOTS, `${name.toLowerCase()}-${width}-${colorScheme}.png`),
          });
        }
        if (width === 1280) {
          // A visible focus ring in this theme: keyboard focus on Stop, in the strip.
          await p.getByRole('tab', { name: 'Status' }).click();
          for (let i = 0; i < 10 && (await activeTestId(p)) !== 'btn-stop'; i++)
            await p.keyboard.press('Tab');
          expect(await activeTestId(p)).toBe('btn-stop');
          const ring = await p.getByTestId('btn-stop').evaluate((el) => {
            const cs = getComputedStyle(el);
            return { outlineStyle: cs.outlineStyle, outlineWidth: cs.outlineWidth };
          });
          expect(ring.outlineStyle).toBe('solid');
          expect(parseFloat(ring.outlineWidth)).toBeGreaterThanOrEqual(2);
          await p.screenshot({
            path: join(SHOTS, `focus-ring-${colorScheme}.png`),
            clip: { x: 0, y: 0, width, height: 120 },
          });
        }
        // The strip stays one line: the controls sit inside its 48 px.
        const strip = await p.getByTestId('top-strip').boundingBox();
        const restart = await p.getByTestId('btn-restart').boundingBox();
        expect(strip!.height).toBeLessThanOrEqual(49);
        expect(restart!.y + restart!.height).toBeLessThanOrEqual(strip!.y + strip!.height);
        await ctx.close();
      }
    }
  }, 240_000);
});

describe.skipIf(!ready)('the window when the app dies (Chromium)', () => {
  it('kill the app: the page shows Unknown — last seen HH:MM within seconds, counters frozen, actions off', async () => {
    const serve = await startServe({ prefix: '/tmp/cdk-' });
    const p = await browser.newPage({ viewport: { width: 1280, height: 860 } });
    let pid = 0;
    try {
      pid = await startRunning(p, serve);
      serve.child.kill('SIGKILL');
      const t0 = Date.now();
      await expect.poll(() => stateOf(p), { timeout: 5_000, interval: 100 }).toBe('unknown');
      const elapsed = Date.now() - t0;
      expect(elapsed).toBeLessThan(5_000);
      expect(await p.getByTestId('state-label').textContent()).toBe('Unknown');
      expect(await p.getByTestId('state-reason').textContent()).toMatch(/last seen \d\d:\d\d/);
      const uptime = await p.getByTestId('daemon-uptime').textContent();
      await p.waitForTimeout(2_200);
      expect(await p.getByTestId('daemon-uptime').textContent()).toBe(uptime);
      for (const id of ['btn-start', 'btn-stop', 'btn-restart'])
        expect(await p.getByTestId(id).getAttribute('aria-disabled')).toBe('true');
      await p.screenshot({ path: join(SHOTS, 'state-unknown-1280-light.png') });
    } finally {
      await p.close();
      // containerd outlives a SIGKILLed app (that is the point of adoption); it is ours: end it.
      if (pid && alive(pid)) process.kill(pid, 'SIGKILL');
      serve.cleanup();
    }
  });
});
