// Exec over the headless WebSocket bridge (the page's terminal transport), against real containerd.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { encodeFrame, parseServerFrame, type ServerFrame } from '../../common/exec-stream';
import { createWsBridge, type WsBridge } from '../../main/headless/ws-bridge';
import { createService } from '../../main/service/service';
import { createSettingsStore } from '../../main/service/settings-store';
import { headlessInfo } from '../helpers/cli-io';
import { requireContainerd, until } from '../helpers/engine';
import { removeBuiltImage, startInside, type InsideFixture } from '../helpers/inside-fixture';
import { canRunContainers, ctr } from '../helpers/oci-image';

const have = requireContainerd();
const can = canRunContainers();
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});
afterAll(() => removeBuiltImage());

async function setup(): Promise<{ f: InsideFixture; url: string; logged: string[] }> {
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
  const bridge: WsBridge = createWsBridge({ service });
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  wss.on('connection', (ws) => bridge.accept(ws));
  await new Promise((r) => wss.once('listening', r));
  cleanups.push(() => {
    bridge.close();
    service.dispose();
    return new Promise<void>((r) => wss.close(() => r()));
  });
  const port = (wss.address() as { port: number }).port;
  return { f, url: `ws://127.0.0.1:${port}`, logged };
}

describe.skipIf(!have || !can.ok)('exec over the WebSocket bridge', () => {
  it('runs a tty shell: output, stdin, resize, exit code; closing the socket kills the process', async () => {
    const { f, url, logged } = await setup();
    const id = `ws-exec-${process.pid}`;
    ctr(f.socket, 'default', ['run', '-d', f.img.name, id]);
    const ws = new WebSocket(url);
    await new Promise((r) => ws.once('open', r));
    const frames: ServerFrame[] = [];
    let reply: unknown = null;
    let out = '';
    ws.on('message', (d) => {
      const text = d.toString();
      const fr = parseServerFrame(text);
      if (!fr) {
        const m = JSON.parse(text) as { id?: unknown };
        if (m.id !== undefined) reply = m; // events (log lines…) flow on the same socket
        return;
      }
      frames.push(fr);
      if (fr.op === 'out') {
        const b = Buffer.from(fr.data, 'base64');
        out += b.toString();
        ws.send(encodeFrame({ stream: 1, op: 'ack', bytes: b.length }));
      }
    });
    ws.send(
      JSON.stringify({
        id: 1,
        cmd: 'exec:start',
        payload: {
          namespace: 'default',
          id,
          args: ['sh'],
          tty: true,
          stdin: true,
          cols: 0,
          rows: 0,
        },
      }),
    );
    await until(() => reply !== null, 10_000, 'start reply');
    expect(reply).toMatchObject({ id: 1, result: { ok: true, value: { stream: 1 } } });
    expect(logged.at(-1)).toBe(`exec via websocket: container default/${id}: ["sh"] (tty; stdin)`);
    const type = (s: string) =>
      ws.send(encodeFrame({ stream: 1, op: 'in', data: Buffer.from(s).toString('base64') }));
    ws.send(encodeFrame({ stream: 1, op: 'resize', cols: 0, rows: 0 })); // ignored, not an error
    ws.send(encodeFrame({ stream: 1, op: 'resize', cols: 77, rows: 22 }));
    await new Promise((r) => setTimeout(r, 200));
    type('\x15echo $((6*7)); stty size\r');
    await until(() => /\r\n42\r\n22 77\r\n/.test(out), 10_000, 'answers');
    type('exit 5\r');
    await until(() => frames.some((x) => x.op === 'end'), 10_000, 'end');
    expect(frames.at(-1)).toEqual({ stream: 1, op: 'end', end: { kind: 'exit', code: 5 } });

    // A second session left running: closing the page's socket kills it.
    reply = null;
    ws.send(
      JSON.stringify({
        id: 2,
        cmd: 'exec:start',
        payload: { namespace: 'default', id, args: ['sleep', '1000'] },
      }),
    );
    await until(() => reply !== null, 10_000, 'second start');
    const pid = (reply as { result: { value: { pid: number } } }).result.value.pid;
    expect(pid).toBeGreaterThan(0);
    ws.close();
    const alive = () => ctr(f.socket, 'default', ['tasks', 'ps', id]).includes('cdesk-exec-');
    await until(() => !alive(), 10_000, 'exec gone after the socket closed');
  });

  it('refuses a bad payload naming the field', async () => {
    const { url } = await setup();
    const ws = new WebSocket(url);
    await new Promise((r) => ws.once('open', r));
    const got = new Promise<string>((r) =>
      ws.on('message', (d) => {
        if (d.toString().startsWith('{"id":9')) r(d.toString());
      }),
    );
    ws.send(
      JSON.stringify({
        id: 9,
        cmd: 'exec:start',
        payload: { namespace: 'default', id: 'x', args: [], cwd: 'rel' },
      }),
    );
    const r = JSON.parse(await got) as {
      result: { ok: boolean; error: { code: string; message: string } };
    };
    expect(r.result.ok).toBe(false);
    expect(r.result.error.code).toBe('bad-payload');
    expect(r.result.error.message).toMatch(
      /args: give the command to run; cwd: must be an absolute path/,
    );
    ws.close();
  });
});
