// Containers page actions end to end (cdesk serve + real containerd + busybox, in Chromium): the
// sidebar and the page count the same list, Stop escalates to Kill, and errors read in full.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildBusyboxImage,
  ctr,
  ctrTasks,
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

declare const window: { location: { hash: string }; __noReload?: number };

const ready = windowWithContainersReady('container actions');

let serve: Serve;
let browser: Browser;
let page: Page;
let socket: string;
let img: BuiltImage;
let imgDir: string;

const row = (id: string): Locator =>
  page.locator(`[data-testid="containers-table-row"][data-key="${id}"]`);
const chip = (id: string) => row(id).getByTestId('status-chip');
const button = (id: string, name: string) =>
  row(id).getByRole('button', { name: `${name} ${id}`, exact: true });

async function open(hash: string): Promise<void> {
  await page.evaluate((h) => (window.location.hash = h), hash);
  await page.getByTestId(`${hash.slice(2)}-view`).waitFor({ state: 'visible', timeout: 15_000 });
}

async function shots(name: string): Promise<void> {
  for (const width of [1280, 900]) {
    await page.setViewportSize({ width, height: 800 });
    await page.waitForTimeout(200);
    await page.screenshot({ path: join(SHOTS, `${name}-${width}-light.png`) });
  }
  await page.setViewportSize({ width: 1280, height: 800 });
}

beforeAll(async () => {
  if (!ready) return;
  ensureBuilt();
  mkdirSync(SHOTS, { recursive: true });
  ({ serve, socket } = await startServeRunning({ prefix: '/tmp/cia-' }));
  imgDir = mkdtempSync('/tmp/cia-img-');
  img = buildBusyboxImage(imgDir);
  importImage(socket, 'default', img);
  importImage(socket, 'elsewhere', img);
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await page.goto(`${serve.info.url}#/containers`);
  await page.evaluate(() => (window.__noReload = 1));
}, 120_000);

afterAll(async () => {
  if (!ready) return;
  await browser?.close();
  if (socket) removeAllContainers(socket);
  await serve?.stop();
  serve?.cleanup();
  if (imgDir) rmSync(imgDir, { recursive: true, force: true });
});

describe.skipIf(!ready)('container actions (cdesk serve + containerd + Chromium)', () => {
  it('the sidebar counts what the page lists, at the same moment', async () => {
    ctr(socket, 'default', ['run', '-d', img.name, 'cnt-run', '/bin/sleep', '1000']);
    for (const id of ['cnt-a', 'cnt-b', 'cnt-c'])
      ctr(socket, 'default', ['containers', 'create', img.name, id]);
    // Another namespace's container is not on this page, so not in its count either.
    ctr(socket, 'elsewhere', ['containers', 'create', img.name, 'cnt-far']);
    await open('#/containers');
    const running = page.getByTestId('filter-running');
    const count = page.getByTestId('count-containers');
    await expect.poll(() => running.textContent(), { timeout: 15_000 }).toMatch(/Running\s*1/);
    await expect.poll(() => count.textContent(), { timeout: 5_000 }).toContain('1/4');
    ctr(socket, 'default', ['tasks', 'kill', '-s', 'SIGKILL', 'cnt-run']);
    await expect.poll(() => running.textContent(), { timeout: 15_000 }).toMatch(/Running\s*0/);
    // Read together: one source cannot disagree with itself.
    const [filters, sidebar] = await Promise.all([
      page.getByTestId('filter-stopped').textContent(),
      count.textContent(),
    ]);
    expect(filters).toMatch(/Stopped\s*4/);
    expect(sidebar).toContain('0/4');
    await shots('inside-count-agrees');
    ctr(socket, 'default', ['tasks', 'delete', 'cnt-run']);
    for (const id of ['cnt-run', 'cnt-a', 'cnt-b', 'cnt-c'])
      ctr(socket, 'default', ['containers', 'rm', id]);
    expect(await page.evaluate(() => window.__noReload)).toBe(1);
  });

  it('Stop on a task that ignores SIGTERM: Kill stays available, buttons keep their place, the outcome says how it ended', async () => {
    // sleep as PID 1 ignores SIGTERM: only the grace's SIGKILL (or Kill) ends it.
    ctr(socket, 'default', ['run', '-d', img.name, 'tough', '/bin/sleep', '1000']);
    ctr(socket, 'default', ['run', '-d', img.name, 'tough2', '/bin/sleep', '1000']);
    await expect.poll(() => chip('tough').textContent(), { timeout: 15_000 }).toMatch(/Running/);
    await expect.poll(() => chip('tough2').textContent(), { timeout: 15_000 }).toMatch(/Running/);
    const before = await button('tough', 'Delete').boundingBox();
    const stopBefore = await button('tough', 'Stop').boundingBox();
    await button('tough', 'Stop').click();
    await expect.poll(() => chip('tough').textContent()).toMatch(/Stopping…/);
    expect(await button('tough', 'Stop').getAttribute('aria-busy')).toBe('true');
    expect(await button('tough', 'Kill').isEnabled()).toBe(true);
    // No layout shift: the busy Stop is as wide as before, Delete has not moved.
    expect(await button('tough', 'Stop').boundingBox()).toEqual(stopBefore);
    expect(await button('tough', 'Delete').boundingBox()).toEqual(before);
    await shots('inside-stopping');

    // The other one: Stop, then Kill (asked first), and it ends at once.
    await button('tough2', 'Stop').click();
    await expect.poll(() => chip('tough2').textContent()).toMatch(/Stopping…/);
    await button('tough2', 'Kill').click();
    const dialog = page.getByRole('dialog');
    await expect.poll(() => dialog.textContent()).toContain('Kill container tough2?');
    await page.screenshot({ path: join(SHOTS, 'inside-kill-confirm-1280-light.png') });
    await dialog.getByRole('button', { name: 'Kill container' }).click();
    const note2 = row('tough2').locator('xpath=following-sibling::*[1]');
    await expect
      .poll(() => note2.textContent(), { timeout: 8_000 })
      .toMatch(/killed by you while stopping \(exit 137\)/);
    expect(await chip('tough2').textContent()).toMatch(/Exited \(137\)/);

    // The first waits out the grace, then says so.
    const note = row('tough').locator('xpath=following-sibling::*[1]');
    await expect
      .poll(() => note.textContent(), { timeout: 30_000 })
      .toMatch(/killed after the 10 s grace: it ignored SIGTERM \(exit 137\)/);
    expect(await chip('tough').textContent()).toMatch(/Exited \(137\)/);
    expect(ctrTasks(socket, 'default').get('tough')?.status).toBe('stopped');
    await shots('inside-stop-outcome');
  }, 60_000);
});
