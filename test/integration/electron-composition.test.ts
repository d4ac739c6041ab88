// The Electron composition (dist/electron-main.js) run end to end under Node with a recording
// `electron` stand-in (test/fixtures/electron-stand-in): single-instance lock and second instance,
// the window's web preferences, the real preload, an IPC handler per contract command with bad
// senders and payloads refused, the tray menu per state, close-to-tray, and quit → stop or leave
// running per setting against real containerd.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { IPC_IMAGE_LOAD_CHANNEL, IPC_IMAGE_SAVE_CHANNEL } from '../../common/image-files';
import { COMMAND_NAMES, type ContractError, type Result } from '../../common/contract';
import { IPC_COMMANDS_CHANNEL, ipcChannel } from '../../common/rpc';
import { IPC_EXEC_FRAME_CHANNEL, IPC_EXEC_START_CHANNEL } from '../../common/ipc-exec';
import type { PullResult } from '../../common/containerd';
import type { DaemonStatus } from '../../common/states';
import {
  ensureAppBuilt,
  launchApp,
  makeHome,
  menuSummary,
  ROOT,
  type AppProcess,
  type Home,
  type MenuItem,
  type Rec,
} from '../fixtures/electron-stand-in/launch';
import { CONTAINERD, requireContainerd } from '../helpers/engine';
import { canRunContainers, ctr } from '../helpers/oci-image';
import { buildLayoutImage, canRunRegistry, startRegistry } from '../helpers/registry';

const haveContainerd = requireContainerd();
const PRELOAD = join(ROOT, 'dist', 'preload.cjs');
const PAGE = join(ROOT, 'dist', 'renderer', 'index.html');

const homes: Home[] = [];
const apps: AppProcess[] = [];
/** containerd pids the app started for these tests: stopped here if a test left one behind. */
const daemons = new Set<number>();

function home(settings: object): Home {
  const h = makeHome(settings);
  homes.push(h);
  return h;
}
function launch(h: Home): AppProcess {
  const a = launchApp(h);
  apps.push(a);
  return a;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
async function gone(pid: number, what: string): Promise<void> {
  for (let i = 0; i < 1200 && alive(pid); i++) await new Promise((r) => setTimeout(r, 25));
  if (alive(pid)) throw new Error(`${what}: pid ${pid} is still alive`);
}

type Reply = { id: null; result: Result<unknown> };
/** A raw invoke of one channel's handler; the reply crosses as the envelope's JSON text. */
async function rawInvoke(
  a: AppProcess,
  channel: string,
  payload: unknown,
  frame: { frame?: 'main' | 'sub'; url?: string } = {},
): Promise<Result<unknown>> {
  const text = await a.request<string>('invoke', { channel, args: [payload], ...frame });
  return (JSON.parse(text) as Reply).result;
}
/** What the page does: window.cdesk.invoke through the real preload. */
const pageInvoke = <T>(a: AppProcess, name: string, payload: unknown) =>
  a.request<Result<T>>('page-invoke', { key: 'cdesk', name, payload });
async function status(a: AppProcess): Promise<DaemonStatus> {
  const r = await pageInvoke<DaemonStatus>(a, 'daemon:status', {});
  if (!r.ok) throw new Error(`daemon:status failed: ${r.error.message}`);
  if (r.value.pid !== null) daemons.add(r.value.pid);
  return r.value;
}
const errorOf = (r: Result<unknown>): ContractError => {
  if (r.ok) throw new Error(`expected an error, got ${JSON.stringify(r.value).slice(0, 200)}`);
  return r.error;
};

/** Wait for a settled tray menu (set on the tray, from record `from` on) whose state line matches. */
const trayMenu = (a: AppProcess, state: RegExp, from = 0) =>
  a.waitRec(
    'tray-menu',
    (r) => {
      const m = menuSummary(r.items as MenuItem[]);
      // A command in flight disables start/stop/restart; a settled menu offers one of them.
      return state.test(m.state) && !!(m.enabled.start || m.enabled.stop || m.enabled.restart);
    },
    from,
    `a tray menu for ${state}`,
  );
const summary = (r: Rec) => menuSummary(r.items as MenuItem[]);

beforeAll(() => ensureAppBuilt(), 600_000);

afterEach(async () => {
  for (const a of apps.splice(0)) {
    if (a.child.exitCode === null && a.child.signalCode === null) {
      a.child.kill('SIGKILL');
      await a.exited;
    }
  }
  for (const pid of daemons) {
    if (alive(pid)) {
      process.kill(pid, 'SIGTERM');
      await gone(pid, 'a containerd a test left running').catch(() => process.kill(pid, 'SIGKILL'));
    }
  }
  daemons.clear();
  for (const h of homes.splice(0)) rmSync(h.dir, { recursive: true, force: true });
});

// Waits inside give up after 60 s with what they waited for; the test's own limit is above that.
describe(
  'the Electron composition under an electron stand-in (no daemon needed)',
  { timeout: 120_000 },
  () => {
    it('boots one sandboxed window with the preload and only the contract on IPC', async () => {
      const h = home({ autoStart: false, containerdPath: CONTAINERD });
      const a = launch(h);
      await a.waitRec('window-show', undefined, 0, 'the window shown');

      // Sandbox for every renderer, and the lock, before anything else is made.
      const order = a.recs.map((r) => r.type);
      expect(order.indexOf('enable-sandbox')).toBeGreaterThanOrEqual(0);
      expect(order.indexOf('enable-sandbox')).toBeLessThan(order.indexOf('window'));
      expect(a.last('single-instance-lock')).toMatchObject({ got: true });
      expect(order.indexOf('ready')).toBeLessThan(order.indexOf('window'));

      const windows = a.recs.filter((r) => r.type === 'window');
      expect(windows).toHaveLength(1);
      const prefs = (windows[0]!.options as { webPreferences: Record<string, unknown> })
        .webPreferences;
      expect(prefs).toMatchObject({
        contextIsolation: true,
        sandbox: true,
        nodeIntegration: false,
        nodeIntegrationInWorker: false,
        nodeIntegrationInSubFrames: false,
        webviewTag: false,
        allowRunningInsecureContent: false,
      });
      expect(prefs.webSecurity).not.toBe(false);
      expect(prefs.preload).toBe(PRELOAD);
      expect(existsSync(PRELOAD)).toBe(true);
      expect(a.last('load')).toMatchObject({ file: PAGE });
      expect(a.last('preload-error')).toBeUndefined();
      expect(a.last('expose', (r) => r.key === 'cdesk')).toMatchObject({
        members: ['invoke', 'subscribe', 'exec'],
      });
      expect(a.last('expose', (r) => r.key === 'cdeskFiles')).toMatchObject({
        members: ['loadImage', 'saveImage'],
      });
      // Shown once painted, not before.
      expect(order.indexOf('window-show')).toBeGreaterThan(order.indexOf('load'));

      // One handler per contract command plus the command list, exec's start and the two
      // file-dialog channels, one listener for exec's frames, and nothing else: electron-log's
      // channel (registered when it loads) was removed.
      const state = await a.request<{
        handlers: string[];
        ipcListeners: string[];
        session: object;
      }>('state');
      expect([...state.handlers].sort()).toEqual(
        [
          ...COMMAND_NAMES.map(ipcChannel),
          IPC_COMMANDS_CHANNEL,
          IPC_EXEC_START_CHANNEL,
          IPC_IMAGE_LOAD_CHANNEL,
          IPC_IMAGE_SAVE_CHANNEL,
        ].sort(),
      );
      // The page's Load asks main, which shows the open dialog; closed without a file, nothing runs.
      const load = await a.request<Result<unknown>>('page-call', {
        key: 'cdeskFiles',
        method: 'loadImage',
        args: ['default'],
      });
      expect(load).toEqual({ ok: true, value: null });
      expect(a.last('open-dialog')).toMatchObject({ options: { properties: ['openFile'] } });
      const save = await a.request<Result<unknown>>('page-call', {
        key: 'cdeskFiles',
        method: 'saveImage',
        args: ['default', ['docker.io/library/alpine:3.20']],
      });
      expect(save).toEqual({ ok: true, value: null });
      expect(a.last('save-dialog')).toMatchObject({
        options: { defaultPath: expect.stringMatching(/\/alpine_3\.20\.tar$/) },
      });
      expect(state.ipcListeners).toEqual([IPC_EXEC_FRAME_CHANNEL]);
      expect(state.session).toEqual({ request: true, check: true, device: true, headers: true });

      // The page's own API works end to end: preload → IPC → service → engine.
      const st = await pageInvoke<DaemonStatus>(a, 'daemon:status', {});
      expect(st).toMatchObject({ ok: true, value: { state: 'stopped' } });
      const info = await pageInvoke<{ mode: string; controlSocket: string; settingsFile: string }>(
        a,
        'app:info',
        {},
      );
      expect(info).toMatchObject({
        ok: true,
        value: { mode: 'electron', controlSocket: h.controlSocket, settingsFile: h.settingsFile },
      });
      expect(await a.request('invoke', { channel: IPC_COMMANDS_CHANNEL })).toEqual(COMMAND_NAMES);
      expect(await a.request('invoke', { channel: IPC_COMMANDS_CHANNEL, frame: 'sub' })).toEqual(
        [],
      );

      // Every command's handler refuses a sub-frame and a foreign page, before the service runs.
      for (const name of COMMAND_NAMES) {
        for (const from of [{ frame: 'sub' as const }, { url: 'https://evil.example/' }]) {
          const err = errorOf(await rawInvoke(a, ipcChannel(name), {}, from));
          expect(err.code, `${name} from ${JSON.stringify(from)}`).toBe('forbidden-sender');
        }
      }
      // A bad payload is refused naming the field; a bad setting changes nothing on disk.
      const extra = errorOf(await pageInvoke(a, 'daemon:status', { bogus: 1 }));
      expect(extra.code).toBe('bad-payload');
      expect(extra.message).toMatch(/bogus|unrecognized/i);
      const limit = errorOf(await pageInvoke(a, 'logs:read', { limit: -1 }));
      expect(limit).toMatchObject({ code: 'bad-payload', fields: [{ field: 'limit' }] });
      const before = readFileSync(h.settingsFile, 'utf8');
      const grace = errorOf(await pageInvoke(a, 'settings:set', { patch: { stopGraceMs: -5 } }));
      expect(JSON.stringify(grace)).toContain('stopGraceMs');
      expect(readFileSync(h.settingsFile, 'utf8')).toBe(before);
      expect(errorOf(await pageInvoke(a, 'no:such-command', {})).code).toBe('unknown-command');

      // The page cannot navigate away, open windows or get permissions.
      expect(await a.request('try-navigate', { url: 'https://evil.example/' })).toEqual({
        prevented: true,
      });
      expect(await a.request('try-navigate', { url: pathToFileURL(PAGE).href })).toEqual({
        prevented: false,
      });
      expect(await a.request('try-open-window', { url: 'https://evil.example/' })).toEqual({
        action: 'deny',
      });
      expect(await a.request('try-permission', { name: 'media' })).toBe(false);

      await a.request('quit');
      expect(await a.exited).toBe(0);
    });

    it('a second instance hands over and exits; the first shows its window', async () => {
      const h = home({ autoStart: false, containerdPath: CONTAINERD });
      const first = launch(h);
      await first.waitRec('window-show', undefined, 0, 'the first window');
      // Hide it to the tray, so the second instance has something to bring back.
      expect(await first.request('close-window')).toEqual({ visible: false, destroyed: false });
      expect(first.last('window-close')).toMatchObject({ prevented: true });
      const mark = first.recs.length;

      const second = launch(h);
      expect(await second.exited).toBe(0);
      expect(second.last('single-instance-lock')).toMatchObject({ got: false });
      expect(second.last('window')).toBeUndefined();
      expect(
        second.last('ipc-handle', (r) => String(r.channel).startsWith('cdesk:')),
      ).toBeUndefined();
      expect(second.last('tray')).toBeUndefined();

      await first.waitRec('second-instance', undefined, mark);
      await first.waitRec('window-focus', undefined, mark, 'the first window focused');
      const state = await first.request<{ windows: { visible: boolean; destroyed: boolean }[] }>(
        'state',
      );
      // The same window came back: no second one.
      expect(state.windows).toEqual([{ id: 1, visible: true, destroyed: false }]);
      expect(first.child.exitCode).toBeNull();

      await first.request('quit');
      expect(await first.exited).toBe(0);
      expect(first.last('window-destroyed')).toBeUndefined();
      // The lock was released: a later launch gets it.
      const third = launch(h);
      await third.waitRec('single-instance-lock');
      expect(third.last('single-instance-lock')).toMatchObject({ got: true });
    });

    it('tray: the stopped menu, close-to-tray, and a start that fails shows "failed" everywhere', async () => {
      const h = home({ autoStart: false, containerdPath: '/nonexistent/containerd' });
      const a = launch(h);
      await a.waitRec('expose');
      const stopped = summary(await trayMenu(a, /^Stopped$/));
      expect(stopped.enabled).toEqual({
        start: true,
        stop: false,
        restart: false,
        'open-window': true,
        'open-logs': true,
        quit: true,
      });
      expect(a.last('tray-icon')?.icon).toBe(join(ROOT, 'build', 'icons', 'tray-stopped.png'));
      expect(existsSync(String(a.last('tray-icon')?.icon))).toBe(true);

      // "Open logs folder" opens the folder of containerd's log.
      const info = await pageInvoke<{ logsDir: string }>(a, 'app:info', {});
      await a.request('tray-click', { id: 'open-logs' });
      const opened = await a.waitRec('open-path');
      expect(info.ok && opened.path).toBe(info.ok && info.value.logsDir);
      expect(opened.path).toBe(dirname(join(h.stateDir, 'containerd.log')));

      // Close-to-tray: hidden, not destroyed; "Open window" brings the same one back.
      expect(await a.request('close-window')).toEqual({ visible: false, destroyed: false });
      const reopen = a.recs.length;
      await a.request('tray-click', { id: 'open-window' });
      await a.waitRec('window-show', undefined, reopen);
      expect(a.recs.filter((r) => r.type === 'window')).toHaveLength(1);

      // Start from the tray: busy menu at once, then "failed" in the tray, the page and a notification.
      await a.request('page-subscribe', { key: 'cdesk' });
      const click = a.recs.length;
      await a.request('tray-click', { id: 'start' });
      // A menu for an earlier status update may still land after `click`: look for the busy one.
      const isBusy = (r: Rec) => {
        const e = summary(r).enabled;
        return e.start === false && e.stop === false && e.restart === false;
      };
      const busy = await a.waitRec('tray-menu', isBusy, click, 'the busy menu');
      const failedRec = await trayMenu(a, /^Failed/, click);
      // Busy first (the click disables the commands at once), then the settled "failed" menu.
      expect(a.recs.indexOf(busy)).toBeLessThan(a.recs.indexOf(failedRec));
      const failed = summary(failedRec);
      expect(failed.enabled).toMatchObject({
        start: true,
        stop: false,
        restart: false,
        quit: true,
      });
      expect(a.last('tray-icon')?.icon).toBe(join(ROOT, 'build', 'icons', 'tray-failed.png'));
      expect(String(a.last('tray-tooltip')?.text)).toMatch(/Failed/);
      await a.waitRec(
        'page-event',
        (r) => {
          const e = r.event as { event: string; payload: { status: DaemonStatus } };
          return e.event === 'daemon:state' && e.payload.status.state === 'failed';
        },
        click,
        'the failed state reaching the page',
      );
      expect(await a.waitRec('notification', undefined, click)).toMatchObject({
        title: 'containerd failed',
      });

      // Quit from the tray: the app leaves (nothing to stop), the tray is removed.
      await a.request('tray-click', { id: 'quit' });
      expect(await a.exited).toBe(0);
      expect(a.last('tray-destroy')).toBeDefined();
      expect(existsSync(h.controlSocket)).toBe(false);
    });
  },
);

describe('the Electron composition with saved hosts', { timeout: 120_000 }, () => {
  it('the tray lists the saved hosts with their state; a click opens the window on that host', async () => {
    const h = home({ autoStart: false, containerdPath: CONTAINERD });
    // Port 1 refuses at once: the host is down and never reached.
    writeFileSync(
      join(h.userData, 'hosts.json'),
      JSON.stringify({ version: 1, hosts: [{ name: 'far', url: 'ssh://me@127.0.0.1:1' }] }),
    );
    const a = launch(h);
    await a.waitRec('expose');
    const listed = await a.waitRec(
      'tray-menu',
      (r) =>
        (r.items as MenuItem[])
          .find((i) => i.id === 'hosts')
          ?.submenu?.some((i) => i.label === 'far — Unknown (not reached yet)') ?? false,
      0,
      'the Hosts submenu with far',
    );
    const hosts = (listed.items as MenuItem[]).find((i) => i.id === 'hosts')!;
    expect(hosts.label).toBe('Hosts');
    expect(hosts.submenu!.map((i) => i.label)).toEqual([
      'local — Stopped',
      'far — Unknown (not reached yet)',
    ]);
    // The page's hosts:list says the same, with why.
    const r = await pageInvoke<{ hosts: { name: string; error: { code: string } | null }[] }>(
      a,
      'hosts:list',
      {},
    );
    expect(r.ok && r.value.hosts.map((x) => [x.name, x.error?.code ?? null])).toEqual([
      ['local', null],
      ['far', 'ssh-unreachable'],
    ]);
    expect(await a.request('close-window')).toEqual({ visible: false, destroyed: false });
    const click = a.recs.length;
    await a.request('tray-click', { id: 'host-far' });
    await a.waitRec('window-show', undefined, click);
    const load = await a.waitRec(
      'load',
      (x) => String(x.url).endsWith('#/@far'),
      click,
      'the route',
    );
    expect(String(load.url)).toMatch(/^file:\/\/.*index\.html#\/@far$/);
    await a.request('tray-click', { id: 'quit' });
    expect(await a.exited).toBe(0);
  });
});

describe('the Electron composition on a desktop without a tray', () => {
  it('closing the window quits the app instead of hiding it', async () => {
    const h = home({ autoStart: false, containerdPath: CONTAINERD });
    h.env.ELECTRON_STAND_IN_NO_TRAY = '1';
    const a = launch(h);
    await a.waitRec('window-show');
    expect(a.last('tray')).toBeUndefined();
    expect(await a.request('close-window')).toEqual({ visible: false, destroyed: true });
    expect(await a.exited).toBe(0);
    expect(existsSync(h.controlSocket)).toBe(false);
  }, 120_000);
});

describe.skipIf(!haveContainerd)('the Electron composition with real containerd', () => {
  it.skipIf(!canRunContainers().ok || !canRunRegistry().ok)(
    'pulls an image: its layers go through the thread started from dist/pull-thread.cjs beside the bundle',
    async () => {
      const reg = await startRegistry();
      const dir = mkdtempSync('/tmp/cde-img-');
      try {
        // Over the 8 MiB below which a pull writes its blobs without the thread.
        const img = buildLayoutImage(dir, { randomLayers: 2, layerBytes: 5 << 20 });
        reg.push(img.layout, 'x/composed:1');
        const a = launch(home({ autoStart: true, onQuit: 'stop', containerdPath: CONTAINERD }));
        await trayMenu(a, /^Running/);
        const st = await status(a);
        const ns = `composed-${process.pid}`;
        const ref = `${reg.host}/x/composed:1`;
        const r = await pageInvoke<PullResult>(a, 'image:pull', {
          namespace: ns,
          ref,
          pullId: `composed-${process.pid}`,
        });
        expect(r, JSON.stringify(r)).toMatchObject({ ok: true, value: { name: ref } });
        expect(ctr(st.paths.socket, ns, ['images', 'ls', '-q'])).toContain(ref);
        await a.request('quit');
        expect(await a.exited).toBe(0);
      } finally {
        await reg.stop();
        rmSync(dir, { recursive: true, force: true });
      }
    },
    180_000,
  );

  it('autoStart → running; tray Stop and Start; quit with onQuit "stop" stops containerd', async () => {
    const h = home({ autoStart: true, onQuit: 'stop', containerdPath: CONTAINERD });
    const a = launch(h);
    const running = summary(await trayMenu(a, /^Running/));
    expect(running.enabled).toMatchObject({ start: false, stop: true, restart: true, quit: true });
    const st = await status(a);
    expect(st.state).toBe('running');
    const pid = st.pid!;
    expect(alive(pid)).toBe(true);

    const stop = a.recs.length;
    await a.request('tray-click', { id: 'stop' });
    const stopped = summary(await trayMenu(a, /^Stopped/, stop));
    expect(stopped.enabled).toMatchObject({ start: true, stop: false, restart: false });
    await gone(pid, 'containerd after tray Stop');

    const start = a.recs.length;
    await a.request('tray-click', { id: 'start' });
    await trayMenu(a, /^Running/, start);
    const st2 = await status(a);
    expect(st2.pid).not.toBe(pid);
    expect(existsSync(st2.paths.pidfile)).toBe(true);

    // Close hides to the tray; quit then stops containerd before the process leaves.
    expect(await a.request('close-window')).toEqual({ visible: false, destroyed: false });
    await a.request('quit');
    expect(await a.exited).toBe(0);
    expect(a.last('quit')).toMatchObject({ prevented: true });
    expect(alive(st2.pid!)).toBe(false);
    expect(existsSync(st2.paths.pidfile)).toBe(false);
    const log = readFileSync(join(h.userData, 'logs', 'main.log'), 'utf8');
    expect(log).toContain('quitting: stopping containerd');
  }, 180_000);

  it('quit with onQuit "leave-running" leaves containerd for the next launch to adopt', async () => {
    const h = home({ autoStart: true, onQuit: 'leave-running', containerdPath: CONTAINERD });
    const a = launch(h);
    await trayMenu(a, /^Running/);
    const st = await status(a);
    await a.request('quit');
    expect(await a.exited).toBe(0);
    expect(alive(st.pid!)).toBe(true);
    expect(existsSync(st.paths.pidfile)).toBe(true);
    expect(readFileSync(join(h.userData, 'logs', 'main.log'), 'utf8')).toContain(
      'leaving containerd running',
    );

    // The next launch adopts it (same pid), and quitting with "stop" cleans it up.
    const settings = JSON.parse(readFileSync(h.settingsFile, 'utf8')) as object;
    writeFileSync(h.settingsFile, JSON.stringify({ ...settings, onQuit: 'stop' }));
    const b = launch(h);
    const adopted = summary(await trayMenu(b, /^Running.*adopted/));
    expect(adopted.enabled).toMatchObject({ stop: true, start: false });
    expect(await status(b)).toMatchObject({ state: 'running', adopted: true, pid: st.pid });
    await b.request('quit');
    expect(await b.exited).toBe(0);
    await gone(st.pid!, 'the adopted containerd after quit');
    expect(existsSync(st.paths.pidfile)).toBe(false);
  }, 180_000);
});
