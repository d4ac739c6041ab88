// The Electron composition (dist/electron-main.js) run under plain Node with a recording stand-in
// for `electron` (test/fixtures/electron-stub): single-instance lock, window web preferences, an IPC
// handler per contract command, the tray menu per state, close-to-tray, and quit → stop or leave
// running per setting — against real containerd.
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { COMMAND_NAMES } from '../../common/contract';
import { IPC_COMMANDS_CHANNEL, ipcChannel } from '../../common/rpc';
import type { DaemonStatus } from '../../common/states';
import { requireContainerd } from '../helpers/engine';
import { cdesk, ensureBuilt, ROOT, waitFor } from '../helpers/serve';

const have = requireContainerd();
const MAIN = join(ROOT, 'dist', 'electron-main.js');
const STUB = join(ROOT, 'test', 'fixtures', 'electron-stub', 'register.mjs');

type Rec = { type: string } & Record<string, unknown>;

interface App {
  child: ChildProcess;
  recs: Rec[];
  dir: string;
  control: string;
  exited: Promise<number | null>;
  send(msg: object): void;
  find(type: string, pred?: (r: Rec) => boolean): Rec | undefined;
}

const started: App[] = [];

function launch(opts: { lock?: boolean; settings?: object } = {}): App {
  if (!existsSync(MAIN)) ensureBuilt();
  const dir = mkdtempSync('/tmp/cde-');
  const config = join(dir, 'config');
  mkdirSync(join(config, 'containerd-desktop'), { recursive: true });
  writeFileSync(
    join(config, 'containerd-desktop', 'settings.json'),
    JSON.stringify({ stateDir: join(dir, 's'), rootDir: join(dir, 'r'), ...opts.settings }),
  );
  const child = fork(MAIN, [], {
    execArgv: ['--import', STUB],
    env: {
      ...process.env,
      CDESK_FAKE_LOCK: opts.lock === false ? '0' : '1',
      CDESK_FAKE_HOME: dir,
      XDG_CONFIG_HOME: config,
      XDG_RUNTIME_DIR: join(dir, 'run'),
      XDG_STATE_HOME: join(dir, 'state'),
      XDG_DATA_HOME: join(dir, 'data'),
      PATH: `/usr/bin:/bin:${process.env.PATH ?? ''}`,
    },
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  child.stderr?.resume();
  const recs: Rec[] = [];
  child.on('message', (m: { rec?: Rec }) => m.rec && recs.push(m.rec));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const app: App = {
    child,
    recs,
    dir,
    control: join(dir, 'run', 'containerd-desktop', 'control.sock'),
    exited,
    send: (msg) => child.send(msg),
    find: (type, pred = () => true) => recs.findLast((r) => r.type === type && pred(r)),
  };
  started.push(app);
  return app;
}

const status = async (a: App) =>
  JSON.parse((await cdesk(['status', '--json', '--control', a.control])).stdout) as DaemonStatus;
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
type Item = { label: string; enabled: boolean };
type Menu = { items: Item[] };
const item = (m: Menu, label: string) => m.items.find((i) => i.label === label);
/** The latest tray menu recorded after record `from` whose state line matches and that is settled. */
const menuFor = (a: App, state: RegExp, from = 0): Menu | undefined =>
  a.recs.slice(from).findLast(
    (r) =>
      r.type === 'tray-menu' &&
      state.test((r.items as Item[])[0]?.label ?? '') &&
      // A command in flight disables start/stop/restart; the settled menu has one enabled.
      (r.items as Item[]).some((i) => ['Start', 'Stop'].includes(i.label) && i.enabled),
  ) as Menu | undefined;

afterEach(async () => {
  for (const a of started.splice(0)) {
    if (a.child.exitCode === null) {
      a.child.kill('SIGKILL');
      await a.exited;
    }
    rmSync(a.dir, { recursive: true, force: true });
  }
});

describe.skipIf(!have)('the Electron main bundle under a stand-in electron', () => {
  it('exits at once when another instance holds the single-instance lock', async () => {
    const a = launch({ lock: false });
    expect(await a.exited).toBe(0);
    expect(a.find('single-instance-lock')).toMatchObject({ got: false });
    expect(a.find('window')).toBeUndefined();
    expect(a.find('ipc-handle')).toBeUndefined();
  });

  it('wires window, IPC, tray, close-to-tray, and quit stops containerd (onQuit "stop")', async () => {
    const a = launch({ settings: { onQuit: 'stop', autoStart: true } });
    await waitFor(() => a.find('window') !== undefined, 30_000, 'the window');
    const prefs = (a.find('window')!.options as { webPreferences: Record<string, unknown> })
      .webPreferences;
    expect(prefs).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
    });
    expect(String(prefs.preload)).toMatch(/preload\.cjs$/);

    // One IPC handler per contract command, plus the command list: nothing else.
    const channels = a.recs.filter((r) => r.type === 'ipc-handle').map((r) => r.channel);
    expect([...channels].sort()).toEqual(
      [...COMMAND_NAMES.map(ipcChannel), IPC_COMMANDS_CHANNEL].sort(),
    );

    // A command through a handler: answered for the app's own page, refused for another origin.
    const ask = async (id: number, url: string) => {
      a.send({ cmd: 'invoke', id, url, channel: ipcChannel('daemon:status'), payload: {} });
      await waitFor(() => a.find('reply', (r) => r.id === id) !== undefined, 10_000, 'a reply');
      return JSON.parse(a.find('reply', (r) => r.id === id)!.reply as string) as {
        result: { ok: boolean; error?: { code: string } };
      };
    };
    const page = pathToFileURL(join(ROOT, 'dist', 'renderer', 'index.html')).href;
    expect((await ask(1, page)).result.ok).toBe(true);
    expect((await ask(2, 'https://evil.example/')).result).toMatchObject({
      ok: false,
      error: { code: 'forbidden-sender' },
    });

    // autoStart: the tray follows the daemon to running.
    await waitFor(() => menuFor(a, /^Running/) !== undefined, 60_000, 'a "running" tray menu');
    const running = menuFor(a, /^Running/)!;
    expect(item(running, 'Start')?.enabled).toBe(false);
    expect(item(running, 'Stop')?.enabled).toBe(true);
    expect(item(running, 'Quit')?.enabled).toBe(true);
    const pid = (await status(a)).pid!;
    expect(alive(pid)).toBe(true);

    // Tray → Stop; the menu for "stopped" offers Start again.
    const beforeStop = a.recs.length;
    a.send({ cmd: 'tray-click', label: 'Stop' });
    await waitFor(
      () => menuFor(a, /^Stopped/, beforeStop) !== undefined,
      30_000,
      'a "stopped" tray menu',
    );
    const stopped = menuFor(a, /^Stopped/, beforeStop)!;
    expect(item(stopped, 'Start')?.enabled).toBe(true);
    expect(item(stopped, 'Stop')?.enabled).toBe(false);
    await waitFor(() => !alive(pid), 15_000, 'containerd gone after Stop');

    const beforeStart = a.recs.length;
    a.send({ cmd: 'tray-click', label: 'Start' });
    await waitFor(() => menuFor(a, /^Running/, beforeStart) !== undefined, 60_000, 'running again');
    const pid2 = (await status(a)).pid!;

    // Closing the window hides it to the tray; the app keeps running.
    a.send({ cmd: 'close-window' });
    await waitFor(() => a.find('window-close') !== undefined, 10_000, 'the close');
    expect(a.find('window-close')).toMatchObject({ prevented: true });
    expect(a.find('window-hide')).toBeDefined();
    expect(a.child.exitCode).toBeNull();

    // Quit with onQuit "stop": containerd is stopped before the process exits.
    a.send({ cmd: 'quit' });
    expect(await a.exited).toBe(0);
    expect(a.find('quit')).toMatchObject({ prevented: true });
    expect(alive(pid2)).toBe(false);
  }, 240_000);

  it('quit with onQuit "leave-running" leaves containerd running', async () => {
    const a = launch({ settings: { onQuit: 'leave-running', autoStart: true } });
    await waitFor(
      async () => existsSync(a.control) && (await status(a)).state === 'running',
      60_000,
      'running',
    );
    const pid = (await status(a)).pid!;
    a.send({ cmd: 'quit' });
    expect(await a.exited).toBe(0);
    expect(alive(pid)).toBe(true);
    // It was left for adoption; this test started it, so this test stops it.
    process.kill(pid, 'SIGTERM');
    await waitFor(() => !alive(pid), 20_000, 'containerd stopped by the test');
  }, 180_000);
});
