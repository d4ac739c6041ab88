// The window on two hosts (two `cdesk serve`s, each with its own containerd; the second reached over
// real OpenSSH on 127.0.0.1 as a saved host), in Chromium: the Overview lists both, a click on the
// remote opens its pages, and its Containers page lists a container that exists only there. Then
// 48 more saved hosts that cannot be reached: the Overview stays readable, each Unknown.
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildBusyboxImage, ctr, importImage } from '../helpers/oci-image';
import { removeAllContainers } from '../helpers/oci-image';
import {
  cdesk,
  ensureBuilt,
  launchChromium,
  startServeRunning,
  type Serve,
  SHOTS,
  windowWithContainersReady,
} from '../helpers/serve';
import { requireSshd, startSshd, type Sshd } from '../helpers/sshd';

declare const window: { location: { hash: string } };

const ready = windowWithContainersReady('hosts window') && requireSshd();

const ONLY_THERE = `far-only-${process.pid}`;
let dir: string;
let local: Serve;
let far: Serve;
let farSocket: string;
let localSocket: string;
let sshd: Sshd;
let browser: Browser;
let page: Page;
let hostsFile: string;
let farHost: { name: string; url: string; identity: string };

const row = (name: string) =>
  page.locator(`[data-testid="overview-table-row"][data-key="${name}"]`);

async function shoot(name: string): Promise<void> {
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    for (const width of [1280, 900]) {
      await page.setViewportSize({ width, height: 800 });
      await page.waitForTimeout(150);
      await page.screenshot({ path: join(SHOTS, `${name}-${width}-${scheme}.png`) });
    }
  }
  await page.emulateMedia({ colorScheme: 'light' });
  await page.setViewportSize({ width: 1280, height: 800 });
}

/** hosts.json as `cdesk host add` leaves it (written whole, then renamed into place). */
function writeHosts(hosts: { name: string; url: string; identity?: string }[]): void {
  writeFileSync(`${hostsFile}.tmp`, JSON.stringify({ version: 1, hosts }));
  renameSync(`${hostsFile}.tmp`, hostsFile);
}

beforeAll(async () => {
  if (!ready) return;
  ensureBuilt();
  mkdirSync(SHOTS, { recursive: true });
  dir = mkdtempSync('/tmp/chw-');
  // The far app's control socket sits where `cdesk dial-stdio` looks under its XDG_RUNTIME_DIR.
  const farRuntime = join(dir, 'fr');
  const farDir = join(farRuntime, 'containerd-desktop');
  mkdirSync(farDir, { recursive: true, mode: 0o700 });
  ({ serve: far, socket: farSocket } = await startServeRunning({ dir: farDir }));
  const img = buildBusyboxImage(join(dir, 'img'));
  importImage(farSocket, 'default', img);
  ctr(farSocket, 'default', ['run', '-d', img.name, ONLY_THERE, 'sleep', '600']);
  sshd = await startSshd({ XDG_RUNTIME_DIR: farRuntime });
  // This machine: its own config dir, where hosts.json names far.
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    XDG_CONFIG_HOME: join(dir, 'cfg'),
    CDESK_SSH_CONFIG: sshd.clientConfig,
  };
  delete env.CDESK_HOST;
  const add = await cdesk(['host', 'add', 'far', sshd.url, '--identity', sshd.key], 30_000, env);
  if (add.code !== 0) throw new Error(`host add failed: ${add.stderr}`);
  hostsFile = join(dir, 'cfg', 'containerd-desktop', 'hosts.json');
  farHost = { name: 'far', url: sshd.url, identity: sshd.key };
  ({ serve: local, socket: localSocket } = await startServeRunning({ prefix: '/tmp/chl-', env }));
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await page.goto(`${local.info.url}#/overview`);
}, 180_000);

afterAll(async () => {
  if (!ready) return;
  await browser?.close();
  await local?.stop();
  local?.cleanup();
  if (farSocket) removeAllContainers(farSocket);
  await far?.stop();
  await sshd?.stop();
  far?.cleanup();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!ready)('the window on two hosts (two cdesk serves, one over sshd)', () => {
  it('the Overview lists this machine and far, each Running once its link is up', async () => {
    await row('local').waitFor({ state: 'visible', timeout: 15_000 });
    await row('far').waitFor({ state: 'visible' });
    await expect
      .poll(() => row('far').getByTestId('overview-badge').getAttribute('data-kind'), {
        timeout: 30_000,
      })
      .toBe('running');
    expect(await row('local').getByTestId('overview-badge').getAttribute('data-kind')).toBe(
      'running',
    );
    // far's count is far's own: the one container made there.
    await expect
      .poll(() => row('far').getByTestId('overview-containers').textContent())
      .toBe('1 / 1');
    expect(await row('far').textContent()).toMatch(/\d+ ms/);
    expect(await page.getByTestId('overview-summary').textContent()).toBe('2 hosts · 2 reachable');
    await shoot('overview-2-hosts');
  });

  it('a click on far opens its pages; its Containers page lists what runs only there', async () => {
    await row('far').locator('td').nth(2).click();
    await expect.poll(() => page.evaluate(() => window.location.hash)).toBe('#/@far/status');
    expect(await page.getByTestId('host-switcher').getAttribute('data-host')).toBe('far');
    await page.getByTestId('tab-containers').click();
    await expect.poll(() => page.evaluate(() => window.location.hash)).toBe('#/@far/containers');
    const mine = page.locator(`[data-testid="containers-table-row"][data-key="${ONLY_THERE}"]`);
    await mine.waitFor({ state: 'visible', timeout: 15_000 });
    expect(await mine.getByTestId('status-chip').textContent()).toMatch(/Running/);
    // A reload lands on far's page again: the host is in the address.
    await page.reload();
    await mine.waitFor({ state: 'visible', timeout: 15_000 });
    await page.screenshot({ path: join(SHOTS, 'far-containers-1280-light.png') });
    // Its page's Terminal opens a shell in that container, on far (it exists nowhere else).
    await mine.getByTestId('container-link').click();
    await page.getByTestId('container-page').waitFor({ state: 'visible' });
    await expect
      .poll(() => page.evaluate(() => window.location.hash))
      .toBe(`#/@far/containers/default/${ONLY_THERE}`);
    await page.getByTestId('cp-tab-terminal').click();
    const state = page.getByTestId('terminal-state');
    await expect.poll(() => state.textContent(), { timeout: 20_000 }).toMatch(/pid \d+/);
    await page.getByTestId('terminal').click();
    await page.keyboard.type('echo $((6*7))\n');
    const screen = page.getByTestId('terminal').locator('.xterm-rows');
    await expect.poll(() => screen.innerText(), { timeout: 10_000 }).toMatch(/^42$/m);
    await page.keyboard.type('exit\n');
    await page.evaluate(() => (window.location.hash = '#/@far/containers'));
    await mine.waitFor({ state: 'visible' });
    // This machine's Containers page does not have it.
    await page.getByTestId('host-switcher').click();
    await page.getByTestId('host-list').waitFor({ state: 'visible' });
    await page.screenshot({ path: join(SHOTS, 'host-switcher-open-1280-light.png') });
    await page.getByTestId('host-option-local').click();
    await expect.poll(() => page.evaluate(() => window.location.hash)).toBe('#/containers');
    await page.getByTestId('containers-view').waitFor({ state: 'visible' });
    await page.waitForTimeout(500);
    expect(await mine.count()).toBe(0);
    expect(localSocket).not.toBe(farSocket);
  });

  it('50 hosts: 48 that cannot be reached show Unknown with their error; the reachable stay Running', async () => {
    const names = Array.from({ length: 48 }, (_, i) => {
      const kind = ['build', 'edge', 'ci', 'lab'][i % 4]!;
      return `${kind}-${String(i + 1).padStart(2, '0')}`;
    });
    // Port 1 on loopback refuses at once: each link goes down and backs off.
    writeHosts([farHost, ...names.map((n) => ({ name: n, url: `ssh://dev@127.0.0.1:1` }))]);
    await page.evaluate(() => (window.location.hash = '#/overview'));
    await expect
      .poll(() => page.getByTestId('overview-summary').textContent(), { timeout: 30_000 })
      .toBe('50 hosts · 2 reachable');
    await expect
      .poll(() => row('build-01').getByTestId('overview-badge').getAttribute('data-kind'), {
        timeout: 30_000,
      })
      .toBe('unknown');
    // The 48 share one error: said once above the table, with how many; no line under each row.
    const group = page.getByTestId('overview-error-group');
    await expect.poll(() => group.getAttribute('data-hosts'), { timeout: 30_000 }).toBe('48');
    expect(await group.locator('summary').textContent()).toMatch(
      /^48 hosts .*Connection refused — Check that sshd runs on 127\.0\.0\.1 port 1/,
    );
    expect(await page.getByTestId('overview-error').count()).toBe(0);
    // Each row keeps its badge and says it reconnects, with its countdown beside.
    expect(await row('build-01').textContent()).toMatch(/never reached · reconnecting/);
    await expect
      .poll(() => row('build-01').getByTestId('overview-retry').textContent(), { timeout: 30_000 })
      .toMatch(/^(in ~\d+s|soon|now)$/);
    expect(await row('far').getByTestId('overview-badge').getAttribute('data-kind')).toBe(
      'running',
    );
    await shoot('overview-50-hosts');
    // The list scrolls to the last host (virtualised: only what is in view is rendered).
    await row('local').focus();
    await page.keyboard.press('End');
    await row('lab-48').waitFor({ state: 'visible' });
    expect(await row('lab-48').getByTestId('overview-badge').getAttribute('data-kind')).toBe(
      'unknown',
    );
  });

  it("far's link drops: its pages say since when and from when what they show is, and nothing stays live", async () => {
    await page.evaluate(() => (window.location.hash = '#/@far/containers'));
    const mine = page.locator(`[data-testid="containers-table-row"][data-key="${ONLY_THERE}"]`);
    await mine.waitFor({ state: 'visible', timeout: 15_000 });
    // No new connection is taken, and the one carrying the link is cut.
    // (The sessions are read first: once the listener is gone they are no one's children.)
    const sessions = sshd.sessions();
    expect(sessions.length).toBeGreaterThan(0);
    await sshd.stopListener();
    for (const pid of sessions) process.kill(pid, 'SIGKILL');
    const banner = page.getByTestId('host-banner');
    await banner.waitFor({ state: 'visible', timeout: 30_000 });
    // Down (waiting out its backoff) or already trying again: either way it says since when what
    // is shown dates from.
    expect(await banner.textContent()).toMatch(
      /^(far is unreachable since \d\d:\d\d — reconnecting( in \d+s| now)?; |Connecting to far… )what you see is from \d\d:\d\d\./,
    );
    expect(await page.getByTestId('state-badge').getAttribute('data-kind')).toBe('unknown');
    // The last list stays, greyed, its actions off.
    expect(await mine.isVisible()).toBe(true);
    expect(await mine.getByRole('button', { name: `Stop ${ONLY_THERE}` }).isDisabled()).toBe(true);
    await page.screenshot({ path: join(SHOTS, 'far-unreachable-1280-light.png') });
  });
});
