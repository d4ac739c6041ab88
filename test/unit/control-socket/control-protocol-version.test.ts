// A cdesk and an app from different builds: each side names both protocol versions instead of
// failing oddly. The old client is the real RpcCalls over a socket that never says hello, as
// every cdesk built before versions does.
import * as fsp from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { helloFrame, PROTOCOL_VERSION } from '../../../common/rpc';
import { RpcCalls } from '../../../common/rpc-client';
import { run as status } from '../../../main/cli/cmd-status';
import { connectControl } from '../../../main/control-socket/control-client';
import { lineSplitter } from '../../../main/control-socket/control-protocol';
import {
  startControlServer,
  type ControlServer,
} from '../../../main/control-socket/control-server';
import { createService, type Service } from '../../../main/service/service';
import { createSettingsStore } from '../../../main/service/settings-store';
import { captureIo, headlessInfo as info } from '../../helpers/cli-io';
import { FakeEngine } from '../service/fake-engine';

const mismatch = (cdesk: number, app: number) =>
  `this cdesk (protocol ${cdesk}) cannot talk to the running app (protocol ${app}): restart it or use the matching cdesk`;

let dir: string;
let sock: string;
let engine: FakeEngine;
let service: Service;
const closers: Array<() => Promise<void>> = [];

beforeEach(async () => {
  dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'cdesk-proto-'));
  sock = path.join(dir, 'run', 'control.sock');
  engine = new FakeEngine();
  service = createService({
    engine,
    settings: createSettingsStore({ file: path.join(dir, 's.json') }),
    info,
  });
});
afterEach(async () => {
  await Promise.all(closers.splice(0).map((c) => c()));
  service.dispose();
  await fsp.rm(dir, { recursive: true, force: true });
});

async function startServer(): Promise<ControlServer> {
  const s = await startControlServer({ path: sock, service, logError: () => undefined });
  closers.push(() => s.close());
  return s;
}

/** A connection that sends `first` and collects what comes back until the server closes it. */
async function exchange(first: string): Promise<{ lines: unknown[]; closed: boolean }> {
  const c = net.connect(sock);
  await new Promise((r, j) => c.once('connect', r).once('error', j));
  const lines: unknown[] = [];
  c.on(
    'data',
    lineSplitter(
      (l) => lines.push(JSON.parse(l)),
      () => undefined,
    ),
  );
  const closed = new Promise<boolean>((r) => c.once('close', () => r(true)));
  c.write(`${first}\n`);
  const timeout = new Promise<boolean>((r) => setTimeout(() => r(false), 3000));
  const done = await Promise.race([closed, timeout]);
  c.destroy();
  return { lines, closed: done };
}

/** A stand-in app that answers the first line it reads with `answer` (another build's app). */
async function fakeApp(answer: string): Promise<void> {
  await fsp.mkdir(path.dirname(sock), { recursive: true, mode: 0o700 });
  const server = net.createServer((c) => {
    c.on('error', () => undefined);
    c.once('data', () => c.write(`${answer}\n`));
  });
  await new Promise<void>((r) => server.listen(sock, r));
  closers.push(() => new Promise((r) => server.close(() => r())));
}

describe('control protocol version: an older or newer cdesk against this app', () => {
  it('says hello back with its version to a cdesk of the same protocol', async () => {
    await startServer();
    const c = await connectControl(sock);
    expect(await c.invoke('daemon:status', {})).toMatchObject({ ok: true });
    c.close();
  });

  it('tells a cdesk from before versions what is wrong, through its own error path, and runs nothing', async () => {
    await startServer();
    // The old client: no hello, straight to a request, replies matched by RpcCalls.
    const c = net.connect(sock);
    await new Promise((r, j) => c.once('connect', r).once('error', j));
    const calls = new RpcCalls();
    c.on(
      'data',
      lineSplitter(
        (l) => calls.receive(l),
        () => undefined,
      ),
    );
    const call = calls.start('daemon:start', {});
    c.write(`${call.frame}\n`);
    expect(await call.result).toEqual({
      ok: false,
      error: {
        code: 'bad-request',
        message: mismatch(0, PROTOCOL_VERSION),
        hint: expect.stringContaining('cdesk that came with the running app'),
      },
    });
    c.destroy();
    expect(engine.calls).toEqual([]);
  });

  it('refuses a newer cdesk naming both versions, then closes the connection', async () => {
    await startServer();
    const r = await exchange(helloFrame(PROTOCOL_VERSION + 1));
    expect(r.lines).toEqual([
      {
        id: null,
        result: {
          ok: false,
          error: expect.objectContaining({
            code: 'protocol-mismatch',
            message: mismatch(PROTOCOL_VERSION + 1, PROTOCOL_VERSION),
          }),
        },
      },
    ]);
    expect(r.closed).toBe(true);
  });
});

describe('control protocol version: this cdesk against an older or newer app', () => {
  it('reports a newer app by the version its hello names', async () => {
    await fakeApp(helloFrame(PROTOCOL_VERSION + 1));
    await expect(connectControl(sock)).rejects.toMatchObject({
      code: 'protocol-mismatch',
      message: mismatch(PROTOCOL_VERSION, PROTOCOL_VERSION + 1),
    });
  });

  it('reports an app from before versions (it answers the hello as a request without an id)', async () => {
    await fakeApp(
      '{"id":null,"result":{"ok":false,"error":{"code":"bad-request","message":"request needs an \\"id\\" (a number or a short string)","hint":"send one JSON object per request"}}}',
    );
    await expect(connectControl(sock)).rejects.toMatchObject({
      code: 'protocol-mismatch',
      message: mismatch(PROTOCOL_VERSION, 0),
    });
  });

  it('passes on the refusal of an app that knows versions, worded by that app', async () => {
    const refusal = `{"id":null,"result":{"ok":false,"error":{"code":"protocol-mismatch","message":"${mismatch(PROTOCOL_VERSION, 7)}","hint":"h"}}}`;
    await fakeApp(refusal);
    await expect(connectControl(sock)).rejects.toMatchObject({
      code: 'protocol-mismatch',
      message: mismatch(PROTOCOL_VERSION, 7),
    });
  });

  it('cdesk status prints the mismatch and the way out, and exits 1', async () => {
    await fakeApp(helloFrame(PROTOCOL_VERSION + 1));
    const io = captureIo();
    expect(await status(['--control', sock], io)).toBe(1);
    expect(io.stderr).toBe(
      `cdesk status: ${mismatch(PROTOCOL_VERSION, PROTOCOL_VERSION + 1)}\n` +
        '  hint: Quit the running app and start it again so it runs the same build as this cdesk, or run the cdesk that came with the running app.\n',
    );
    expect(io.stdout).toBe('');
  });
});
