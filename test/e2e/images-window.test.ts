// The Images page's image traffic end to end (cdesk serve + real containerd + a real registry on
// 127.0.0.1, in Chromium): pull through the Pull field with live layer progress, the tasks
// indicator on other pages, cancel, errors beside the field with their hint.
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildBusyboxImage, ctr, removeAllContainers, type BuiltImage } from '../helpers/oci-image';
import {
  buildLayoutImage,
  canRunRegistry,
  slowProxy,
  startRegistry,
  type TestRegistry,
} from '../helpers/registry';
import {
  ensureBuilt,
  launchChromium,
  startServeRunning,
  type Serve,
  SHOTS,
  windowWithContainersReady,
} from '../helpers/serve';

declare const window: { location: { hash: string }; __noReload?: number };

const reg = canRunRegistry();
const ready = windowWithContainersReady('images window');
// The registry is installed wherever containers can run (.ci/run): its absence is a failure.
if (ready && !reg.ok) throw new Error(`the images window e2e needs ${reg.reason}`);

let serve: Serve;
let browser: Browser;
let page: Page;
let socket: string;
let r: TestRegistry;
let dir: string;
let bb: BuiltImage;

const images = (ns: string) => ctr(socket, ns, ['images', 'ls', '-q']).split('\n').filter(Boolean);

async function open(hash: string): Promise<void> {
  await page.evaluate((h) => (window.location.hash = h), hash);
  await page.getByTestId(`${hash.slice(2)}-view`).waitFor({ state: 'visible', timeout: 15_000 });
}

async function shots(name: string): Promise<void> {
  for (const width of [1280, 900]) {
    await page.setViewportSize({ width, height: 800 });
    await page.waitForTimeout(250);
    await page.screenshot({ path: join(SHOTS, `${name}-${width}-light.png`) });
  }
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.screenshot({ path: join(SHOTS, `${name}-1280-dark.png`) });
  await page.emulateMedia({ colorScheme: 'light' });
}

async function pullInField(ref: string): Promise<void> {
  await page.getByTestId('pull-ref').fill(ref);
  await page.getByRole('button', { name: 'Pull', exact: true }).click();
}

const card = (ref: string) =>
  page.locator('[data-testid="pull-card"]', { has: page.locator(`[title="${ref}"]`) });

beforeAll(async () => {
  if (!ready) return;
  ensureBuilt();
  mkdirSync(SHOTS, { recursive: true });
  dir = mkdtempSync('/tmp/ciw-');
  // The app's docker config: empty, so nothing of the user's leaks in.
  const dockerConfig = join(dir, 'dc');
  mkdirSync(dockerConfig);
  ({ serve, socket } = await startServeRunning({
    prefix: '/tmp/ciw-',
    env: { ...process.env, DOCKER_CONFIG: dockerConfig },
  }));
  r = await startRegistry();
  // Three random layers of 2 MiB beside busybox's: enough bytes for progress to show.
  r.push(
    buildLayoutImage(join(dir, 'multi'), { randomLayers: 3, layerBytes: 2 << 20 }).layout,
    'x/multi:v1',
  );
  r.push(
    buildLayoutImage(join(dir, 'other'), { randomLayers: 2, layerBytes: 1 << 20 }).layout,
    'x/other:v1',
  );
  bb = buildBusyboxImage(join(dir, 'bb'));
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await page.goto(`${serve.info.url}#/images`);
  await page.evaluate(() => (window.__noReload = 1));
}, 180_000);

afterAll(async () => {
  if (!ready) return;
  await browser?.close();
  if (socket) removeAllContainers(socket);
  await serve?.stop();
  serve?.cleanup();
  await r?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!ready)(
  'Images page: pull (cdesk serve + containerd + registry + Chromium)',
  () => {
    it('pulls through the Pull field: layers with bars while it runs, ≥ 4 updates a second, the indicator elsewhere, then the image is listed', async () => {
      const proxy = await slowProxy(r.host);
      try {
        // Count the progress events that reach the page over its WebSocket.
        const seen: number[] = [];
        page.on('websocket', (ws) =>
          ws.on('framereceived', (f) => {
            if (typeof f.payload === 'string' && f.payload.includes('"image:pull-progress"'))
              seen.push(Date.now());
          }),
        );
        // The page's socket is already open: reload once so the listener sees it.
        await page.reload();
        await page.getByTestId('images-view').waitFor({ state: 'visible', timeout: 15_000 });
        const ref = `${proxy.host}/x/multi:v1`;
        await pullInField(ref);
        const c = card(ref);
        await c.waitFor({ state: 'visible', timeout: 15_000 });
        // Held by the proxy after 64 KiB per blob: three layers downloading (3 at a time), one waiting.
        await expect
          .poll(() => c.locator('[data-testid="pull-layer"][data-status="downloading"]').count(), {
            timeout: 20_000,
          })
          .toBe(3);
        expect(await c.locator('[data-testid="pull-layer"][data-status="waiting"]').count()).toBe(
          1,
        );
        expect(await c.getAttribute('data-phase')).toBe('downloading');
        const bars = c.getByRole('progressbar');
        expect(await bars.count()).toBe(5); // overall + one per layer
        expect(await c.getByTestId('pull-overall').textContent()).toMatch(/\/ .*·\s*\d+%/);
        const from = Date.now();
        await page.waitForTimeout(2000);
        const rate = seen.filter((t) => t >= from && t < from + 2000).length / 2;
        expect(rate).toBeGreaterThanOrEqual(4);
        expect(rate).toBeLessThanOrEqual(12);
        await shots('images-pull-running');

        // Another page: the pull goes on, the top strip says so and leads back to it.
        await open('#/containers');
        const chip = page.getByTestId('tasks-indicator');
        await expect
          .poll(() => chip.textContent(), { timeout: 5_000 })
          .toMatch(/Pulling .*multi:v1 · \d+%/);
        await chip.click();
        const item = page.getByTestId('tasks-item');
        expect(await item.count()).toBe(1);
        expect(await item.textContent()).toContain('multi:v1');
        await page.screenshot({ path: join(SHOTS, 'images-pull-indicator-1280-light.png') });
        await item.click();
        await page.getByTestId('images-view').waitFor({ state: 'visible' });
        await expect.poll(() => c.getAttribute('class')).toContain('pl-focused');

        proxy.release();
        await expect.poll(() => c.getAttribute('data-phase'), { timeout: 60_000 }).toBe('done');
        expect(await c.getByTestId('pull-phase').textContent()).toMatch(/Pulled · .* downloaded/);
        // The indicator goes when nothing runs; the image is in containerd and on the page.
        await expect.poll(() => chip.count()).toBe(0);
        expect(images('default')).toContain(ref);
        await page
          .locator(`[data-testid="images-table-row"][data-key="${ref}"]`)
          .waitFor({ state: 'visible', timeout: 15_000 });
        expect(await page.getByTestId('pull-ref').inputValue()).toBe('');
      } finally {
        proxy.release();
        await proxy.close();
      }
    });

    it('Cancel stops the pull and leaves no image', async () => {
      const proxy = await slowProxy(r.host);
      try {
        const ref = `${proxy.host}/x/other:v1`;
        await pullInField(ref);
        const c = card(ref);
        await expect
          .poll(() => c.locator('[data-testid="pull-layer"][data-status="downloading"]').count(), {
            timeout: 20_000,
          })
          .toBeGreaterThan(0);
        await c.getByRole('button', { name: /^Cancel pull of / }).click();
        await expect
          .poll(() => c.getAttribute('data-phase'), { timeout: 15_000 })
          .toBe('cancelled');
        expect(await c.textContent()).toContain('nothing of this pull was kept');
        expect(images('default')).not.toContain(ref);
        await page.getByTestId('tasks-indicator').waitFor({ state: 'detached' });
        await c.getByRole('button', { name: 'Dismiss' }).click();
        await c.waitFor({ state: 'detached' });
      } finally {
        proxy.release();
        await proxy.close();
      }
    });

    it('a bad reference and an unreachable registry show their error and hint beside the field', async () => {
      const err = page.getByTestId('pull-field-error');
      await pullInField('Not A Ref!!');
      await expect
        .poll(() => err.getAttribute('data-code'), { timeout: 10_000 })
        .toBe('bad-reference');
      expect(await page.getByTestId('pull-ref').getAttribute('aria-invalid')).toBe('true');
      // The field keeps the text to fix.
      expect(await page.getByTestId('pull-ref').inputValue()).toBe('Not A Ref!!');

      // A port nothing listens on (found free, then closed): connection refused.
      const port = await new Promise<number>((resolve) => {
        const srv = createServer().listen(0, '127.0.0.1', () => {
          const p = (srv.address() as AddressInfo).port;
          srv.close(() => resolve(p));
        });
      });
      await pullInField(`127.0.0.1:${port}/x/y:1`);
      await expect
        .poll(() => err.getAttribute('data-code'), { timeout: 15_000 })
        .toBe('registry-unreachable');
      expect(await err.textContent()).toMatch(
        /cannot reach the registry at http:\/\/127\.0\.0\.1:\d+: .*ECONNREFUSED.*— Check the registry name and port/,
      );
      await shots('images-pull-error');
      expect(images('default').some((n) => n.includes(`127.0.0.1:${port}/`))).toBe(false);
      // The earlier failure went when the field tried again: one error, beside the field.
      expect(await page.getByTestId('pull-card').filter({ hasText: 'Not A Ref' }).count()).toBe(0);
    });

    it('Load uploads an archive (headless) and Save downloads it; the download imports with ctr as the same image', async () => {
      // Not an image archive: refused with the app's words, nothing loaded, nothing staged.
      const junk = join(dir, 'notes.tar');
      writeFileSync(junk, 'this is not a tar archive\n'.repeat(100));
      await page.getByTestId('load-file').setInputFiles(junk);
      const outcome = page.getByTestId('transfer-outcome');
      await expect.poll(() => outcome.getAttribute('data-ok'), { timeout: 30_000 }).toBe('false');
      expect(await outcome.textContent()).toMatch(
        /Can’t load:.*— Give a file written by docker save/,
      );
      expect(images('default').filter((n) => n.includes('busybox'))).toEqual([]);

      // A load still uploading (held here): Cancel beside Loading… drops it; nothing was loaded.
      let held = false;
      await page.route('**/images/load?**', () => {
        held = true; // never answered: the page's abort is the only way out
      });
      await page.getByTestId('load-file').setInputFiles(bb.archive);
      await expect.poll(() => held).toBe(true);
      const cancel = page.getByRole('button', { name: 'Cancel load' });
      await cancel.waitFor({ state: 'visible' });
      await shots('images-load-running');
      await cancel.click();
      await expect
        .poll(() => outcome.textContent())
        .toMatch(/Load cancelled: nothing of it was kept/);
      expect(await outcome.getAttribute('role')).toBe('status');
      await shots('images-load-cancelled');
      await page.unroute('**/images/load?**');
      expect(images('default').filter((n) => n.includes('busybox'))).toEqual([]);

      await page.getByTestId('load-file').setInputFiles(bb.archive);
      await expect.poll(() => outcome.getAttribute('data-ok'), { timeout: 30_000 }).toBe('true');
      expect(await outcome.textContent()).toContain(`Loaded 1 image: ${bb.name}`);
      expect(images('default')).toContain(bb.name);
      const row = page.locator(`[data-testid="images-table-row"][data-key="${bb.name}"]`);
      await row.waitFor({ state: 'visible', timeout: 15_000 });
      // Nothing of the upload stays in the app's folder.
      const staged = join(serve.stateDir, 'transfers');
      expect(readdirSync(staged)).toEqual([]);

      const [download] = await Promise.all([
        page.waitForEvent('download', { timeout: 30_000 }),
        row.getByRole('button', { name: `Save ${bb.name}`, exact: true }).click(),
      ]);
      expect(download.suggestedFilename()).toBe('cdesk_busybox_test.tar');
      const saved = join(dir, 'saved.tar');
      await download.saveAs(saved);
      await expect
        .poll(() => outcome.textContent())
        .toMatch(
          /Saved docker\.io\/cdesk\/busybox:test \(.*\) — downloading as cdesk_busybox_test\.tar/,
        );
      await expect.poll(() => readdirSync(staged)).toEqual([]);
      ctr(socket, 'roundtrip', ['images', 'import', saved]);
      const digest = (ns: string) =>
        ctr(socket, ns, ['images', 'ls'])
          .split('\n')
          .find((l) => l.startsWith(`${bb.name} `))
          ?.split(/\s+/)[2];
      expect(digest('roundtrip')).toMatch(/^sha256:/);
      expect(digest('roundtrip')).toBe(digest('default'));
      ctr(socket, 'roundtrip', ['images', 'rm', bb.name]);
    });

    it('the disk panel shows system df; Clean up… previews what goes and the bytes, then prunes', async () => {
      const id = `dp-stopped-${process.pid}`;
      ctr(socket, 'default', ['containers', 'create', bb.name, id]);
      const panel = page.getByTestId('disk-panel');
      await expect
        .poll(() => panel.getByTestId('df-containers').textContent(), { timeout: 15_000 })
        .toMatch(/^1 · 0 running/);
      expect(await panel.getByTestId('df-images').textContent()).toMatch(/^2 · 1 unused/);
      expect(await panel.getByTestId('df-content').textContent()).toMatch(/MiB/);
      await shots('images-disk-panel');

      await panel.getByRole('button', { name: 'Clean up…' }).click();
      const dialog = page.getByRole('dialog');
      await dialog.waitFor({ state: 'visible', timeout: 15_000 });
      expect(await dialog.getByTestId('prune-containers').textContent()).toContain(id);
      // Dangling only by default: both images have names, so none goes yet.
      expect(await dialog.getByTestId('prune-images').count()).toBe(0);
      await dialog.getByTestId('prune-all').check();
      await expect
        .poll(() => dialog.getByTestId('prune-images').textContent(), { timeout: 15_000 })
        .toContain(bb.name);
      expect(await dialog.getByTestId('prune-images').textContent()).toContain('x/multi:v1');
      expect(await dialog.getByTestId('prune-bytes').textContent()).toMatch(
        /Frees about \d+(\.\d)? MiB/,
      );
      await page.screenshot({ path: join(SHOTS, 'images-clean-up-1280-light.png') });
      // Nothing went while the dialog only previewed.
      expect(images('default')).toHaveLength(2);

      await dialog.getByRole('button', { name: 'Clean up', exact: true }).click();
      const outcome = panel.getByTestId('prune-outcome');
      await expect
        .poll(() => outcome.textContent(), { timeout: 30_000 })
        .toMatch(/Removed 1 container and 2 images; freed \d+(\.\d)? MiB/);
      expect(images('default')).toEqual([]);
      expect(ctr(socket, 'default', ['containers', 'ls', '-q']).trim()).toBe('');
      await expect
        .poll(() => panel.getByTestId('df-images').textContent(), { timeout: 15_000 })
        .toMatch(/^0/);
    });
  },
);
