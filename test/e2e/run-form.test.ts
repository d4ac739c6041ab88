// "Run…" on an image row end to end (cdesk serve + real containerd + busybox, in Chromium): the
// form runs a container whose page then opens on Logs, Running; a bad field is named next to it
// (the CLI's own parser) and creates nothing; a name already taken comes back from the app and is
// shown on the name field.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeNetworks } from '../helpers/inside-fixture';
import {
  buildBusyboxImage,
  ctrList,
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

declare const window: { location: { hash: string } };

const ready = windowWithContainersReady('Run… form');

const ID = `runform-${process.pid}`;
let serve: Serve;
let browser: Browser;
let page: Page;
let socket: string;
let img: BuiltImage;
let imgDir: string;

const form = () => page.getByTestId('run-form');

async function openForm(): Promise<void> {
  await page.evaluate(() => (window.location.hash = '#/images'));
  const row = page.locator(`[data-testid="images-table-row"][data-key="${img.name}"]`);
  await row.waitFor({ state: 'visible', timeout: 15_000 });
  await row.getByRole('button', { name: `Run ${img.name}`, exact: true }).click();
  await form().waitFor({ state: 'visible' });
}

beforeAll(async () => {
  if (!ready) return;
  ensureBuilt();
  mkdirSync(SHOTS, { recursive: true });
  ({ serve, socket } = await startServeRunning({ prefix: '/tmp/crf-' }));
  imgDir = mkdtempSync('/tmp/crf-img-');
  img = buildBusyboxImage(imgDir);
  importImage(socket, 'default', img);
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await page.goto(`${serve.info.url}#/images`);
}, 120_000);

afterAll(async () => {
  if (!ready) return;
  await browser?.close();
  if (socket) removeAllContainers(socket);
  if (serve) await removeNetworks(serve.stateDir);
  await serve?.stop();
  serve?.cleanup();
  if (imgDir) rmSync(imgDir, { recursive: true, force: true });
});

describe.skipIf(!ready)('Run… from the Images page (cdesk serve + containerd + Chromium)', () => {
  it('a bad port is named next to the field, and Run creates nothing', async () => {
    await openForm();
    const before = ctrList(socket, 'default', 'containers');
    await page.getByTestId('run-name').fill(`${ID}-bad`);
    await page.getByTestId('run-ports').fill('8080:80\n80');
    await page.getByTestId('run-env').fill('GREETING=hi\n=nokey');
    await page.getByTestId('run-env').blur();
    // Left fields show their error at once; the ports field was left too.
    await expect
      .poll(() => page.getByTestId('run-env-error').textContent())
      .toContain('=nokey: expected KEY=VALUE');
    await form().getByRole('button', { name: 'Run', exact: true }).click();
    const portErr = page.getByTestId('run-ports-error');
    await expect
      .poll(() => portErr.textContent())
      .toContain('80: expected [IP:]HOST:CONTAINER[/tcp|udp]');
    expect(await page.getByTestId('run-ports').getAttribute('aria-invalid')).toBe('true');
    // The error sits with its field: the same field box holds both.
    expect(
      await page
        .locator('.rf-field', { has: page.getByTestId('run-ports') })
        .getByTestId('run-ports-error')
        .count(),
    ).toBe(1);
    await page.screenshot({ path: join(SHOTS, 'run-form-errors-1280-light.png') });
    // Narrow windows (the icon rail) keep every field and its error on screen.
    await page.setViewportSize({ width: 900, height: 800 });
    await page.waitForTimeout(200);
    expect(await portErr.isVisible()).toBe(true);
    await page.screenshot({ path: join(SHOTS, 'run-form-errors-900-light.png') });
    await page.setViewportSize({ width: 1280, height: 800 });
    expect(await form().isVisible()).toBe(true);
    expect(ctrList(socket, 'default', 'containers')).toEqual(before);
    await form().getByRole('button', { name: 'Cancel' }).click();
    await form().waitFor({ state: 'detached' });
    expect(ctrList(socket, 'default', 'containers')).toEqual(before);
  });

  it('runs the image with a name, command and env; its page opens on Logs, Running', async () => {
    await openForm();
    await page.getByTestId('run-name').fill(ID);
    await page
      .getByTestId('run-command')
      .fill(`sh -c 'echo "greeting=$GREETING"; exec sleep 1000'`);
    await page.getByTestId('run-env').fill('GREETING=hello from the form');
    await page.getByTestId('run-restart').selectOption('on-failure');
    await page.getByTestId('run-retries').fill('3');
    await page.screenshot({ path: join(SHOTS, 'run-form-1280-light.png') });
    await form().getByRole('button', { name: 'Run', exact: true }).click();
    await page.getByTestId('container-page').waitFor({ state: 'visible', timeout: 30_000 });
    expect(await page.evaluate(() => window.location.hash)).toBe(`#/containers/default/${ID}/logs`);
    await expect
      .poll(() => page.getByTestId('container-page').getByTestId('status-chip').textContent(), {
        timeout: 15_000,
      })
      .toMatch(/Running/);
    await expect
      .poll(() => page.getByTestId('container-log-row').allTextContents(), { timeout: 15_000 })
      .toEqual(expect.arrayContaining([expect.stringContaining('greeting=hello from the form')]));
    expect(ctrTasks(socket, 'default').get(ID)?.status).toBe('running');
    await page.screenshot({ path: join(SHOTS, 'run-form-opened-1280-light.png') });
  });

  it('a name already taken comes back from the app next to the name field', async () => {
    await openForm();
    const before = ctrList(socket, 'default', 'containers');
    await page.getByTestId('run-name').fill(ID);
    await page.getByTestId('run-detached').check();
    await form().getByRole('button', { name: 'Run', exact: true }).click();
    await expect
      .poll(() => page.getByTestId('run-name-error').textContent(), { timeout: 15_000 })
      .toContain(`the name ${ID} is already in use`);
    expect(await form().isVisible()).toBe(true);
    expect(ctrList(socket, 'default', 'containers')).toEqual(before);
    await page.keyboard.press('Escape');
    await form().waitFor({ state: 'detached' });
  });
});
