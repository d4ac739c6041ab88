import * as fsp from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AnyEvent } from '../../../common/contract';
import { helloFrame, PROTOCOL_VERSION } from '../../../common/rpc';
import { connectControl } from '../../../main/control-socket/control-client';
import {
  startControlServer,
  type ControlServer,
} from '../../../main/control-socket/control-server';
import { createService, type Service } from '../../../main/service/service';
import { createSettingsStore } from '../../../main/service/settings-store';
import { headlessInfo as info } from '../../helpers/cli-io';
import { FakeEngine, line } from '../service/fake-engine';

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

/** A raw NDJSON connection that has said hello: send lines, read parsed lines (after the hello). */
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
  c.write(`${helloFrame()}\n`);
  expect(await next(1)).toEqual({ hello: { protocol: PROTOCOL_VERSION } });
  got.shift();
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
      payload: { pad: 'x'.repeat(300 * 1024) },
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
    expect((await c.invoke('daemon:status', {})).ok).toBe(true);
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
    expect((await c.invoke('daemon:status', {})).ok).toBe(true);
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
    expect((await client.invoke('daemon:status', {})).ok).toBe(true);
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

describe('control server: connections are bounded in number and in time', () => {
  const closedSoon = async (r: { isClosed: () => boolean }) =>
    expect.poll(() => r.isClosed(), { timeout: 10_000 }).toBe(true);

  it('refuses a connection over the cap when none can give way, saying why, and serves again once one closes', async () => {
    servers.push(
      await startControlServer({ path: sock, service, maxConnections: 3, logError: () => {} }),
    );
    // Followers are never idle: none of them gives its place up.
    const held = [await raw(), await raw(), await raw()];
    for (const h of held) {
      h.send('{"id":1,"cmd":"events:subscribe"}\n');
      await h.next(1);
    }
    const err = await connectControl(sock).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'busy', message: expect.stringContaining('3 control') });
    held[0]!.c.destroy();
    await closedSoon(held[0]!);
    await expect
      .poll(async () => {
        const c = await connectControl(sock).catch(() => null);
        c?.close();
        return c !== null;
      })
      .toBe(true);
    for (const h of held) h.c.destroy();
  });

  it('when every place is taken, the connection idle the longest gives way to a newcomer', async () => {
    servers.push(
      await startControlServer({ path: sock, service, maxConnections: 3, logError: () => {} }),
    );
    const held = [await raw(), await raw(), await raw()];
    const c = await connectControl(sock);
    expect((await c.invoke('daemon:status', {})).ok).toBe(true);
    c.close();
    await closedSoon(held[0]!);
    expect(held[1]!.isClosed()).toBe(false);
    for (const h of held) h.c.destroy();
  });

  it('a crowd that never reads its replies locks no one out and pins at most the unread budget', async () => {
    const budget = 10 * 1024 * 1024;
    servers.push(
      await startControlServer({
        path: sock,
        service,
        maxConnections: 8,
        maxUnreadReplyBytes: budget,
        logError: () => {},
      }),
    );
    engine.logs = Array.from({ length: 400 }, (_, i) => ({
      ...line(i + 1),
      raw: 'x'.repeat(10_000),
    }));
    const read = '{"id":1,"cmd":"logs:read","payload":{"maxBytes":4194304,"limit":1000}}\n';
    const crowd: Awaited<ReturnType<typeof raw>>[] = [];
    // Open one after another (raw waits for the hello): each newcomer finds the places taken.
    for (let i = 0; i < 7; i++) {
      const g = await raw();
      g.c.pause();
      g.send(read);
      crowd.push(g);
    }
    for (let i = 0; i < 20; i++) {
      const g = await raw();
      g.c.pause();
      g.send(read);
      crowd.push(g);
    }
    const c = await connectControl(sock);
    expect((await c.invoke('daemon:status', {})).ok).toBe(true);
    c.close();
    // About 4 MB each: no more than the budget's worth of them still held a whole reply; the
    // others were closed (a paused socket sees its close only once it reads on).
    for (const g of crowd) g.c.resume();
    await expect
      .poll(() => crowd.every((g) => g.isClosed() || g.got.length > 0), { timeout: 10_000 })
      .toBe(true);
    const answered = crowd.filter((g) => g.got.length > 0).length;
    expect(answered).toBeGreaterThan(0);
    expect(answered).toBeLessThanOrEqual(Math.ceil(budget / 4_000_000) + 1);
    for (const g of crowd) g.c.destroy();
  });

  it('closes a connection that holds a partial line or never says hello, however it trickles', async () => {
    servers.push(
      await startControlServer({ path: sock, service, lineTimeoutMs: 300, logError: () => {} }),
    );
    const partial = await raw();
    partial.send('{"id":1,"cmd":"daemon:');
    const trickle = setInterval(() => partial.send('x'), 100);
    const mute = net.connect(sock);
    let muteClosed = false;
    mute.on('error', () => undefined).on('close', () => (muteClosed = true));
    mute.resume();
    try {
      await closedSoon(partial);
      expect(partial.got).toMatchObject([
        {
          id: null,
          result: {
            ok: false,
            error: { message: expect.stringMatching(/no complete request line/) },
          },
        },
      ]);
      await expect.poll(() => muteClosed, { timeout: 10_000 }).toBe(true);
    } finally {
      clearInterval(trickle);
      mute.destroy();
    }
  });

  it('closes a connection idle between requests, never a quiet subscriber', async () => {
    servers.push(
      await startControlServer({
        path: sock,
        service,
        idleTimeoutMs: 300,
        lineTimeoutMs: 300,
        logError: () => {},
      }),
    );
    const idle = await raw();
    const subscriber = await raw();
    subscriber.send('{"id":1,"cmd":"events:subscribe"}\n');
    await subscriber.next(1);
    idle.send('{"id":1,"cmd":"daemon:status","payload":{}}\n');
    await idle.next(1);
    await closedSoon(idle);
    await new Promise((r) => setTimeout(r, 1000));
    expect(subscriber.isClosed()).toBe(false);
    subscriber.c.destroy();
  });

  it('closes a connection that never reads its reply after the idle timeout, freeing it', async () => {
    servers.push(
      await startControlServer({ path: sock, service, idleTimeoutMs: 300, logError: () => {} }),
    );
    engine.logs = Array.from({ length: 400 }, (_, i) => ({
      ...line(i + 1),
      raw: 'x'.repeat(10_000),
    }));
    const stalled = await raw();
    stalled.c.pause();
    stalled.send('{"id":1,"cmd":"logs:read","payload":{"maxBytes":4194304,"limit":1000}}\n');
    await new Promise((r) => setTimeout(r, 3000));
    stalled.c.resume();
    await closedSoon(stalled);
    // Cut while it held the reply: what was still queued for it is gone, not delivered late.
    expect(stalled.got).toEqual([]);
  });
});

describe('control server: every request gets one bounded answer', () => {
  const bigLines = (n: number, bytes: number) =>
    Array.from({ length: n }, (_, i) => ({ ...line(i + 1), raw: 'x'.repeat(bytes) }));

  it('answers a reply over the cap with reply-too-large as data and keeps the connection', async () => {
    await startControlServer({ path: sock, service, maxReplyBytes: 64 * 1024 }).then((s) =>
      servers.push(s),
    );
    engine.logs = bigLines(30, 10_000);
    const c = await connectControl(sock);
    const r = await c.invoke('logs:read', { maxBytes: 1024 * 1024 });
    expect(r).toMatchObject({
      ok: false,
      error: { code: 'reply-too-large', hint: expect.stringMatching(/maxBytes|nextSeq/) },
    });
    // Same connection, next request: nothing was dropped.
    expect((await c.invoke('daemon:status', {})).ok).toBe(true);
    c.close();
  });

  it('delivers a big reply whole to a client that is not reading yet (no slow-reader cut)', async () => {
    await startControlServer({ path: sock, service, maxQueuedBytes: 64 * 1024 }).then((s) =>
      servers.push(s),
    );
    engine.logs = bigLines(90, 10_000);
    const r = await raw();
    r.c.pause();
    r.send('{"id":1,"cmd":"logs:read","payload":{"limit":90}}\n');
    await new Promise((res) => setTimeout(res, 200));
    r.c.resume();
    const reply = await r.next();
    expect(reply).toMatchObject({ id: 1, result: { ok: true } });
    expect((reply.result as { value: { lines: unknown[] } }).value.lines).toHaveLength(90);
    r.c.destroy();
  });

  it('closes a connection that pipelines reads it never reads, and others are answered at once', async () => {
    await start();
    engine.logs = bigLines(400, 10_000); // each read below answers about 4 MB
    const greedy = await raw();
    greedy.c.pause();
    const read = '{"id":1,"cmd":"logs:read","payload":{"maxBytes":4194304,"limit":1000}}\n';
    greedy.send(read.repeat(1000));
    await new Promise((r) => setTimeout(r, 200));
    const c = await connectControl(sock);
    const t0 = Date.now();
    expect((await c.invoke('daemon:status', {})).ok).toBe(true);
    const took = Date.now() - t0;
    c.close();
    // The burst overflowed the backlog before any of it was computed, and the connection closed.
    expect(engine.calls.filter((x) => x.startsWith('readLogs'))).toEqual([]);
    greedy.c.resume();
    await expect.poll(() => greedy.isClosed(), { timeout: 10_000 }).toBe(true);
    expect(took).toBeLessThan(2000);
  });

  it('keeps a follower that reads slower than a flood: the oldest lines go, one marker says how many', async () => {
    servers.push(await startControlServer({ path: sock, service, maxQueuedBytes: 256 * 1024 }));
    const r = await raw();
    r.send('{"id":1,"cmd":"events:subscribe"}\n');
    await r.next(1);
    r.c.pause();
    engine.emit({ type: 'log', lines: bigLines(400, 10_000) }); // 4 MB, far past the 256 KiB bound
    await new Promise((res) => setTimeout(res, 500));
    r.c.resume();
    type Line = { seq: number; level: string; fields: Record<string, string> };
    const lines = () =>
      r.got.slice(1).flatMap((m) => (m as { payload: { lines: Line[] } }).payload.lines);
    await expect.poll(() => lines().at(-1)?.seq, { timeout: 10_000 }).toBe(400);
    expect(r.isClosed()).toBe(false);
    const markers = lines().filter((l) => l.fields.dropped !== undefined);
    expect(markers.length).toBeGreaterThan(0);
    expect(markers[0]).toMatchObject({ level: 'warn' });
    const kept = lines().filter((l) => l.fields.dropped === undefined);
    const dropped = markers.reduce((n, m) => n + Number(m.fields.dropped), 0);
    expect(kept.length + dropped).toBe(400);
    expect(kept.map((l) => l.seq)).toEqual([...kept.map((l) => l.seq)].sort((a, b) => a - b));
    r.c.destroy();
  });

  it('answers even when the service throws (a bug there must not leave a caller waiting)', async () => {
    const broken: Service = {
      ...service,
      handle: () => Promise.reject(new Error('boom')),
    };
    servers.push(
      await startControlServer({ path: sock, service: broken, logError: () => undefined }),
    );
    const c = await connectControl(sock);
    expect(await c.invoke('daemon:status', {})).toMatchObject({
      ok: false,
      error: { code: 'internal' },
    });
    c.close();
  });

  it("tells each request's handler when that request's connection closes, and no other's", async () => {
    const gone: Record<string, AbortSignal> = {};
    const never = new Promise<never>(() => undefined);
    const stub: Service = {
      ...service,
      handle: (cmd, payload, caller) => {
        gone[(payload as { pullId: string }).pullId] = caller!.gone;
        return never;
      },
    };
    servers.push(
      await startControlServer({ path: sock, service: stub, logError: () => undefined }),
    );
    const open = async (pullId: string) => {
      const r = await raw();
      const payload = { namespace: 'default', ref: 'alpine', pullId };
      r.send(`${JSON.stringify({ id: 1, cmd: 'image:pull', payload })}\n`);
      await expect.poll(() => gone[pullId]).toBeDefined();
      return r;
    };
    const a = await open('p1');
    await open('p2');
    expect(gone.p1!.aborted).toBe(false);
    // Running in the app (it never answers) when its caller goes: the handler hears of it.
    a.c.destroy();
    await expect.poll(() => gone.p1!.aborted).toBe(true);
    expect(gone.p2!.aborted).toBe(false);
  });

  it('splits a big log batch into events under the cap, every line in order', async () => {
    const s = createService({
      engine,
      settings: createSettingsStore({ file: path.join(dir, 's2.json') }),
      info,
      batching: { maxBatchBytes: 64 * 1024 * 1024, maxBacklogBytes: 256 * 1024 * 1024 },
    });
    servers.push(await startControlServer({ path: sock, service: s, maxEventBytes: 8 * 1024 }));
    const r = await raw();
    r.send('{"id":1,"cmd":"events:subscribe"}\n');
    await r.next(1);
    engine.emit({ type: 'log', lines: bigLines(100, 500) });
    await expect
      .poll(
        () => r.got.slice(1).flatMap((m) => (m as { payload: { lines: unknown[] } }).payload.lines),
        { timeout: 15_000 },
      )
      .toHaveLength(100);
    const frames = r.got.slice(1) as { payload: { lines: { seq: number }[] } }[];
    expect(frames.length).toBeGreaterThan(5);
    for (const f of frames)
      expect(Buffer.byteLength(JSON.stringify(f))).toBeLessThanOrEqual(8 * 1024);
    expect(frames.flatMap((f) => f.payload.lines.map((l) => l.seq))).toEqual(
      Array.from({ length: 100 }, (_, i) => i + 1),
    );
    r.c.destroy();
    s.dispose();
  });
});

describe('control socket folder (refuse what ssh-agent and tmux refuse)', () => {
  it('refuses a world-writable folder, naming it and the fix', async () => {
    const shared = path.join(dir, 'shared');
    await fsp.mkdir(shared);
    await fsp.chmod(shared, 0o777);
    const p = path.join(shared, 'c.sock');
    await expect(start(p)).rejects.toMatchObject({
      code: 'control-dir-unsafe',
      message: expect.stringContaining(shared),
      hint: expect.stringMatching(/chmod 700|--control/),
    });
    expect(await fsp.readdir(shared)).toEqual([]);
  });

  it.skipIf(process.getuid?.() !== 0)('refuses a folder owned by another user', async () => {
    const theirs = path.join(dir, 'theirs');
    await fsp.mkdir(theirs, { mode: 0o700 });
    await fsp.chown(theirs, 4321, 4321);
    await expect(start(path.join(theirs, 'c.sock'))).rejects.toMatchObject({
      code: 'control-dir-unsafe',
      message: expect.stringContaining('another user (uid 4321)'),
    });
  });

  it('reports a folder it cannot create as control-dir, naming it (no stack trace)', async () => {
    const file = path.join(dir, 'a-file');
    await fsp.writeFile(file, '');
    await expect(start(path.join(file, 'sub', 'c.sock'))).rejects.toMatchObject({
      code: 'control-dir',
      message: expect.stringContaining(path.join(file, 'sub')),
      hint: expect.stringMatching(/XDG_RUNTIME_DIR|--control/),
    });
  });

  it.skipIf(process.getuid?.() !== 0)(
    'the client refuses a socket bound by another user (its owner is the peer uid)',
    async () => {
      await start();
      await fsp.chown(sock, 4321, 4321);
      await expect(connectControl(sock)).rejects.toMatchObject({ code: 'control-denied' });
    },
  );

  it('the client refuses a socket in a folder others can write to', async () => {
    await start();
    await fsp.chmod(path.dirname(sock), 0o777);
    await expect(connectControl(sock)).rejects.toMatchObject({ code: 'control-dir-unsafe' });
  });
});

describe('control client', () => {
  it('reports no-app when the socket does not exist', async () => {
    await expect(connectControl(path.join(dir, 'nope.sock'))).rejects.toMatchObject({
      code: 'no-app',
      hint: expect.stringContaining('cdesk serve'),
    });
  });

  it('fails pending calls with disconnected when the app goes away', async () => {
    const s = await start();
    engine.onStart = () => new Promise(() => undefined);
    const c = await connectControl(sock);
    const pending = c.invoke('daemon:start', {});
    await expect.poll(() => engine.calls.length).toBe(1);
    await s.close();
    expect(await pending).toMatchObject({ ok: false, error: { code: 'disconnected' } });
  });
});
