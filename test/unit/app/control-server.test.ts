import * as fsp from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AnyEvent, AppInfo } from '../../../common/contract';
import { connectControl } from '../../../main/app/control-client';
import { startControlServer, type ControlServer } from '../../../main/app/control-server';
import { createService, type Service } from '../../../main/app/service';
import { createSettingsStore } from '../../../main/app/settings-store';
import { FakeEngine } from './fake-engine';

const info = (): AppInfo => ({
  appVersion: 't',
  controlSocket: null,
  logsDir: '/',
  settingsFile: '/s',
  mode: 'headless',
});

let dir: string;
let sock: string;
let engine: FakeEngine;
let service: Service;
const servers: ControlServer[] = [];

async function start(p = sock): Promise<ControlServer> {
  const s = await startControlServer({ path: p, service, logError: () => undefined });
  servers.push(s);
  return s;
}

/** A raw NDJSON connection: send lines, read parsed lines. */
async function raw(p = sock) {
  const c = net.connect(p);
  await new Promise((r, j) => c.once('connect', r).once('error', j));
  const got: unknown[] = [];
  let buf = '';
  let closed = false;
  c.on('data', (d) => {
    buf += d.toString();
    let nl: number;
    while ((nl = buf.indexOf('\n')) !== -1) {
      got.push(JSON.parse(buf.slice(0, nl)));
      buf = buf.slice(nl + 1);
    }
  });
  c.on('error', () => undefined);
  c.on('close', () => (closed = true));
  const next = async (n = got.length + 1) => {
    const t0 = Date.now();
    while (got.length < n) {
      if (Date.now() - t0 > 3000)
        throw new Error(`timed out waiting for message ${n}; got ${JSON.stringify(got)}`);
      await new Promise((r) => setTimeout(r, 5));
    }
    return got[n - 1] as Record<string, unknown>;
  };
  return { c, got, next, send: (s: string) => c.write(s), isClosed: () => closed };
}

beforeEach(async () => {
  dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'cdesk-ctl-'));
  sock = path.join(dir, 'run', 'control.sock');
  engine = new FakeEngine();
  service = createService({
    engine,
    settings: createSettingsStore({ file: path.join(dir, 's.json') }),
    info,
  });
});
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
  service.dispose();
  await fsp.rm(dir, { recursive: true, force: true });
});

describe('control server', () => {
  it('creates the socket 0600 in a 0700 folder and leaves no temporary file', async () => {
    await start();
    expect((await fsp.stat(sock)).mode & 0o777).toBe(0o600);
    expect((await fsp.stat(path.dirname(sock))).mode & 0o777).toBe(0o700);
    expect(await fsp.readdir(path.dirname(sock))).toEqual(['control.sock']);
  });

  it('answers a request by id', async () => {
    await start();
    const r = await raw();
    r.send('{"id":1,"cmd":"daemon:status","payload":{}}\n');
    expect(await r.next()).toMatchObject({
      id: 1,
      result: { ok: true, value: { state: 'stopped' } },
    });
    r.c.destroy();
  });

  it('answers malformed requests with a clear error and keeps the connection', async () => {
    await start();
    const r = await raw();
    r.send('not json\n');
    expect(await r.next(1)).toMatchObject({
      id: null,
      result: { ok: false, error: { code: 'bad-request' } },
    });
    r.send('{"cmd":"daemon:start"}\n');
    expect(await r.next(2)).toMatchObject({
      id: null,
      result: { ok: false, error: { message: expect.stringContaining('"id"') } },
    });
    r.send('{"id":"a","payload":{}}\n');
    expect(await r.next(3)).toMatchObject({
      id: 'a',
      result: { ok: false, error: { message: expect.stringContaining('"cmd"') } },
    });
    r.send('{"id":4,"cmd":"daemon:start","payload":{"x":1}}\n');
    expect(await r.next(4)).toMatchObject({
      id: 4,
      result: { ok: false, error: { code: 'bad-payload' } },
    });
    r.send('{"id":5,"cmd":"daemon:status"}\n');
    expect(await r.next(5)).toMatchObject({ id: 5, result: { ok: true } });
    expect(engine.calls).toEqual([]);
    r.c.destroy();
  });

  it('refuses an oversized request, closes the connection and runs nothing', async () => {
    await start();
    const r = await raw();
    const big = JSON.stringify({
      id: 1,
      cmd: 'daemon:start',
      payload: { pad: 'x'.repeat(70 * 1024) },
    });
    r.send(`${big}\n`);
    expect(await r.next()).toMatchObject({
      id: null,
      result: { ok: false, error: { code: 'request-too-large' } },
    });
    await expect.poll(() => r.isClosed()).toBe(true);
    expect(engine.calls).toEqual([]);
  });

  it('refuses a second instance on a live socket and keeps the first working', async () => {
    await start();
    await expect(start()).rejects.toMatchObject({
      code: 'control-in-use',
      hint: expect.stringMatching(/--control/),
    });
    const c = await connectControl(sock);
    expect((await c.call('daemon:status', {})).ok).toBe(true);
    c.close();
  });

  it('reclaims a stale socket nothing answers on', async () => {
    // A socket file whose listener is gone: link a live socket to a second name, then close it.
    await fsp.mkdir(path.dirname(sock), { recursive: true });
    const tmp = path.join(path.dirname(sock), 'live.sock');
    const old = net.createServer();
    await new Promise<void>((r) => old.listen(tmp, r));
    await fsp.link(tmp, sock);
    await new Promise((r) => old.close(r));
    await expect(connectControl(sock)).rejects.toMatchObject({ code: 'no-app' });
    await start();
    const c = await connectControl(sock);
    expect((await c.call('daemon:status', {})).ok).toBe(true);
    c.close();
  });

  it('refuses a path that is a regular file', async () => {
    await fsp.mkdir(path.dirname(sock), { recursive: true });
    await fsp.writeFile(sock, 'mine');
    await expect(start()).rejects.toMatchObject({ code: 'control-path-taken' });
    expect(await fsp.readFile(sock, 'utf8')).toBe('mine');
  });

  it('refuses a path too long for a unix socket', async () => {
    await expect(start(path.join(dir, 'x'.repeat(120)))).rejects.toMatchObject({
      code: 'control-path-too-long',
    });
  });

  it('removes its socket on close, but not one another instance owns now', async () => {
    const a = await start();
    await a.close();
    await expect(fsp.stat(sock)).rejects.toThrow();
    const b = await start();
    await fsp.rm(sock);
    const c = await start();
    await b.close();
    const client = await connectControl(sock);
    expect((await client.call('daemon:status', {})).ok).toBe(true);
    client.close();
    await c.close();
  });

  it('pushes events to subscribed connections only', async () => {
    await start();
    const sub = await connectControl(sock);
    const other = await raw();
    const seen: AnyEvent[] = [];
    const off = await sub.events((e) => seen.push(e));
    engine.transition('starting');
    await expect.poll(() => seen.length).toBe(1);
    expect(seen[0]).toMatchObject({
      event: 'daemon:state',
      payload: { status: { state: 'starting' } },
    });
    off();
    await new Promise((r) => setTimeout(r, 20));
    expect(other.got).toEqual([]);
    sub.close();
    other.c.destroy();
  });

  it('unsubscribes a connection when it closes', async () => {
    await start();
    const sub = await connectControl(sock);
    await sub.events(() => undefined);
    sub.close();
    await new Promise((r) => setTimeout(r, 20));
    expect(() => engine.transition('starting')).not.toThrow();
  });
});

describe('control client', () => {
  it('reports no-app when the socket does not exist', async () => {
    await expect(connectControl(path.join(dir, 'nope.sock'))).rejects.toMatchObject({
      code: 'no-app',
      hint: expect.stringContaining('cdesk serve'),
    });
  });

  it('fails pending calls with connection-lost when the app goes away', async () => {
    const s = await start();
    engine.onStart = () => new Promise(() => undefined);
    const c = await connectControl(sock);
    const pending = c.call('daemon:start', {});
    await expect.poll(() => engine.calls.length).toBe(1);
    await s.close();
    expect(await pending).toMatchObject({ ok: false, error: { code: 'connection-lost' } });
  });
});
