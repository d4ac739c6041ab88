// The inside views end to end: `cdesk serve` + real containerd + a local busybox image, driven in real Chromium.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildBusyboxImage,
  ctr,
  ctrList,
  ctrTasks,
  importImage,
  removeAllContainers,
  type BuiltImage,
} from '../helpers/oci-image';
import {
  cdesk,
  ensureBuilt,
  launchChromium,
  startServeRunning,
  waitFor,
  type Serve,
  SHOTS,
  windowWithContainersReady,
} from '../helpers/serve';

// Page globals for the functions page.evaluate runs inside Chromium (the Node tsconfig has no DOM lib).
declare const window: { location: { hash: string }; __noReload?: number };

const ready = windowWithContainersReady('inside views');

let serve: Serve;
let browser: Browser;
let page: Page;
let socket: string;
let img: BuiltImage;
let imgDir: string;

const row = (view: 'containers' | 'images', key: string): Locator =>
  page.locator(`[data-testid="${view}-table-row"][data-key="${key}"]`);
const chip = (id: string) => row('containers', id).getByTestId('status-chip');

async function open(hash: string): Promise<void> {
  await page.evaluate((h) => (window.location.hash = h), hash);
  await page.getByTestId(`${hash.slice(2)}-view`).waitFor({ state: 'visible', timeout: 15_000 });
}

beforeAll(async () => {
  if (!ready) return;
  ensureBuilt();
  mkdirSync(SHOTS, { recursive: true });
  ({ serve, socket } = await startServeRunning({ prefix: '/tmp/civ-' }));
  imgDir = mkdtempSync('/tmp/civ-img-');
  img = buildBusyboxImage(imgDir);
  importImage(socket, 'default', img);
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await page.goto(`${serve.info.url}#/containers`);
  // Any reload would drop this marker: the views must update live.
  await page.evaluate(() => (window.__noReload = 1));
}, 120_000);

afterAll(async () => {
  if (!ready) return;
  await browser?.close();
  // Tasks outlive containerd: remove them while it still runs.
  if (socket) removeAllContainers(socket);
  await serve?.stop();
  serve?.cleanup();
  if (imgDir) rmSync(imgDir, { recursive: true, force: true });
});

describe.skipIf(!ready)('inside views (cdesk serve + containerd + Chromium)', () => {
  it('a container started with ctr in a terminal appears, running, without a reload', async () => {
    await open('#/containers');
    ctr(socket, 'default', ['run', '-d', img.name, 'demo', '/bin/sleep', '1000']);
    await expect.poll(() => chip('demo').textContent(), { timeout: 15_000 }).toMatch(/Running/);
    const pid = String(ctrTasks(socket, 'default').get('demo')!.pid);
    await expect.poll(() => row('containers', 'demo').locator('td').nth(4).textContent()).toBe(pid);
    expect(await page.evaluate(() => window.__noReload)).toBe(1);
  });

  it('Stop on a sleep container: stopped with its exit code, as ctr t ls says', async () => {
    const stop = row('containers', 'demo').getByRole('button', { name: 'Stop demo', exact: true });
    await stop.click();
    // sleep is PID 1 and ignores SIGTERM: the stop ends in SIGKILL after the grace period.
    await expect
      .poll(() => chip('demo').textContent(), { timeout: 40_000 })
      .toMatch(/Exited \((137|143)\)/);
    expect(ctrTasks(socket, 'default').get('demo')?.status).toBe('stopped');
    await expect
      .poll(() =>
        row('containers', 'demo')
          .getByRole('button', { name: 'Delete demo', exact: true })
          .isEnabled(),
      )
      .toBe(true);
    expect(
      await row('containers', 'demo')
        .getByRole('button', { name: 'Stop demo', exact: true })
        .isDisabled(),
    ).toBe(true);
  });

  it('Delete asks, names the container, and removes it in containerd and on the page', async () => {
    await row('containers', 'demo')
      .getByRole('button', { name: 'Delete demo', exact: true })
      .click();
    const dialog = page.getByRole('dialog');
    await expect.poll(() => dialog.textContent()).toContain('demo');
    await dialog.getByRole('button', { name: 'Delete container' }).click();
    await expect.poll(() => row('containers', 'demo').count(), { timeout: 15_000 }).toBe(0);
    expect(ctrList(socket, 'default', 'containers')).not.toContain('demo');
  });

  it('a container killed and removed elsewhere changes, then disappears in place', async () => {
    ctr(socket, 'default', ['run', '-d', img.name, 'other', '/bin/sleep', '1000']);
    await expect.poll(() => chip('other').textContent(), { timeout: 15_000 }).toMatch(/Running/);
    ctr(socket, 'default', ['tasks', 'kill', '-s', 'SIGKILL', 'other']);
    await expect
      .poll(() => chip('other').textContent(), { timeout: 15_000 })
      .toMatch(/Exited \(137\)/);
    ctr(socket, 'default', ['tasks', 'delete', 'other']);
    ctr(socket, 'default', ['containers', 'rm', 'other']);
    await expect.poll(() => row('containers', 'other').count(), { timeout: 15_000 }).toBe(0);
    expect(await page.evaluate(() => window.__noReload)).toBe(1);
  });

  it('image delete is refused, with the reason, while a container uses the image', async () => {
    ctr(socket, 'default', ['containers', 'create', img.name, 'holder']);
    await open('#/images');
    const del = row('images', img.name).getByRole('button', {
      name: `Delete ${img.name}`,
      exact: true,
    });
    await expect
      .poll(() => row('images', img.name).textContent(), { timeout: 15_000 })
      .toContain('holder');
    // aria-disabled, not disabled: it still takes the click (and focus) to say why.
    expect(await del.getAttribute('aria-disabled')).toBe('true');
    await del.click({ force: true });
    await expect
      .poll(() => page.getByTestId('images-view').getByTestId('row-error').textContent())
      .toMatch(/used by 1 container: holder/);
    expect(await page.getByRole('dialog').count()).toBe(0);
    // The app refuses too (the page's check could race a container created meanwhile).
    const rmi = await cdesk(['rmi', img.name, '--control', serve.control]);
    expect(rmi.code).not.toBe(0);
    expect(rmi.stderr + rmi.stdout).toMatch(/holder/);
    expect(ctrList(socket, 'default', 'images')).toContain(img.name);
  });

  it('keyboard only: "/" searches, Tab reaches the rows, arrows move, Space selects', async () => {
    ctr(socket, 'default', ['run', '-d', img.name, 'kb1', '/bin/sleep', '1000']);
    ctr(socket, 'default', ['run', '-d', img.name, 'kb2', '/bin/sleep', '1000']);
    await open('#/containers');
    await expect.poll(() => chip('kb2').textContent(), { timeout: 15_000 }).toMatch(/Running/);
    await page.locator('body').click({ position: { x: 5, y: 790 } });
    await page.keyboard.press('/');
    await page.keyboard.type('kb');
    await expect.poll(() => page.locator('[data-testid="containers-table-row"]').count()).toBe(2);
    const focusedKey = () =>
      page.evaluate(() => {
        const el = (
          globalThis as unknown as {
            document: { activeElement: { getAttribute(n: string): string | null } | null };
          }
        ).document.activeElement;
        return el?.getAttribute('data-key') ?? null;
      });
    for (let i = 0; i < 8 && (await focusedKey()) === null; i++) await page.keyboard.press('Tab');
    expect(await focusedKey()).toBe('kb1');
    await page.keyboard.press('ArrowDown');
    expect(await focusedKey()).toBe('kb2');
    await page.keyboard.press('Space');
    const bar = page.getByRole('toolbar', { name: 'Selected containers' });
    await expect.poll(() => bar.textContent()).toContain('1 selected');
    await bar.getByRole('button', { name: 'Clear' }).click();
    await page.getByRole('searchbox', { name: 'Search containers' }).fill('');
  });

  it('screenshots of each view at 1280 and 900 px, light and dark', async () => {
    ctr(socket, 'default', ['run', '-d', img.name, 'web', '/bin/sleep', '1000']);
    ctr(socket, 'default', ['run', '-d', img.name, 'worker', '/bin/sleep', '1000']);
    ctr(socket, 'default', ['run', '-d', img.name, 'job', '/bin/true']);
    await waitFor(
      () => ctrTasks(socket, 'default').get('job')?.status === 'stopped',
      10_000,
      'job exits',
    );
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      for (const width of [1280, 900]) {
        await page.setViewportSize({ width, height: 800 });
        for (const view of ['containers', 'images', 'plugins', 'activity']) {
          await open(`#/${view}`);
          if (view === 'containers')
            await expect
              .poll(() => chip('job').textContent(), { timeout: 15_000 })
              .toMatch(/Exited/);
          // Let the brief highlight of new rows fade before the picture.
          await page.waitForTimeout(view === 'containers' ? 2600 : 300);
          await page.screenshot({ path: join(SHOTS, `inside-${view}-${width}-${scheme}.png`) });
        }
      }
    }
    expect(await page.evaluate(() => window.__noReload)).toBe(1);
  }, 120_000);

  it('containerd SIGKILLed: the page recovers with the right rows and keeps following events', async () => {
    await open('#/containers');
    const before = ctrTasks(socket, 'default');
    const status = async () =>
      JSON.parse((await cdesk(['status', '--json', '--control', serve.control])).stdout) as {
        state: string;
        pid: number;
      };
    const { pid } = await status();
    process.kill(pid, 'SIGKILL');
    await waitFor(
      async () => {
        const s = await status();
        return s.state === 'running' && s.pid !== pid;
      },
      30_000,
      'containerd respawned',
    );
    // Tasks outlive containerd (their shims keep them): the rows say what ctr says.
    for (const id of ['web', 'worker']) {
      expect(before.get(id)?.status).toBe('running');
      await expect.poll(() => chip(id).textContent(), { timeout: 15_000 }).toMatch(/Running/);
    }
    ctr(socket, 'default', ['run', '-d', img.name, 'after', '/bin/sleep', '1000']);
    await expect.poll(() => chip('after').textContent(), { timeout: 15_000 }).toMatch(/Running/);
    expect(await page.getByTestId('reconnecting').count()).toBe(0);
    expect(await page.evaluate(() => window.__noReload)).toBe(1);
  });

  it('containerd stopped: the page says so with Start; Start brings the rows back', async () => {
    await page.emulateMedia({ colorScheme: 'light' });
    await page.setViewportSize({ width: 1280, height: 800 });
    await open('#/containers');
    // The window's Stop asks first while containers run (the tray's words); Escape keeps it running.
    await page.getByTestId('btn-stop').click();
    const dialog = page.getByRole('dialog');
    await expect.poll(() => dialog.textContent(), { timeout: 5000 }).toContain('Stop containerd?');
    expect(await dialog.textContent()).toMatch(/\d+ containers keep running but can't be managed/);
    await page.screenshot({ path: join(SHOTS, 'window-stop-confirm-1280-light.png') });
    await page.keyboard.press('Escape');
    expect(await dialog.count()).toBe(0);
    const still = await cdesk(['status', '--json', '--control', serve.control]);
    expect((JSON.parse(still.stdout) as { state: string }).state).toBe('running');
    const stopped = await cdesk(['daemon', 'stop', '--control', serve.control]);
    expect(stopped.code).toBe(0);
    const notice = page.getByTestId('containers-view').getByTestId('daemon-stopped');
    await expect
      .poll(() => notice.textContent(), { timeout: 20_000 })
      .toContain('containerd is stopped');
    await page.screenshot({ path: join(SHOTS, 'inside-containers-stopped-1280-light.png') });
    await notice.getByRole('button', { name: 'Start' }).click();
    // The tasks kept running without containerd; once it is back, so are their rows.
    await expect.poll(() => chip('web').textContent(), { timeout: 30_000 }).toMatch(/Running/);
    expect(await page.evaluate(() => window.__noReload)).toBe(1);
  });
});
