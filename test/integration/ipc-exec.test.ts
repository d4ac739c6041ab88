// Exec over Electron IPC (the window's terminal transport) without the Electron binary: the real
// main-side handlers (main/electron/ipc-exec.ts) and the real preload port (preload/exec-port.ts)
// joined by an in-process stand-in for ipcMain / ipcRenderer / webContents, against real containerd.
import { EventEmitter } from 'node:events';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { Result } from '../../common/contract';
import {
  encodeFrame,
  EXEC_START,
  EXEC_WINDOW_BYTES,
  type ExecStarted,
  type ServerFrame,
} from '../../common/exec-stream';
import { ipcStreamOpener } from '../../common/ipc-exec';
import { IPC_TRANSPORT, registerExecIpc } from '../../main/electron/ipc-exec';
import { createService } from '../../main/service/service';
import { createSettingsStore } from '../../main/service/settings-store';
import { execPort } from '../../preload/exec-port';
import { headlessInfo } from '../helpers/cli-io';
import { requireContainerd, until } from '../helpers/engine';
import { removeBuiltImage, startInside } from '../helpers/inside-fixture';
import { canRunContainers, ctr } from '../helpers/oci-image';

const have = requireContainerd();
const can = canRunContainers();
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});
afterAll(() => removeBuiltImage());

/** A page: its webContents as main sees it, and the preload's ipcRenderer bound to it. */
class Page extends EventEmitter {
  static next = 1;
  readonly id = Page.next++;
  readonly rendererListeners = new EventEmitter();
  destroyed = false;
  mainFrame = { url: 'file:///app/index.html' };
  constructor(private readonly ipcMain: FakeIpcMain) {
    super();
  }
  send(channel: string, text: string) {
    this.rendererListeners.emit(channel, { sender: null }, text);
  }
  isDestroyed() {
    return this.destroyed;
  }
  destroy() {
    this.destroyed = true;
    this.emit('destroyed');
  }
  /** What the preload gets as `ipcRenderer`; `frame` says which frame sends (main or an iframe). */
  ipcRenderer(frame: { url: string } = this.mainFrame) {
    const event = () => ({ sender: this, senderFrame: frame });
    return {
      invoke: (channel: string, ...args: unknown[]) => this.ipcMain.invoke(channel, event(), args),
      send: (channel: string, ...args: unknown[]) =>
        void this.ipcMain.emit(channel, event(), ...args),
      on: (channel: string, fn: (...a: unknown[]) => void) => {
        this.rendererListeners.on(channel, fn);
        return this;
      },
      removeListener: (channel: string, fn: (...a: unknown[]) => void) => {
        this.rendererListeners.removeListener(channel, fn);
        return this;
      },
    };
  }
}
class FakeIpcMain extends EventEmitter {
  readonly handlers = new Map<string, (...a: unknown[]) => unknown>();
  handle(channel: string, fn: (...a: unknown[]) => unknown) {
    this.handlers.set(channel, fn);
  }
  removeHandler(channel: string) {
    this.handlers.delete(channel);
  }
  async invoke(channel: string, event: unknown, args: unknown[]) {
    const fn = this.handlers.get(channel);
    if (!fn) throw new Error(`No handler registered for '${channel}'`);
    return fn(event, ...args);
  }
}

async function setup() {
  const f = await startInside();
  cleanups.push(() => f.dispose());
  const logged: string[] = [];
  const service = createService({
    engine: f.engine,
    settings: createSettingsStore({ file: '/nonexistent/settings.json' }),
    info: headlessInfo,
    inside: f.inside,
    logInfo: (m) => logged.push(m),
  });
  const ipcMain = new FakeIpcMain();
  const off = registerExecIpc(ipcMain as never, {
    // The window's own page only (what senderAllowed decides in the app).
    isTrustedSender: (s) => s.isMainFrame && s.url.startsWith('file:///app/'),
    starter: service.execStarter(IPC_TRANSPORT),
  });
  cleanups.push(() => {
    off();
    service.dispose();
  });
  const page = new Page(ipcMain);
  // What the page's transport does with window.cdesk.exec.
  const open = ipcStreamOpener(execPort(page.ipcRenderer() as never));
  return { f, logged, page, open, ipcMain };
}

/** Open a stream; collect its output (acking it unless told not to) and frames. */
function session(
  open: ReturnType<typeof ipcStreamOpener>,
  payload: object,
  opts: { ack?: boolean } = {},
) {
  const frames: ServerFrame[] = [];
  let out = '';
  let received = 0;
  let send: (text: string) => boolean = () => false;
  let stream: number | string = -1;
  const s = open(EXEC_START, payload, (fr) => {
    frames.push(fr);
    if (fr.op !== 'out') return;
    const b = Buffer.from(fr.data, 'base64');
    received += b.length;
    out += b.toString();
    if (opts.ack !== false) send(encodeFrame({ stream: fr.stream, op: 'ack', bytes: b.length }));
  });
  send = s.send;
  const started = s.result.then((r) => {
    if (r.ok) stream = (r.value as ExecStarted).stream;
    return r as Result<ExecStarted>;
  });
  return {
    started,
    frames,
    out: () => out,
    received: () => received,
    send: (text: string) => s.send(text),
    type: (text: string) =>
      s.send(encodeFrame({ stream, op: 'in', data: Buffer.from(text).toString('base64') })),
    ack: (bytes: number) => s.send(encodeFrame({ stream, op: 'ack', bytes })),
    stream: () => stream,
  };
}

describe.skipIf(!have || !can.ok)('exec over Electron IPC', () => {
  it('runs a tty shell through the preload port: output, stdin, resize, exit code, logged', async () => {
    const { f, logged, open } = await setup();
    const id = `ipc-exec-${process.pid}`;
    ctr(f.socket, 'default', ['run', '-d', f.img.name, id]);
    const t = session(open, {
      namespace: 'default',
      id,
      args: ['sh'],
      tty: true,
      stdin: true,
      cols: 80,
      rows: 24,
    });
    const r = await t.started;
    expect(r).toMatchObject({ ok: true });
    if (!r.ok) return;
    expect(r.value.pid).toBeGreaterThan(0);
    expect(logged.at(-1)).toBe(
      `exec via electron-ipc: container default/${id}: ["sh"] (tty; stdin)`,
    );
    t.send(encodeFrame({ stream: t.stream(), op: 'resize', cols: 91, rows: 17 }));
    await new Promise((res) => setTimeout(res, 200));
    t.type('\x15echo $((6*7)); stty size\r');
    await until(() => /\r\n42\r\n17 91\r\n/.test(t.out()), 10_000, 'answers');
    t.type('exit 5\r');
    await until(() => t.frames.some((x) => x.op === 'end'), 10_000, 'end');
    expect(t.frames.at(-1)).toEqual({
      stream: t.stream(),
      op: 'end',
      end: { kind: 'exit', code: 5 },
    });
  });

  it('holds output at the credit window until the page acknowledges it', async () => {
    const { f, open } = await setup();
    const id = `ipc-credit-${process.pid}`;
    ctr(f.socket, 'default', ['run', '-d', f.img.name, id]);
    const total = 4 * EXEC_WINDOW_BYTES;
    const t = session(
      open,
      { namespace: 'default', id, args: ['busybox', 'head', '-c', String(total), '/dev/zero'] },
      { ack: false },
    );
    const st = await t.started;
    if (!st.ok) throw new Error(JSON.stringify(st.error));
    await until(() => t.received() >= EXEC_WINDOW_BYTES, 10_000, 'a window of output');
    await new Promise((res) => setTimeout(res, 500));
    // The process is paused: what came is the window plus what was in flight, not the whole output.
    expect(t.received()).toBeLessThan(total);
    expect(t.frames.some((x) => x.op === 'end')).toBe(false);
    // Acknowledge as it comes: the rest flows and the process ends.
    let acked = 0;
    await until(
      () => {
        if (t.received() > acked) {
          t.ack(t.received() - acked);
          acked = t.received();
        }
        return t.frames.some((x) => x.op === 'end');
      },
      20_000,
      'all output',
    );
    expect(t.received()).toBe(total);
  });

  it('a page that goes away takes its exec processes with it', async () => {
    const { f, open, page } = await setup();
    const id = `ipc-gone-${process.pid}`;
    ctr(f.socket, 'default', ['run', '-d', f.img.name, id]);
    const t = session(open, { namespace: 'default', id, args: ['sleep', '1000'] });
    expect(await t.started).toMatchObject({ ok: true });
    const alive = () => ctr(f.socket, 'default', ['tasks', 'ps', id]).includes('cdesk-exec-');
    expect(alive()).toBe(true);
    page.destroy();
    await until(() => !alive(), 10_000, 'exec gone after the page went away');
  });

  it('refuses a sub-frame and a bad payload, naming the field; nothing starts', async () => {
    const { f, page, logged } = await setup();
    const id = `ipc-bad-${process.pid}`;
    ctr(f.socket, 'default', ['run', '-d', f.img.name, id]);
    const fromIframe = ipcStreamOpener(
      execPort(page.ipcRenderer({ url: 'https://evil.example/' }) as never),
    );
    const r1 = await session(fromIframe, { namespace: 'default', id, args: ['sh'] }).started;
    expect(r1).toMatchObject({ ok: false, error: { code: 'forbidden-sender' } });
    const open = ipcStreamOpener(execPort(page.ipcRenderer() as never));
    const r2 = await session(open, { namespace: 'default', id, args: [], cwd: 'rel' }).started;
    expect(r2.ok).toBe(false);
    if (r2.ok) return;
    expect(r2.error.code).toBe('bad-payload');
    expect(r2.error.message).toMatch(
      /args: give the command to run; cwd: must be an absolute path/,
    );
    expect(logged.filter((l) => l.startsWith('exec via'))).toEqual([]);
    expect(ctr(f.socket, 'default', ['tasks', 'ps', id])).not.toContain('cdesk-exec-');
  });
});
