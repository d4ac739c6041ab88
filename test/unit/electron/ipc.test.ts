import { pathToFileURL } from 'node:url';
import { describe, expect, it, vi } from 'vitest';
import type { IpcMainInvokeEvent } from 'electron';
import { COMMAND_NAMES, type AnyEvent, type Result } from '../../../common/contract';
import {
  EVENT_CHANNEL,
  INVOKE_CHANNEL,
  forwardEvents,
  registerIpc,
  removeForeignIpc,
  senderAllowed,
  type IpcService,
} from '../../../main/electron/ipc';
import { appOrigins } from '../../../main/electron/origins';
import { PRELOAD_COMMAND_NAMES, isCommandName } from '../../../preload/command-names';

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

/** A fake ipcMain plus a way to invoke the registered handler as a given frame. */
function setup(
  handle: IpcService['handle'] = async (name) => ({ ok: true, value: { echoed: name } }),
) {
  const handlers = new Map<string, Handler>();
  const ipcMain = {
    handle: vi.fn((channel: string, fn: Handler) => void handlers.set(channel, fn)),
    removeHandler: vi.fn((channel: string) => void handlers.delete(channel)),
  };
  const service = { handle: vi.fn(handle) };
  const dispose = registerIpc(ipcMain as never, service, {
    isTrustedSender: (s) => senderAllowed(s, ORIGINS),
  });
  const mainFrame = { url: INDEX };
  const invoke = (args: unknown[], frame: { url: string } | null = mainFrame, top = mainFrame) => {
    const fn = handlers.get(INVOKE_CHANNEL);
    if (!fn) throw new Error('no handler');
    const event = {
      sender: { mainFrame: top },
      senderFrame: frame,
    } as unknown as IpcMainInvokeEvent;
    return fn(event, ...args) as Promise<Result<unknown>>;
  };
  return { ipcMain, service, dispose, invoke, handlers, mainFrame };
}

describe('registerIpc', () => {
  it('registers one handler on contract:invoke and removes it on dispose', () => {
    const { ipcMain, dispose, handlers } = setup();
    expect(ipcMain.handle).toHaveBeenCalledTimes(1);
    expect([...handlers.keys()]).toEqual(['contract:invoke']);
    dispose();
    expect(handlers.size).toBe(0);
  });

  it('passes a good command from the main frame to the service with the parsed payload', async () => {
    const { service, invoke } = setup();
    const r = await invoke(['logs:read', { level: 'warn', limit: 10 }]);
    expect(r).toEqual({ ok: true, value: { echoed: 'logs:read' } });
    expect(service.handle).toHaveBeenCalledWith('logs:read', { level: 'warn', limit: 10 });
  });

  it('treats a missing payload as empty', async () => {
    const { service, invoke } = setup();
    await invoke(['daemon:status']);
    expect(service.handle).toHaveBeenCalledWith('daemon:status', {});
  });

  it('rejects an iframe sender with forbidden-sender and never calls the service', async () => {
    const { service, invoke } = setup();
    const iframe = { url: INDEX };
    const r = await invoke(['daemon:stop', {}], iframe);
    expect(r).toMatchObject({ ok: false, error: { code: 'forbidden-sender' } });
    expect(service.handle).not.toHaveBeenCalled();
  });

  it('rejects a main frame from another origin', async () => {
    const { service, invoke } = setup();
    const evil = { url: 'http://evil/' };
    const r = await invoke(['daemon:stop', {}], evil, evil);
    expect(r).toMatchObject({ ok: false, error: { code: 'forbidden-sender' } });
    expect(service.handle).not.toHaveBeenCalled();
  });

  it('rejects a sender whose frame is gone', async () => {
    const { invoke } = setup();
    const r = await invoke(['daemon:status', {}], null);
    expect(r).toMatchObject({ ok: false, error: { code: 'forbidden-sender' } });
  });

  it('rejects an unknown command as data', async () => {
    const { service, invoke } = setup();
    const r = await invoke(['shell:exec', { cmd: 'rm -rf /' }]);
    expect(r).toMatchObject({ ok: false, error: { code: 'unknown-command' } });
    expect(service.handle).not.toHaveBeenCalled();
  });

  it('rejects a bad payload as data, naming the field', async () => {
    const { service, invoke } = setup();
    const r = await invoke(['logs:read', { limit: -1 }]);
    expect(r).toMatchObject({
      ok: false,
      error: { code: 'bad-payload', fields: [{ field: 'limit' }] },
    });
    expect(service.handle).not.toHaveBeenCalled();
  });

  it('rejects extra payload keys', async () => {
    const { invoke } = setup();
    const r = await invoke(['daemon:start', { force: true }]);
    expect(r).toMatchObject({ ok: false, error: { code: 'bad-payload' } });
  });

  it('returns service errors as data unchanged', async () => {
    const err = {
      ok: false as const,
      error: { code: 'not-running', message: 'no daemon', hint: 'start it' },
    };
    const { invoke } = setup(async () => err);
    expect(await invoke(['daemon:stop', {}])).toEqual(err);
  });

  it('turns a throwing service into an internal error result', async () => {
    const { invoke } = setup(async () => {
      throw new Error('boom');
    });
    const r = await invoke(['daemon:start', {}]);
    expect(r).toMatchObject({
      ok: false,
      error: { code: 'internal', message: 'daemon:start failed: boom' },
    });
  });
});

describe('removeForeignIpc', () => {
  it("drops electron-log's listeners and handler so only the contract channel remains", () => {
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

  it('sends every event to the window on contract:event', () => {
    const svc = fakeService();
    const wc = { send: vi.fn(), isDestroyed: () => false };
    forwardEvents(svc, () => wc);
    svc.emit(event);
    expect(wc.send).toHaveBeenCalledWith(EVENT_CHANNEL, event);
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

describe('preload command names', () => {
  it('match the contract exactly', () => {
    expect([...PRELOAD_COMMAND_NAMES].sort()).toEqual([...COMMAND_NAMES].sort());
  });

  it.each(['__proto__', 'toString', 'constructor', 'hasOwnProperty', '', 'daemon:Start', 42, null])(
    'refuse %j',
    (name) => {
      expect(isCommandName(name)).toBe(false);
    },
  );
});
