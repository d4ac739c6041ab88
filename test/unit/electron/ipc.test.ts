import { pathToFileURL } from 'node:url';
import { describe, expect, it, vi } from 'vitest';
import type { IpcMainInvokeEvent } from 'electron';
import {
  COMMAND_NAMES,
  type AnyEvent,
  type AppInfo,
  type CommandName,
  type Result,
} from '../../../common/contract';
import { IPC_COMMANDS_CHANNEL, IPC_EVENT_CHANNEL, ipcChannel } from '../../../common/rpc';
import { createService } from '../../../main/service/service';
import { createSettingsStore } from '../../../main/service/settings-store';
import {
  forwardEvents,
  invokeReply,
  registerIpc,
  removeForeignIpc,
  senderAllowed,
  type IpcService,
} from '../../../main/electron/ipc';
import { appOrigins } from '../../../main/electron/origins';
import { FakeEngine, line } from '../service/fake-engine';

const APP_DIR = '/opt/Containerd Desktop/resources/app.asar/dist/renderer';
const INDEX = `file://${encodeURI(APP_DIR)}/index.html`;
const ORIGINS = appOrigins({ rendererDir: APP_DIR, devServerUrl: 'http://localhost:5173/' });

describe('senderAllowed', () => {
  it('accepts the main frame of the packaged renderer', () => {
    expect(senderAllowed({ isMainFrame: true, url: INDEX }, ORIGINS)).toBe(true);
  });

  it('accepts the main frame of the loopback dev server', () => {
    expect(senderAllowed({ isMainFrame: true, url: 'http://localhost:5173/#/logs' }, ORIGINS)).toBe(
      true,
    );
  });

  it.each([
    ['an iframe of our own page', { isMainFrame: false, url: INDEX }],
    ['another origin', { isMainFrame: true, url: 'https://example.com/' }],
    ['http://evil', { isMainFrame: true, url: 'http://evil/' }],
    ['the dev server on another port', { isMainFrame: true, url: 'http://localhost:5174/' }],
    ['a lookalike host', { isMainFrame: true, url: 'http://localhost.evil.com:5173/' }],
    ['a file outside the app dir', { isMainFrame: true, url: 'file:///tmp/evil.html' }],
    [
      'a sibling dir sharing the prefix',
      { isMainFrame: true, url: `file://${encodeURI(APP_DIR)}-evil/index.html` },
    ],
    ['a ../ escape', { isMainFrame: true, url: `file://${encodeURI(APP_DIR)}/../../secret.html` }],
    [
      'a file URL with a host',
      { isMainFrame: true, url: `file://evil${encodeURI(APP_DIR)}/index.html` },
    ],
    ['devtools', { isMainFrame: true, url: 'devtools://devtools/bundled/devtools_app.html' }],
    ['about:blank', { isMainFrame: true, url: 'about:blank' }],
    ['a data: URL', { isMainFrame: true, url: 'data:text/html,<script>1</script>' }],
    ['a gone frame', { isMainFrame: false, url: '' }],
    ['garbage', { isMainFrame: true, url: 'not a url' }],
  ])('rejects %s', (_name, sender) => {
    expect(senderAllowed(sender, ORIGINS)).toBe(false);
  });

  it('accepts a renderer dir whose path needs escaping (# ? %)', () => {
    const dir = '/home/a#b/c?d/100%/renderer';
    const origins = appOrigins({ rendererDir: dir });
    const url = pathToFileURL(`${dir}/index.html`).href;
    expect(senderAllowed({ isMainFrame: true, url }, origins)).toBe(true);
    expect(senderAllowed({ isMainFrame: true, url: 'file:///home/a' }, origins)).toBe(false);
  });

  it('does not trust a non-loopback dev server at all', () => {
    const origins = appOrigins({ rendererDir: APP_DIR, devServerUrl: 'http://192.168.1.5:5173' });
    expect(senderAllowed({ isMainFrame: true, url: 'http://192.168.1.5:5173/' }, origins)).toBe(
      false,
    );
  });
});

type Handler = (event: IpcMainInvokeEvent, ...args: unknown[]) => Promise<unknown>;

const info = (): AppInfo => ({
  appVersion: 't',
  controlSocket: null,
  logsDir: '/',
  settingsFile: '/s',
  mode: 'electron',
});

/** A fake ipcMain over the real service (FakeEngine), and a way to invoke a channel as a given frame. */
function setup(handle?: IpcService['handle']) {
  const handlers = new Map<string, Handler>();
  const ipcMain = {
    handle: vi.fn((channel: string, fn: Handler) => void handlers.set(channel, fn)),
    removeHandler: vi.fn((channel: string) => void handlers.delete(channel)),
  };
  const engine = new FakeEngine();
  const real = createService({
    engine,
    settings: createSettingsStore({ file: '/nonexistent/cdesk-ipc-test/settings.json' }),
    info,
  });
  const service = { handle: vi.fn(handle ?? real.handle) };
  const dispose = registerIpc(ipcMain as never, service, {
    isTrustedSender: (s) => senderAllowed(s, ORIGINS),
  });
  const mainFrame = { url: INDEX };
  const call = (
    channel: string,
    args: unknown[],
    frame: { url: string } | null = mainFrame,
    top = mainFrame,
  ) => {
    const fn = handlers.get(channel);
    if (!fn) throw new Error(`no handler for ${channel}`);
    const event = {
      sender: { mainFrame: top },
      senderFrame: frame,
    } as unknown as IpcMainInvokeEvent;
    return fn(event, ...args);
  };
  /** Invoke a command the way the preload does; the reply is the envelope's text. */
  const invoke = async (
    name: CommandName,
    payload?: unknown,
    frame?: { url: string } | null,
    top?: { url: string },
  ) => {
    const text = await call(ipcChannel(name), payload === undefined ? [] : [payload], frame, top);
    expect(typeof text).toBe('string');
    return (JSON.parse(text as string) as { result: Result<unknown> }).result;
  };
  return { ipcMain, service, engine, dispose, invoke, call, handlers, mainFrame };
}

describe('registerIpc', () => {
  it('registers one handler per contract command (plus the command list) and removes them all', () => {
    const { dispose, handlers } = setup();
    expect([...handlers.keys()].sort()).toEqual(
      [...COMMAND_NAMES.map(ipcChannel), IPC_COMMANDS_CHANNEL].sort(),
    );
    dispose();
    expect(handlers.size).toBe(0);
  });

  it('lists the commands to a trusted sender only', async () => {
    const { call } = setup();
    expect(await call(IPC_COMMANDS_CHANNEL, [])).toEqual(COMMAND_NAMES);
    const evil = { url: 'http://evil/' };
    expect(await call(IPC_COMMANDS_CHANNEL, [], evil, evil)).toEqual([]);
  });

  it("passes a command from the main frame to the service under its channel's name", async () => {
    const { service, engine, invoke } = setup();
    engine.logs = [line(1, 'warn')];
    const r = await invoke('logs:read', { level: 'warn', limit: 10 });
    expect(r).toMatchObject({ ok: true, value: { lines: [{ seq: 1 }] } });
    expect(service.handle).toHaveBeenCalledWith('logs:read', { level: 'warn', limit: 10 });
  });

  it('treats a missing payload as empty', async () => {
    const { invoke } = setup();
    expect(await invoke('daemon:status')).toMatchObject({ ok: true, value: { state: 'stopped' } });
  });

  it('rejects an iframe sender with forbidden-sender and never calls the service', async () => {
    const { service, invoke } = setup();
    const r = await invoke('daemon:stop', {}, { url: INDEX });
    expect(r).toMatchObject({ ok: false, error: { code: 'forbidden-sender' } });
    expect(service.handle).not.toHaveBeenCalled();
  });

  it('rejects a main frame from another origin', async () => {
    const { service, invoke } = setup();
    const evil = { url: 'http://evil/' };
    const r = await invoke('daemon:stop', {}, evil, evil);
    expect(r).toMatchObject({ ok: false, error: { code: 'forbidden-sender' } });
    expect(service.handle).not.toHaveBeenCalled();
  });

  it('rejects a sender whose frame is gone', async () => {
    const { invoke } = setup();
    const r = await invoke('daemon:status', {}, null);
    expect(r).toMatchObject({ ok: false, error: { code: 'forbidden-sender' } });
  });

  it('has no channel for anything outside the contract', () => {
    const { handlers } = setup();
    expect(handlers.has(ipcChannel('shell:exec' as CommandName))).toBe(false);
  });

  it('rejects a bad payload as data, naming the field, and runs nothing', async () => {
    const { engine, invoke } = setup();
    const r = await invoke('logs:read', { limit: -1 });
    expect(r).toMatchObject({
      ok: false,
      error: { code: 'bad-payload', fields: [{ field: 'limit' }] },
    });
    expect(engine.calls).toEqual([]);
  });

  it('rejects extra payload keys', async () => {
    const { invoke } = setup();
    const r = await invoke('daemon:start', { force: true });
    expect(r).toMatchObject({ ok: false, error: { code: 'bad-payload' } });
  });

  it('returns service errors as data unchanged', async () => {
    const err = {
      ok: false as const,
      error: { code: 'busy' as const, message: 'no daemon', hint: 'start it' },
    };
    const { invoke } = setup(async () => err);
    expect(await invoke('daemon:stop', {})).toEqual(err);
  });

  it('turns a throwing service into an internal error result', async () => {
    const { invoke } = setup(async () => {
      throw new Error('boom');
    });
    expect(await invoke('daemon:start', {})).toMatchObject({
      ok: false,
      error: { code: 'internal', message: 'internal error: boom' },
    });
  });

  it('bounds the reply like every transport: over the cap is reply-too-large', async () => {
    const event = {
      sender: { mainFrame: null },
      senderFrame: null,
    } as unknown as IpcMainInvokeEvent;
    const text = await invokeReply(
      { handle: async () => ({ ok: true, value: 'x'.repeat(10_000) }) },
      { isTrustedSender: () => true },
      event,
      'settings:get',
      {},
      4096,
    );
    expect(JSON.parse(text)).toMatchObject({
      result: { ok: false, error: { code: 'reply-too-large' } },
    });
  });
});

describe('removeForeignIpc', () => {
  it("drops electron-log's listeners and handler so only the contract channels remain", () => {
    const ipcMain = { removeAllListeners: vi.fn(), removeHandler: vi.fn() };
    removeForeignIpc(ipcMain as never);
    expect(ipcMain.removeAllListeners).toHaveBeenCalledWith('__ELECTRON_LOG__');
    expect(ipcMain.removeHandler).toHaveBeenCalledWith('__ELECTRON_LOG__');
  });
});

describe('forwardEvents', () => {
  const event: AnyEvent = { event: 'logs:lines', payload: { lines: [] } };

  function fakeService() {
    const listeners = new Set<(e: AnyEvent) => void>();
    return {
      subscribe: (fn: (e: AnyEvent) => void) => {
        listeners.add(fn);
        return () => void listeners.delete(fn);
      },
      emit: (e: AnyEvent) => listeners.forEach((fn) => fn(e)),
    };
  }

  it('sends every event to the window on the event channel, as the envelope text', () => {
    const svc = fakeService();
    const wc = { send: vi.fn(), isDestroyed: () => false };
    forwardEvents(svc, () => wc);
    svc.emit(event);
    expect(wc.send).toHaveBeenCalledWith(IPC_EVENT_CHANNEL, JSON.stringify(event));
  });

  it('splits a big log batch into bounded frames', () => {
    const svc = fakeService();
    const wc = { send: vi.fn(), isDestroyed: () => false };
    forwardEvents(svc, () => wc, 4096);
    const lines = Array.from({ length: 50 }, (_, i) => ({ ...line(i + 1), raw: 'r'.repeat(300) }));
    svc.emit({ event: 'logs:lines', payload: { lines } });
    const frames = wc.send.mock.calls.map((c) => c[1] as string);
    expect(frames.length).toBeGreaterThan(1);
    for (const f of frames) expect(Buffer.byteLength(f)).toBeLessThanOrEqual(4096);
    const seqs = frames.flatMap((f) =>
      (JSON.parse(f).payload.lines as { seq: number }[]).map((l) => l.seq),
    );
    expect(seqs).toEqual(lines.map((l) => l.seq));
  });

  it('drops events while there is no live window, and stops after unsubscribe', () => {
    const svc = fakeService();
    const dead = { send: vi.fn(), isDestroyed: () => true };
    let target: typeof dead | null = null;
    const off = forwardEvents(svc, () => target);
    svc.emit(event);
    target = dead;
    svc.emit(event);
    off();
    target = { send: vi.fn(), isDestroyed: () => false };
    svc.emit(event);
    expect(dead.send).not.toHaveBeenCalled();
    expect(target.send).not.toHaveBeenCalled();
  });
});
