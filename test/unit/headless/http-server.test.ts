// The headless server's transport limits: pre-authentication connections capped and timed out,
// replies and events over WebSocket bounded like the control socket's.
import * as fsp from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { AppInfo } from '../../../common/contract';
import { createService, type Service } from '../../../main/service/service';
import { createSettingsStore } from '../../../main/service/settings-store';
import { startHttpServer, type HttpServer } from '../../../main/headless/http-server';
import { FakeEngine, line } from '../service/fake-engine';

const info = (): AppInfo => ({
  appVersion: 't',
  controlSocket: null,
  logsDir: '/',
  settingsFile: '/s',
  mode: 'headless',
});

let dir: string;
let engine: FakeEngine;
let service: Service;
let server: HttpServer | null = null;
const open: net.Socket[] = [];

beforeEach(async () => {
  dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'cdesk-http-'));
  await fsp.writeFile(path.join(dir, 'index.html'), '<!doctype html><title>t</title>');
  engine = new FakeEngine();
  service = createService({
    engine,
    settings: createSettingsStore({ file: path.join(dir, 's.json') }),
    info,
    batching: { maxBatchBytes: 64 * 1024 * 1024, maxBacklogBytes: 256 * 1024 * 1024 },
  });
});
afterEach(async () => {
  for (const s of open.splice(0)) s.destroy();
  await server?.close();
  server = null;
  service.dispose();
  await fsp.rm(dir, { recursive: true, force: true });
});

async function serve(extra: Partial<Parameters<typeof startHttpServer>[0]> = {}) {
  server = await startHttpServer({ service, staticDir: dir, port: 0, token: 'tok', ...extra });
  return server;
}

/** A raw TCP connection that reports when the server closed it. */
async function connect(port: number) {
  const s = net.connect(port, '127.0.0.1');
  open.push(s);
  let closed = false;
  s.on('error', () => undefined);
  s.on('close', () => (closed = true));
  await new Promise((r) => s.once('connect', r));
  return { s, closed: () => closed };
}

async function ws(port: number): Promise<WebSocket> {
  const w = new WebSocket(`ws://127.0.0.1:${port}/ws?token=tok`, {
    headers: { Origin: `http://127.0.0.1:${port}` },
  });
  await new Promise((r, j) => w.once('open', r).once('error', j));
  return w;
}

describe('pre-authentication connections', () => {
  it('caps how many may be open at once: a newcomer closes the oldest idle one', async () => {
    const { port } = await serve({ maxPreAuthConnections: 4 });
    const first = await Promise.all([1, 2, 3, 4].map(() => connect(port)));
    const extra = await connect(port);
    await expect.poll(() => first[0]!.closed()).toBe(true);
    await new Promise((r) => setTimeout(r, 100));
    expect([...first.slice(1), extra].map((c) => c.closed())).toEqual([false, false, false, false]);
  });

  it('lets the owner in while others hold every pre-auth slot open', async () => {
    const { port } = await serve({ maxPreAuthConnections: 4 });
    const squatters = await Promise.all([1, 2, 3, 4].map(() => connect(port)));
    // Refilled as fast as the server closes them.
    const refill = setInterval(() => void connect(port), 20);
    try {
      const page = await fetch(`http://127.0.0.1:${port}/?token=tok`);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('<title>t</title>');
      const w = await ws(port);
      expect(w.readyState).toBe(WebSocket.OPEN);
      w.close();
    } finally {
      clearInterval(refill);
    }
    expect(squatters[0]!.closed()).toBe(true);
  });

  it('closes an idle connection after the idle timeout', async () => {
    const { port } = await serve({ preAuthIdleMs: 300 });
    const c = await connect(port);
    await expect.poll(() => c.closed(), { timeout: 5000 }).toBe(true);
  });

  it('closes a connection that trickles its headers (slowloris) after the header timeout', async () => {
    const { port } = await serve({ preAuthIdleMs: 400 });
    const c = await connect(port);
    c.s.write('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n');
    // One header byte every 100 ms keeps it from ever being idle.
    const drip = setInterval(() => c.s.writable && c.s.write('X'), 100);
    try {
      await expect.poll(() => c.closed(), { timeout: 5000 }).toBe(true);
    } finally {
      clearInterval(drip);
    }
  });

  it('does not count or time out an authenticated WebSocket', async () => {
    const { port } = await serve({ maxPreAuthConnections: 2, preAuthIdleMs: 300 });
    const sockets = [await ws(port), await ws(port), await ws(port)];
    await new Promise((r) => setTimeout(r, 800));
    expect(sockets.map((w) => w.readyState)).toEqual([
      WebSocket.OPEN,
      WebSocket.OPEN,
      WebSocket.OPEN,
    ]);
    for (const w of sockets) w.close();
  });
});

describe('the contract over WebSocket', () => {
  const frames = (w: WebSocket) => {
    const got: Record<string, unknown>[] = [];
    w.on('message', (d) => got.push(JSON.parse(d.toString()) as Record<string, unknown>));
    return got;
  };

  it('answers a reply over the cap with reply-too-large, and the socket stays open', async () => {
    engine.logs = Array.from({ length: 30 }, (_, i) => ({
      ...line(i + 1),
      raw: 'x'.repeat(10_000),
    }));
    // A small cap stands for the 8 MiB one.
    const s = await serve({ maxReplyBytes: 64 * 1024 });
    const w = await ws(s.port);
    const got = frames(w);
    w.send(
      JSON.stringify({
        id: 1,
        cmd: 'logs:read',
        payload: { maxBytes: 4 * 1024 * 1024, limit: 30 },
      }),
    );
    w.send(JSON.stringify({ id: 2, cmd: 'daemon:status', payload: {} }));
    await expect.poll(() => got.length).toBe(2);
    expect(got.find((m) => m.id === 1)).toMatchObject({
      result: { ok: false, error: { code: 'reply-too-large' } },
    });
    expect(got.find((m) => m.id === 2)).toMatchObject({ result: { ok: true } });
    w.close();
  });

  it('splits a big log batch into frames of at most 1 MiB', async () => {
    const s = await serve();
    const w = await ws(s.port);
    const got = frames(w);
    const lines = Array.from({ length: 40 }, (_, i) => ({
      ...line(i + 1),
      raw: 'y'.repeat(100_000),
    }));
    engine.emit({ type: 'log', lines });
    await expect
      .poll(() => got.flatMap((m) => (m.payload as { lines: unknown[] }).lines).length, {
        timeout: 15_000,
      })
      .toBe(40);
    expect(got.length).toBeGreaterThan(2);
    for (const m of got)
      expect(Buffer.byteLength(JSON.stringify(m))).toBeLessThanOrEqual(1024 * 1024);
    w.close();
  });

  it('keeps a page that reads slower than a flood: the oldest lines go, one marker says how many', async () => {
    const s = await serve();
    const w = await ws(s.port);
    let closed = false;
    w.on('close', () => (closed = true));
    const got = frames(w);
    w.pause();
    // 25 MB of lines, well past the 8 MiB a page may have waiting.
    const lines = Array.from({ length: 250 }, (_, i) => ({
      ...line(i + 1),
      raw: 'z'.repeat(100_000),
    }));
    engine.emit({ type: 'log', lines });
    await new Promise((r) => setTimeout(r, 1000));
    w.resume();
    type Line = { seq: number; fields: Record<string, string> };
    const seen = () => got.flatMap((m) => (m.payload as { lines: Line[] }).lines);
    await expect.poll(() => seen().at(-1)?.seq, { timeout: 15_000 }).toBe(250);
    expect(closed).toBe(false);
    const markers = seen().filter((l) => l.fields.dropped !== undefined);
    const dropped = markers.reduce((n, m) => n + Number(m.fields.dropped), 0);
    expect(dropped).toBeGreaterThan(0);
    expect(seen().length - markers.length + dropped).toBe(250);
    w.close();
  });

  it('closes a socket that pipelines reads it never reads, and another page is answered at once', async () => {
    engine.logs = Array.from({ length: 400 }, (_, i) => ({
      ...line(i + 1),
      raw: 'x'.repeat(10_000),
    }));
    const s = await serve();
    const greedy = await ws(s.port);
    let greedyClosed = false;
    greedy.on('close', () => (greedyClosed = true));
    greedy.pause();
    const read = JSON.stringify({ id: 1, cmd: 'logs:read', payload: { maxBytes: 4194304 } });
    for (let i = 0; i < 500; i++) greedy.send(read);
    await new Promise((r) => setTimeout(r, 200));
    const w = await ws(s.port);
    const got = frames(w);
    const t0 = Date.now();
    w.send(JSON.stringify({ id: 2, cmd: 'daemon:status', payload: {} }));
    await expect.poll(() => got.length, { timeout: 60_000 }).toBe(1);
    const took = Date.now() - t0;
    expect(got[0]).toMatchObject({ id: 2, result: { ok: true } });
    // The greedy socket got a few replies computed, not five hundred, and was closed.
    expect(engine.calls.filter((x) => x.startsWith('readLogs')).length).toBeLessThan(40);
    greedy.resume();
    await expect.poll(() => greedyClosed, { timeout: 10_000 }).toBe(true);
    expect(took).toBeLessThan(2000);
    w.close();
  });

  it('answers a bad frame with bad-request under its id', async () => {
    const s = await serve();
    const w = await ws(s.port);
    const got = frames(w);
    w.send('{"id":5}');
    await expect.poll(() => got.length).toBe(1);
    expect(got[0]).toMatchObject({ id: 5, result: { ok: false, error: { code: 'bad-request' } } });
    w.close();
  });
});
