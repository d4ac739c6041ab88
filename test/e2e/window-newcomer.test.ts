// What a newcomer tripped on, end to end (cdesk serve + real containerd + busybox, in Chromium):
// errors read in full and clear when containerd is back, a lost app freezes times and counters,
// Activity shows the supervisor's own state changes, the namespace is kept, the keyboard reaches
// every row control, and the smaller layout slips stay fixed.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alive } from '../helpers/engine';
import {
  buildBusyboxImage,
  ctr,
  ctrTasks,
  importImage,
  removeAllContainers,
  type BuiltImage,
} from '../helpers/oci-image';
import {
  cdesk,
  ensureBuilt,
  launchChromium,
  startServe,
  type Serve,
  SHOTS,
  windowWithContainersReady,
} from '../helpers/serve';

declare const window: { location: { hash: string }; __noReload?: number };
declare const document: { querySelectorAll(s: string): ArrayLike<DomEl> };
interface DomEl {
  scrollWidth: number;
  clientWidth: number;
  textContent: string | null;
}
declare function getComputedStyle(el: DomEl): { textOverflow: string; whiteSpace: string };

const ready = windowWithContainersReady('newcomer');

/**
 * A check each second that fails at the first slow answer; a hang is only reported, so a frozen
 * containerd stays ours to thaw; containerd outlives the app, so the app can go and come back.
 */
const SETTINGS = {
  health: { livenessIntervalMs: 1000, livenessTimeoutMs: 500, livenessFailures: 1 },
  hangPolicy: 'report',
  onQuit: 'leave-running',
};

let serve: Serve;
let browser: Browser;
let page: Page;
let socket: string;
let img: BuiltImage;
let imgDir: string;

interface StatusJson {
  state: string;
  pid: number;
  paths: { socket: string };
}
async function status(): Promise<StatusJson> {
  return JSON.parse(
    (await cdesk(['status', '--json', '--control', serve.control])).stdout,
  ) as StatusJson;
}

const row = (view: 'containers' | 'images', key: string): Locator =>
  page.locator(`[data-testid="${view}-table-row"][data-key="${key}"]`);
const chip = (id: string) => row('containers', id).getByTestId('status-chip');
async function waitRunning(): Promise<void> {
  await expect.poll(async () => (await status()).state, { timeout: 20_000 }).toBe('running');
}
const stateOf = () => page.getByTestId('state-badge').getAttribute('data-state');

async function open(hash: string): Promise<void> {
  await page.evaluate((h) => (window.location.hash = h), hash);
  const id = hash.slice(2).split(/[/?]/)[0]!;
  const landmark: Record<string, string> = { status: 'tile-uptime', settings: 'settings-bar' };
  await page
    .getByTestId(landmark[id] ?? `${id}-view`)
    .waitFor({ state: 'visible', timeout: 15_000 });
}

/** 1280 and 900 px, light and dark: every state a person may see it in. */
async function shots(name: string): Promise<void> {
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    for (const width of [1280, 900]) {
      await page.setViewportSize({ width, height: 800 });
      await page.waitForTimeout(200);
      await page.screenshot({ path: join(SHOTS, `${name}-${width}-${scheme}.png`) });
    }
  }
  await page.emulateMedia({ colorScheme: 'light' });
  await page.setViewportSize({ width: 1280, height: 800 });
}

/** Inline errors that lose text: clipped (scrolling wider than shown) or ellipsised. */
function clippedErrors(): Promise<string[]> {
  return page.evaluate(() => {
    const out: string[] = [];
    const els = document.querySelectorAll('[data-testid="row-error"]');
    for (let i = 0; i < els.length; i++) {
      const el = els[i]!;
      const cs = getComputedStyle(el);
      if (el.scrollWidth > el.clientWidth + 1 || cs.textOverflow === 'ellipsis')
        out.push(el.textContent ?? '');
    }
    return out;
  });
}

beforeAll(async () => {
  if (!ready) return;
  ensureBuilt();
  mkdirSync(SHOTS, { recursive: true });
  serve = await startServe({ prefix: '/tmp/cnw-', settings: SETTINGS });
  const started = await cdesk(['daemon', 'start', '--wait', '--control', serve.control]);
  if (started.code !== 0) throw new Error(`cdesk start failed: ${started.stderr}`);
  socket = (await status()).paths.socket;
  imgDir = mkdtempSync('/tmp/cnw-img-');
  img = buildBusyboxImage(imgDir);
  importImage(socket, 'default', img);
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await page.goto(`${serve.info.url}#/containers`);
  await page.evaluate(() => (window.__noReload = 1));
}, 120_000);

afterAll(async () => {
  if (!ready) return;
  await browser?.close();
  const pid = (await status().catch(() => null))?.pid;
  if (pid && alive(pid)) process.kill(pid, 'SIGCONT');
  if (socket) removeAllContainers(socket);
  await cdesk(['daemon', 'stop', '--control', serve.control]);
  await serve?.stop();
  // leave-running: a containerd still up after the stop is ours to end.
  if (pid && alive(pid)) process.kill(pid, 'SIGKILL');
  serve?.cleanup();
  if (imgDir) rmSync(imgDir, { recursive: true, force: true });
});

describe.skipIf(!ready)('what a newcomer tripped on (cdesk serve + containerd + Chromium)', () => {
  it('an inline error shows its whole message and hint, links the page it names, and clears once containerd answers again', async () => {
    ctr(socket, 'default', ['run', '-d', img.name, 'nw-err', '/bin/sleep', '1000']);
    await open('#/containers');
    await expect.poll(() => chip('nw-err').textContent(), { timeout: 15_000 }).toMatch(/Running/);

    // In use: Delete on the image is refused with a hint naming the Containers page.
    await open('#/images');
    const imgRow = row('images', img.name);
    await imgRow.getByRole('button', { name: /^Delete/ }).click({ force: true });
    const imgError = page.getByTestId('images-view').getByTestId('row-error');
    await expect.poll(() => imgError.textContent(), { timeout: 5_000 }).toContain('nw-err');
    expect(await imgError.textContent()).toContain('then delete the image');
    const link = imgError.getByRole('link', { name: 'Containers page' });
    expect(await link.getAttribute('href')).toBe('#/containers');
    await page.setViewportSize({ width: 900, height: 800 });
    expect(await clippedErrors()).toEqual([]);
    await page.setViewportSize({ width: 1280, height: 800 });
    await shots('newcomer-image-in-use');
    await link.click();
    await page.getByTestId('containers-view').waitFor({ state: 'visible' });

    // containerd frozen under a Stop: the error says it did not answer, in full, with its hint.
    const s = await status();
    process.kill(s.pid, 'SIGSTOP');
    try {
      await row('containers', 'nw-err').getByRole('button', { name: /^Stop/ }).click();
      const error = page.getByTestId('containers-view').getByTestId('row-error');
      await expect
        .poll(() => error.textContent().catch(() => ''), { timeout: 15_000 })
        .toMatch(/did not answer within/);
      expect(await error.textContent()).toMatch(/Check cdesk status and try again\./);
      await page.setViewportSize({ width: 900, height: 800 });
      expect(await clippedErrors()).toEqual([]);
      await page.setViewportSize({ width: 1280, height: 800 });
      await shots('newcomer-row-error');
    } finally {
      process.kill(s.pid, 'SIGCONT');
    }
    // containerd answers again: the error that only said it was away goes by itself.
    await expect.poll(() => stateOf(), { timeout: 20_000 }).toBe('running');
    await expect
      .poll(() => page.getByTestId('containers-view').getByTestId('row-error').count(), {
        timeout: 20_000,
      })
      .toBe(0);
    expect(await page.evaluate(() => window.__noReload)).toBe(1);
  }, 90_000);

  it('while the app is unreachable, times say "as of" and counters stop, then tick again once it is back', async () => {
    const port = serve.info.port;
    await open('#/status');
    await expect.poll(() => stateOf(), { timeout: 15_000 }).toBe('running');
    const uptime = page.getByTestId('daemon-uptime');
    const lastCheck = page.getByTestId('last-health');
    const age = row('containers', 'nw-err').locator('td.col-age');
    await expect.poll(() => lastCheck.textContent()).toMatch(/last check \d+s ago/);
    expect(await serve.stop()).toBe(0);
    await expect.poll(() => stateOf(), { timeout: 5_000 }).toBe('unknown');

    const asOf = page.getByTestId('tile-uptime').getByTestId('as-of');
    expect(await asOf.textContent()).toMatch(/^as of \d\d:\d\d:\d\d$/);
    expect(await lastCheck.textContent()).toMatch(/last check at \d\d:\d\d:\d\d/);
    const frozen = await uptime.textContent();
    await open('#/containers');
    expect(
      await page.getByTestId('containers-view').getByTestId('reconnecting').textContent(),
    ).toMatch(/as of \d\d:\d\d:\d\d/);
    const rowAge = await age.textContent();
    expect(rowAge).toMatch(/^up \d/);
    await page.waitForTimeout(2500);
    // Nothing counted on while nobody could tell us the truth.
    expect(await age.textContent()).toBe(rowAge);
    await shots('newcomer-unknown-containers');
    await open('#/status');
    expect(await uptime.textContent()).toBe(frozen);
    await shots('newcomer-unknown-status');

    // The app is back (same token file): live again, counting again, no "as of".
    serve = await startServe({ dir: serve.dir, port });
    expect((await cdesk(['daemon', 'start', '--wait', '--control', serve.control])).code).toBe(0);
    await expect.poll(() => stateOf(), { timeout: 20_000 }).toBe('running');
    expect(await page.getByTestId('as-of').count()).toBe(0);
    await expect.poll(() => uptime.textContent(), { timeout: 5_000 }).not.toBe(frozen);
    await open('#/containers');
    await expect.poll(() => age.textContent(), { timeout: 5_000 }).not.toBe(rowAge);
    expect(await page.evaluate(() => window.__noReload)).toBe(1);
  }, 90_000);

  it("Activity shows the supervisor's own state changes (crash, your restart, a hang) among containerd's events", async () => {
    ctr(socket, 'default', ['run', '-d', img.name, 'act-c', '/bin/sleep', '1000']);
    await open('#/activity');
    const table = page.getByTestId('activity-table');
    const lines = () => table.locator('tbody tr').allTextContents();
    const supervisorLines = async () =>
      (await lines()).filter((t) => t.includes('supervisor')).join('\n');

    // A crash the supervisor restarts.
    let pid = (await status()).pid;
    process.kill(pid, 'SIGKILL');
    await expect
      .poll(supervisorLines, { timeout: 20_000 })
      .toMatch(/containerd crashed; restarting it/);
    await expect.poll(() => stateOf(), { timeout: 20_000 }).toBe('running');
    await expect.poll(supervisorLines, { timeout: 10_000 }).toMatch(/containerd started/);

    // One asked for by the user.
    expect((await cdesk(['daemon', 'restart', '--control', serve.control])).code).toBe(0);
    await expect.poll(supervisorLines, { timeout: 20_000 }).toMatch(/containerd restarting/);

    // A hang the supervisor restarts: it says so, with the checks that failed.
    expect(
      (await cdesk(['settings', 'set', 'hangPolicy', 'restart', '--control', serve.control])).code,
    ).toBe(0);
    await waitRunning();
    pid = (await status()).pid;
    process.kill(pid, 'SIGSTOP');
    await expect
      .poll(supervisorLines, { timeout: 20_000 })
      .toMatch(/containerd hung; restarting it/);
    expect(await supervisorLines()).toMatch(/containerd not answering health checks/);
    await expect.poll(() => stateOf(), { timeout: 20_000 }).toBe('running');
    expect((await status()).pid).not.toBe(pid);

    // Alongside containerd's own events, newest first.
    const all = await lines();
    expect(all.some((t) => t.includes('/tasks/start'))).toBe(true);
    expect(all[0]).toMatch(/supervisor/);
    await page.getByRole('button', { name: 'Supervisor', exact: true }).click();
    expect((await lines()).every((t) => t.includes('supervisor'))).toBe(true);
    // What happened is read whole, even at 900 px.
    for (const width of [1280, 900]) {
      await page.setViewportSize({ width, height: 800 });
      await page.waitForTimeout(150);
      for (const tr of await table.locator('tbody tr.vt-row').all()) {
        const cell = (await tr.locator('td').nth(3).boundingBox())!;
        const what = (await tr.locator('td').nth(3).locator('strong').boundingBox())!;
        expect(what.x + what.width, `at ${width}: ${await tr.textContent()}`).toBeLessThanOrEqual(
          cell.x + cell.width,
        );
      }
    }
    await page.setViewportSize({ width: 1280, height: 800 });
    await shots('newcomer-activity-supervisor');
    await page.getByRole('button', { name: 'All', exact: true }).click();
    await shots('newcomer-activity-all');
    expect(await page.evaluate(() => window.__noReload)).toBe(1);
  }, 120_000);

  it('the namespace is kept (address and memory), one list on every page, disk over all of them, and "All namespaces" on Containers', async () => {
    importImage(socket, 'nw', img);
    ctr(socket, 'nw', ['run', '-d', img.name, 'nw-web', '/bin/sleep', '1000']);
    await open('#/containers');
    const picker = page.getByTestId('containers-view').getByTestId('namespace-picker');
    await expect
      .poll(() => picker.locator('option').allTextContents(), { timeout: 15_000 })
      .toContain('nw (1)');
    await picker.selectOption('nw');
    await expect.poll(() => chip('nw-web').textContent(), { timeout: 15_000 }).toMatch(/Running/);
    expect(new URL(page.url()).searchParams.get('ns')).toBe('nw');

    // A reload lands on the same namespace; so does the plain address, from memory.
    await page.reload();
    await expect.poll(() => chip('nw-web').textContent(), { timeout: 15_000 }).toMatch(/Running/);
    expect(await picker.inputValue()).toBe('nw');
    await page.goto(`${serve.info.url}#/containers`);
    await expect.poll(() => chip('nw-web').textContent(), { timeout: 15_000 }).toMatch(/Running/);
    expect(await picker.inputValue()).toBe('nw');

    // One list: the Images picker offers exactly what the Containers one does (counts aside).
    const names = async (where: string) =>
      (await page.getByTestId(where).getByTestId('namespace-picker').locator('option').all()).map(
        (o) => o.getAttribute('value'),
      );
    const containersNames = await Promise.all(await names('containers-view'));
    await open('#/images');
    const imagesNames = await Promise.all(await names('images-view'));
    expect(imagesNames).toEqual(containersNames);
    expect(containersNames).toEqual(expect.arrayContaining(['default', 'nw', '*']));
    await open('#/activity');
    const activityNames = await page
      .getByTestId('activity-namespace')
      .locator('option')
      .evaluateAll((os) => os.map((o) => (o as unknown as { value: string }).value));
    expect(activityNames).toEqual(expect.arrayContaining(['', 'default', 'nw']));

    // Status: the terminal lines use the chosen namespace; disk counts every namespace.
    await open('#/status');
    expect(await page.getByTestId('cmd-ctr').textContent()).toContain(' -n nw ');
    expect(await page.getByTestId('cmd-nerdctl').textContent()).toContain(' -n nw ');
    const disk = page.getByTestId('tile-disk');
    expect(await disk.locator('h3').textContent()).toBe('Disk · all namespaces');
    await expect.poll(() => disk.textContent(), { timeout: 10_000 }).toMatch(/in \d+ namespaces/);
    expect(await page.getByTestId('disk-used').textContent()).toMatch(/[1-9][\d.]* (KiB|MiB)/);
    await shots('newcomer-status-namespace');

    // All namespaces: both rows, each acted on in its own namespace.
    await open('#/containers');
    await picker.selectOption('*');
    const nwRow = row('containers', 'nw/nw-web');
    await expect.poll(() => nwRow.textContent(), { timeout: 15_000 }).toMatch(/nw\/nw-web/);
    expect(await row('containers', 'default/nw-err').count()).toBe(1);
    expect(new URL(page.url()).searchParams.get('ns')).toBe('*');
    await shots('newcomer-containers-all-namespaces');
    await nwRow.getByRole('button', { name: /^Kill/ }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Kill container' }).click();
    await expect
      .poll(() => nwRow.getByTestId('status-chip').textContent(), { timeout: 15_000 })
      .toMatch(/Exited/);
    expect(ctrTasks(socket, 'nw').get('nw-web')?.status).toBe('stopped');
    expect(ctrTasks(socket, 'default').get('nw-err')?.status).toBe('running');
    await picker.selectOption('default');
  }, 120_000);

  it('keyboard: row checkboxes take Tab, arrows move between rows from a control, row buttons name their container', async () => {
    for (const id of ['kb-a', 'kb-b'])
      ctr(socket, 'default', ['containers', 'create', img.name, id]);
    await open('#/containers');
    await expect.poll(() => row('containers', 'kb-b').count(), { timeout: 15_000 }).toBe(1);
    const focused = () =>
      page.evaluate(() => {
        const el = (
          globalThis as unknown as {
            document: { activeElement: { getAttribute(n: string): string | null } | null };
          }
        ).document.activeElement;
        return el?.getAttribute('aria-label') ?? null;
      });

    // The first row, then Tab: its checkbox, not past it.
    await row('containers', 'nw-err').focus();
    await page.keyboard.press('Tab');
    expect(await focused()).toBe('Select nw-err');
    await page.keyboard.press('Space');
    // Down from the checkbox: the next row's checkbox.
    await page.keyboard.press('ArrowDown');
    const second = await focused();
    expect(second).toMatch(/^Select kb-[ab]$/);
    await page.keyboard.press('Space');
    expect(await page.getByRole('toolbar', { name: 'Selected containers' }).textContent()).toMatch(
      /2 selected/,
    );
    await page.keyboard.press('ArrowUp');
    expect(await focused()).toBe('Select nw-err');

    // Then the name, which opens the container's page, then its buttons: each says which
    // container it acts on; arrows keep to the same button.
    await page.keyboard.press('Tab');
    expect(await focused()).toBe('Open nw-err');
    await page.keyboard.press('Tab');
    expect(await focused()).toBe('Stop nw-err');
    expect(await page.getByRole('button', { name: 'Kill nw-err', exact: true }).count()).toBe(1);
    await page.getByRole('button', { name: 'Delete kb-a', exact: true }).focus();
    await page.keyboard.press('ArrowDown');
    expect(await focused()).toBe('Delete kb-b');
    await shots('newcomer-keyboard');
    await page
      .getByRole('toolbar', { name: 'Selected containers' })
      .getByRole('button', { name: 'Clear' })
      .click();
  }, 60_000);

  it('the smaller slips: dialog buttons, column widths, the rail badge, the save bar, wording, fonts, plugin noise, one version, command-line settings', async () => {
    type Box = { x: number; y: number; width: number; height: number };
    const right = (b: Box) => b.x + b.width;
    const overlap = (a: Box, b: Box) =>
      a.x < right(b) && b.x < right(a) && a.y < b.y + b.height && b.y < a.y + a.height;
    /** Does `text` in an element like `sample` (its classes, inside the first `cell`) fit the cell? */
    const fits = (cell: string, html: string) =>
      page.evaluate(
        ([cellSel, inner]) => {
          const g = globalThis as unknown as {
            document: {
              querySelector(s: string): {
                clientWidth: number;
                insertAdjacentHTML(w: string, h: string): void;
                lastElementChild: { getBoundingClientRect(): { width: number }; remove(): void };
              } | null;
            };
            getComputedStyle(e: unknown): { paddingLeft: string; paddingRight: string };
          };
          const td = g.document.querySelector(cellSel)!;
          const cs = g.getComputedStyle(td);
          const room = td.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight);
          td.insertAdjacentHTML(
            'beforeend',
            `<span style="position:absolute;white-space:nowrap">${inner}</span>`,
          );
          const probe = td.lastElementChild;
          const need = probe.getBoundingClientRect().width;
          probe.remove();
          return { need, room };
        },
        [cell, html] as const,
      );

    ctr(socket, 'default', ['containers', 'create', img.name, 'sm-a']);
    ctr(socket, 'default', ['run', '-d', img.name, 'sm-run', '/bin/sleep', '1000']);
    await open('#/containers');
    await expect.poll(() => row('containers', 'sm-a').count(), { timeout: 15_000 }).toBe(1);
    for (const width of [1280, 900]) {
      await page.setViewportSize({ width, height: 800 });
      await page.waitForTimeout(150);
      // The longest uptime text under an hour, and the widest chip, fit their columns.
      const age = await fits(
        '[data-testid="containers-table-row"] td.col-age',
        'exited 59m 59s ago',
      );
      expect(age.need, `Uptime at ${width}`).toBeLessThanOrEqual(age.room);
      const chipFit = await fits(
        '[data-testid="containers-table-row"] td.col-status',
        '<span class="iv-chip iv-chip-paused"><span>↓</span> Stopping…</span>',
      );
      expect(chipFit.need, `Stopping… at ${width}`).toBeLessThanOrEqual(chipFit.room);
    }
    // The icon rail: a count sits beside its icon, never on it.
    await page.setViewportSize({ width: 900, height: 800 });
    await page.waitForTimeout(150);
    const item = page.locator('.nav-item', { has: page.getByTestId('count-containers') });
    const badge = (await page.getByTestId('count-containers').boundingBox())!;
    const icon = (await item.locator('svg').first().boundingBox())!;
    expect(overlap(badge, icon), JSON.stringify({ badge, icon })).toBe(false);
    await page.setViewportSize({ width: 1280, height: 800 });

    // A dialog: right-aligned, the safe button first, a gap between them.
    await row('containers', 'sm-a')
      .getByRole('button', { name: 'Delete sm-a', exact: true })
      .click();
    const dialog = page.getByRole('dialog');
    const buttons = dialog.getByRole('button');
    expect(await buttons.allTextContents()).toEqual(['Cancel', 'Delete container']);
    const [cancel, go, box] = await Promise.all([
      buttons.nth(0).boundingBox(),
      buttons.nth(1).boundingBox(),
      dialog.boundingBox(),
    ]);
    expect(go!.x - right(cancel!)).toBeGreaterThanOrEqual(8);
    expect(right(box!) - right(go!)).toBeLessThanOrEqual(24);
    await shots('newcomer-dialog');
    await dialog.getByRole('button', { name: 'Cancel' }).click();

    // Images: what the snapshotters hold, in words.
    await open('#/images');
    expect(await page.getByTestId('snapshotter-usage').textContent()).toMatch(
      /^unpacked for running: [\d.]+ (B|KiB|MiB)$/,
    );
    await shots('newcomer-images');

    // Activity: Detail in the same font as the other columns, for either kind of line.
    await open('#/activity');
    const fonts = await page
      .getByTestId('activity-table')
      .locator('tbody tr.vt-row')
      .evaluateAll((rows) =>
        rows.map((r) => {
          const g = globalThis as unknown as {
            getComputedStyle(e: unknown): { fontFamily: string };
          };
          const cells = (r as unknown as { children: unknown[] }).children;
          return [g.getComputedStyle(cells[0]).fontFamily, g.getComputedStyle(cells[4]).fontFamily];
        }),
      );
    expect(fonts.length).toBeGreaterThan(2);
    for (const [time, detail] of fonts) expect(detail).toBe(time);

    // Plugins: devmapper unconfigured is expected noise, as `cdesk plugins` says.
    await open('#/plugins');
    const dm = page.locator('[data-testid="plugins-table-row"][data-key$="/devmapper"]');
    // Stock containerd lists devmapper, unconfigured.
    await expect.poll(() => dm.count(), { timeout: 10_000 }).toBe(1);
    expect(await dm.getByTestId('plugin-status').textContent()).toMatch(/expected/);
    const plugins = await cdesk(['plugins', '--control', serve.control]);
    expect(plugins.stdout).not.toMatch(/devmapper.*\n.*hint/i);
    await shots('newcomer-plugins');

    // One version string: the window's is the CLI's.
    await open('#/status');
    const cli = (await cdesk(['status', '--control', serve.control])).stdout;
    const cliVersion = /^version:\s+(.+)$/m.exec(cli)?.[1]?.trim();
    expect(cliVersion).toMatch(/^containerd \S+/);
    expect(await page.getByTestId('daemon-version').textContent()).toBe(cliVersion);
    const pluginsVersion = await page
      .getByTestId('plugins-view')
      .locator('text=/^containerd /')
      .first()
      .textContent();
    expect(pluginsVersion?.trim()).toBe(cliVersion);

    // Settings: --root/--state of this session are marked, and the Save bar stays within the form.
    await open('#/settings');
    expect(await page.getByTestId('session-rootDir').textContent()).toBe('from the command line');
    expect(await page.getByTestId('session-stateDir').textContent()).toBe('from the command line');
    expect(await page.getByTestId('session-logLevel').count()).toBe(0);
    for (const width of [1280, 900]) {
      await page.setViewportSize({ width, height: 800 });
      await page.waitForTimeout(150);
      const bar = (await page.getByTestId('settings-bar').boundingBox())!;
      const field = (await page.locator('form.settings fieldset').first().boundingBox())!;
      expect(bar.x, `save bar left at ${width}`).toBeGreaterThanOrEqual(field.x - 1);
      expect(right(bar), `save bar right at ${width}`).toBeLessThanOrEqual(right(field) + 1);
    }
    await page.setViewportSize({ width: 1280, height: 800 });
    await shots('newcomer-settings');
  }, 120_000);
});
