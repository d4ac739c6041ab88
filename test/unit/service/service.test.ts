import { existsSync } from 'node:fs';
import * as fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { AnyEvent, AppInfo } from '../../../common/contract';
import type { HealthEvent, LogLine } from '../../../common/states';
import type {
  InsideCommandName,
  InsideEvent,
  InsideProvider,
  InsideSummary,
} from '../../../main/containerd/provider';
import { createService, type Service } from '../../../main/service/service';
import { createSettingsStore, type SettingsStore } from '../../../main/service/settings-store';
import { EngineError } from '../../../main/engine/errors';
import { FakeEngine, line } from './fake-engine';

const info = (): AppInfo => ({
  appVersion: '0.0.0-test',
  controlSocket: null,
  logsDir: '/tmp/x',
  settingsFile: '/tmp/s.json',
  mode: 'headless',
});

let dir: string;
let engine: FakeEngine;
let store: SettingsStore;
let service: Service;
let events: AnyEvent[];
let logError: ReturnType<typeof vi.fn<(message: string, err: unknown) => void>>;

beforeEach(async () => {
  dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'cdesk-service-'));
  engine = new FakeEngine();
  store = createSettingsStore({ file: path.join(dir, 'settings.json') });
  logError = vi.fn<(message: string, err: unknown) => void>();
  service = createService({ engine, settings: store, info, logError });
  events = [];
  service.subscribe((e) => events.push(e));
});
afterEach(async () => {
  service.dispose();
  await fsp.rm(dir, { recursive: true, force: true });
});

describe('commands', () => {
  it('maps daemon:start to the engine and returns its status', async () => {
    const r = await service.handle('daemon:start', {});
    expect(r).toMatchObject({ ok: true, value: { state: 'running' } });
    expect(engine.calls).toEqual(['start']);
  });

  it('treats a missing payload as {}', async () => {
    expect((await service.handle('daemon:status', undefined)).ok).toBe(true);
  });

  it('rejects an unknown command and touches nothing', async () => {
    const r = await service.handle('daemon:explode', {});
    expect(r).toMatchObject({ ok: false, error: { code: 'unknown-command' } });
    expect(engine.calls).toEqual([]);
  });

  it('rejects a bad payload, naming the field, and touches nothing', async () => {
    const r = await service.handle('logs:read', { limit: -1 });
    expect(r).toMatchObject({
      ok: false,
      error: { code: 'bad-payload', fields: [{ field: 'limit' }] },
    });
    const r2 = await service.handle('daemon:start', { force: true });
    expect(r2.ok).toBe(false);
    expect(engine.calls).toEqual([]);
  });

  it('passes logs:read filters through', async () => {
    engine.logs = [line(1), line(2)];
    const r = await service.handle('logs:read', { sinceSeq: 1, level: 'warn' });
    expect(r.ok).toBe(true);
    // The service fills in the default page size (1 MiB) so no reply is unbounded.
    expect(engine.calls).toEqual(['readLogs {"sinceSeq":1,"level":"warn","maxBytes":1048576}']);
  });

  it('settings:set saves, applies to the engine and emits settings:changed', async () => {
    const r = await service.handle('settings:set', { patch: { health: { livenessFailures: 5 } } });
    expect(r.ok).toBe(true);
    expect(engine.applied).toHaveLength(1);
    expect(engine.applied[0]!.health.livenessFailures).toBe(5);
    expect(events.map((e) => e.event)).toEqual(['settings:changed']);
  });

  it('settings:set with an invalid patch returns field errors and changes nothing', async () => {
    const r = await service.handle('settings:set', { patch: { stopGraceMs: -5 } });
    expect(r).toMatchObject({
      ok: false,
      error: { code: 'invalid-settings', fields: [{ field: 'stopGraceMs' }] },
    });
    expect(engine.applied).toEqual([]);
    expect(store.get().stopGraceMs).toBe(10_000);
    expect(events).toEqual([]);
  });

  it('settings:set refuses a __proto__ key like any unknown key and writes nothing', async () => {
    // As every transport delivers it: parsed from JSON, so "__proto__" is an own key.
    const payload: unknown = JSON.parse('{"patch":{"__proto__":{"stopGraceMs":1}}}');
    const r = await service.handle('settings:set', payload);
    expect(r).toMatchObject({
      ok: false,
      error: { code: 'invalid-settings', fields: [{ field: '__proto__' }] },
    });
    expect(engine.applied).toEqual([]);
    expect(events).toEqual([]);
    expect(existsSync(path.join(dir, 'settings.json'))).toBe(false);
  });

  it('returns an EngineError as data with its code and hint', async () => {
    engine.onStart = async () => {
      throw new EngineError('binary-missing', 'containerd not found on PATH', 'install containerd');
    };
    const r = await service.handle('daemon:start', {});
    expect(r).toEqual({
      ok: false,
      error: {
        code: 'binary-missing',
        message: 'containerd not found on PATH',
        hint: 'install containerd',
      },
    });
    expect(logError).not.toHaveBeenCalled();
  });

  it('turns any other thrown error into code internal, pointing at the app log', async () => {
    engine.onStart = async () => {
      throw new TypeError('boom');
    };
    const r = await service.handle('daemon:start', {});
    expect(r).toMatchObject({ ok: false, error: { code: 'internal' } });
    if (!r.ok) expect(r.error.hint).toMatch(/app log/);
    expect(logError).toHaveBeenCalledTimes(1);
  });

  it('diagnostics:collect reports app info, status, settings, config and recent log lines', async () => {
    engine.logs = Array.from({ length: 250 }, (_, i) => line(i + 1));
    const r = await service.handle('diagnostics:collect', {});
    expect(r.ok).toBe(true);
    const text = (r as { value: { text: string } }).value.text;
    expect(text).toContain('0.0.0-test');
    expect(text).toContain('## Status');
    expect(text).toContain('"logLevel"');
    expect(text).toContain('version = 2');
    expect(text).toContain('line 250');
    expect(text).toContain('line 51"');
    expect(text).not.toContain('line 50"');
  });

  it('app:info returns the host info', async () => {
    expect(await service.handle('app:info', {})).toEqual({ ok: true, value: info() });
  });
});

describe('events', () => {
  it('forwards state transitions with the full status', () => {
    engine.transition('starting');
    expect(events).toHaveLength(1);
    const e = events[0]!;
    expect(e.event).toBe('daemon:state');
    if (e.event === 'daemon:state') {
      expect(e.payload.status.state).toBe('starting');
      expect(e.payload.transition).toMatchObject({ state: 'starting', prev: 'stopped' });
    }
  });

  it('forwards health samples', () => {
    const h: HealthEvent = {
      type: 'health',
      at: 1,
      phase: 'liveness',
      ok: true,
      result: 'SERVING',
      latencyMs: 1,
      failures: 0,
    };
    engine.emit(h);
    expect(events).toEqual([{ event: 'health:sample', payload: h }]);
  });

  it('sends a lone log line at once (leading edge), not after the batch interval', async () => {
    vi.useFakeTimers();
    try {
      const own = createService({ engine, settings: store, info, logError });
      const got: AnyEvent[] = [];
      own.subscribe((e) => got.push(e));
      engine.emit({ type: 'log', lines: [line(1)] });
      // A trailing-edge batcher would need the whole interval (1000/60 ms); 1 ms is enough here.
      await vi.advanceTimersByTimeAsync(1);
      expect(got.filter((e) => e.event === 'logs:lines')).toHaveLength(1);
      own.dispose();
    } finally {
      vi.useRealTimers();
    }
  });

  it('batches a flood of 15k lines: ≤ 60 batches/s, ≤ 5000 lines each, none lost or reordered', async () => {
    const batches: { at: number; lines: LogLine[] }[] = [];
    service.subscribe((e) => {
      if (e.event === 'logs:lines') batches.push({ at: performance.now(), lines: e.payload.lines });
    });
    // Under the batcher's backlog bound (20k lines): what goes past it is LOGS' drop-marker test.
    const total = 15_000;
    let seq = 0;
    // 1000 lines every tick, like a tailer reading a burst.
    while (seq < total) {
      engine.emit({ type: 'log', lines: Array.from({ length: 1000 }, () => line(++seq)) });
      await new Promise((r) => setImmediate(r));
    }
    await vi.waitFor(() => expect(batches.reduce((n, b) => n + b.lines.length, 0)).toBe(total), {
      timeout: 5000,
      interval: 20,
    });
    const seqs = batches.flatMap((b) => b.lines.map((l) => l.seq));
    expect(seqs).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    expect(Math.max(...batches.map((b) => b.lines.length))).toBeLessThanOrEqual(5000);
    for (let i = 1; i < batches.length; i++) {
      // Timers can fire up to ~1 ms "early" against performance.now rounding; 1000/60 ≈ 16.7 ms.
      expect(batches[i]!.at - batches[i - 1]!.at).toBeGreaterThanOrEqual(15.5);
    }
    for (let i = 0; i < batches.length; i++) {
      const inWindow = batches.filter(
        (b) => b.at >= batches[i]!.at && b.at < batches[i]!.at + 1000,
      ).length;
      expect(inWindow).toBeLessThanOrEqual(60);
    }
  });

  it('stops emitting after dispose', () => {
    service.dispose();
    engine.transition('starting');
    expect(events).toEqual([]);
  });

  it('a throwing subscriber does not starve the others', () => {
    const seen: string[] = [];
    service.subscribe(() => {
      throw new Error('bad listener');
    });
    service.subscribe((e) => seen.push(e.event));
    engine.transition('starting');
    expect(seen).toEqual(['daemon:state']);
    expect(logError).toHaveBeenCalled();
  });
});

describe('inside containerd (the `inside` option)', () => {
  const summary: InsideSummary = {
    problems: [{ id: 'cri-no-cni', severity: 'warning', message: 'no CNI', hint: 'install CNI' }],
    containers: { running: 3, total: 5 },
    inside: { state: 'connected', listedAt: 1, message: null },
  };

  function fakeInside() {
    const calls: unknown[] = [];
    let emitInside: (e: InsideEvent) => void = () => undefined;
    const inside: InsideProvider = {
      handlers: {
        'namespaces:list': async () => ({ namespaces: [] }),
        'containers:list': async (p) => {
          calls.push(p);
          return { namespace: p.namespace, containers: [] };
        },
        'images:list': async (p) => ({
          namespace: p.namespace,
          images: [],
          totalSize: 0,
          snapshotters: [],
        }),
        'plugins:list': async () => ({ plugins: [], problems: [], version: null }),
        'events:recent': async () => ({ events: [] }),
        'task:stop': async (p) => ({ id: p.id, exitStatus: 0, killed: false }),
        'task:kill': async (p) => ({ id: p.id }),
        'container:delete': async (p) => ({ id: p.id }),
        'image:delete': async (p) => ({ name: p.name }),
        'container:run': async (p) => ({
          id: p.name ?? 'c1',
          namespace: p.namespace,
          pid: 1,
          net: 'host' as const,
        }),
        'container:start': async (p) => ({ id: p.id, pid: 1 }),
        'task:wait': async (p) => ({ id: p.id, exitStatus: 0 }),
        'container:logs': async () => ({ source: 'app', lines: [], cursor: '0:0', more: false }),
        'container:inspect': async () => {
          throw new Error('not used here');
        },
        'tasks:stats': async (p) => ({ namespace: p.namespace, stats: [], hostMemory: 1 }),
        'image:pull': async () => {
          throw new Error('not in this test');
        },
        'image:pull-cancel': async (p) => ({ pullId: p.pullId, cancelled: false }),
        'image:load': async () => Promise.reject(new Error('not used')),
        'image:load-cancel': async (p) => ({ loadId: p.loadId, cancelled: false }),
        'image:save': async () => Promise.reject(new Error('not used')),
        'system:df': async () => Promise.reject(new Error('not used')),
        'system:prune': async () => Promise.reject(new Error('not used')),
      },
      onEvent(fn) {
        emitInside = fn;
        return () => (emitInside = () => undefined);
      },
      summary: () => summary,
      stopNotice: async () =>
        '3 containers keep running; they cannot be managed until containerd is back',
    };
    return { inside, calls, emit: (e: InsideEvent) => emitInside(e) };
  }

  it('without it, every inside command answers containerd-api-unavailable as data', async () => {
    // One valid payload per inside command; `satisfies` makes a new command add its row here.
    const samples = {
      'namespaces:list': {},
      'containers:list': { namespace: 'default' },
      'images:list': { namespace: 'default' },
      'plugins:list': {},
      'events:recent': {},
      'task:stop': { namespace: 'default', id: 'c1' },
      'task:kill': { namespace: 'default', id: 'c1', signal: 'SIGTERM' },
      'container:delete': { namespace: 'default', id: 'c1' },
      'image:delete': { namespace: 'default', name: 'busybox' },
      'container:run': { namespace: 'default', image: 'busybox' },
      'container:start': { namespace: 'default', id: 'c1' },
      'task:wait': { namespace: 'default', id: 'c1', timeoutMs: 10 },
      'container:logs': { namespace: 'default', id: 'c1' },
      'container:inspect': { namespace: 'default', id: 'c1' },
      'tasks:stats': { namespace: 'default' },
      'image:pull': { namespace: 'default', ref: 'busybox', pullId: 'p1' },
      'image:pull-cancel': { pullId: 'p1' },
      'image:load': { namespace: 'default', path: '/tmp/x.tar' },
      'image:load-cancel': { loadId: 'l1' },
      'image:save': { namespace: 'default', names: ['busybox'], path: '/tmp/x.tar' },
      'system:df': { namespace: 'default' },
      'system:prune': { namespace: 'default' },
    } satisfies Record<InsideCommandName, unknown>;
    for (const [name, payload] of Object.entries(samples)) {
      const r = await service.handle(name, payload);
      expect(r, name).toMatchObject({ ok: false, error: { code: 'containerd-api-unavailable' } });
    }
  });

  it('validates inside payloads at the edge before any handler runs', async () => {
    const f = fakeInside();
    const s = createService({ engine, settings: store, info, inside: f.inside });
    const r = await s.handle('containers:list', { namespace: '../etc' });
    expect(r).toMatchObject({
      ok: false,
      error: { code: 'bad-payload', fields: [{ field: 'namespace' }] },
    });
    expect(f.calls).toEqual([]);
    expect(await s.handle('containers:list', { namespace: 'default' })).toMatchObject({
      ok: true,
      value: { namespace: 'default', containers: [] },
    });
    expect(f.calls).toEqual([{ namespace: 'default' }]);
    s.dispose();
  });

  it('daemon:status and daemon:state events carry problems and container counts', async () => {
    const s = createService({ engine, settings: store, info, inside: fakeInside().inside });
    const seen: AnyEvent[] = [];
    s.subscribe((e) => seen.push(e));
    expect(await s.handle('daemon:status', {})).toMatchObject({
      ok: true,
      value: { problems: summary.problems, containers: { running: 3, total: 5 } },
    });
    engine.transition('starting');
    expect(seen[0]).toMatchObject({
      event: 'daemon:state',
      payload: { status: { state: 'starting', containers: { running: 3, total: 5 } } },
    });
    s.dispose();
  });

  it('daemon:stop and daemon:restart carry the notice of what keeps running', async () => {
    const s = createService({ engine, settings: store, info, inside: fakeInside().inside });
    for (const cmd of ['daemon:stop', 'daemon:restart'] as const) {
      expect(await s.invoke(cmd, {})).toMatchObject({
        ok: true,
        value: { notice: expect.stringMatching(/^3 containers keep running/) },
      });
    }
    s.dispose();
  });

  it('forwards containerd:events and inside:status to subscribers, and stops on dispose', () => {
    const f = fakeInside();
    const s = createService({ engine, settings: store, info, inside: f.inside });
    const seen: AnyEvent[] = [];
    s.subscribe((e) => seen.push(e));
    f.emit({ event: 'containerd:events', payload: { events: [] } });
    expect(seen).toEqual([{ event: 'containerd:events', payload: { events: [] } }]);
    s.dispose();
    f.emit({ event: 'containerd:events', payload: { events: [] } });
    expect(seen).toHaveLength(1);
  });
});

describe('hosts', () => {
  it('lists this machine first, from the same status every surface shows', async () => {
    const r = await service.handle('hosts:list', {});
    expect(r.ok).toBe(true);
    const hosts = (r as { value: { hosts: Array<Record<string, unknown>> } }).value.hosts;
    expect(hosts).toHaveLength(1);
    expect(hosts[0]).toMatchObject({ name: 'local', kind: 'local', phase: 'up', url: null });
    expect(hosts[0]!.state).toBe(engine.status().state);
  });

  it('runs a command on "local" as if sent here, and validates its payload there', async () => {
    const r = await service.handle('hosts:invoke', {
      host: 'local',
      cmd: 'daemon:start',
      payload: {},
    });
    expect(r).toMatchObject({ ok: true, value: { state: 'running' } });
    expect(engine.calls).toEqual(['start']);
    const bad = await service.handle('hosts:invoke', {
      host: 'local',
      cmd: 'logs:read',
      payload: { limit: -1 },
    });
    expect(bad).toMatchObject({ ok: false, error: { code: 'bad-payload' } });
  });

  it('refuses host commands inside hosts:invoke, unknown commands and unsaved hosts', async () => {
    for (const cmd of ['hosts:invoke', 'hosts:list', 'nope', '__proto__']) {
      const r = await service.handle('hosts:invoke', { host: 'local', cmd, payload: {} });
      expect(r).toMatchObject({ ok: false, error: { code: 'unknown-command' } });
    }
    const r = await service.handle('hosts:invoke', { host: 'far', cmd: 'daemon:start' });
    expect(r).toMatchObject({ ok: false, error: { code: 'unknown-host' } });
    expect(engine.calls).toEqual([]);
  });

  it("passes a provider's rows, replies and events through", async () => {
    const fns = new Set<(e: AnyEvent) => void>();
    const invoked: unknown[] = [];
    const svc = createService({
      engine,
      settings: store,
      info,
      logError,
      hosts: {
        list: () => [
          {
            name: 'far',
            url: 'ssh://u@far',
            kind: 'app',
            phase: 'down',
            state: 'unknown',
            lastSeen: 5,
            latencyMs: 3,
            version: '1.6.20',
            containers: null,
            problems: 0,
            error: null,
            retryAt: 9,
            readOnly: null,
          },
        ],
        invoke: async (host, cmd, payload) => {
          invoked.push([host, cmd, payload]);
          return { ok: true, value: { from: host } };
        },
        onEvent: (fn) => {
          fns.add(fn);
          return () => fns.delete(fn);
        },
      },
    });
    const seen: AnyEvent[] = [];
    svc.subscribe((e) => seen.push(e));
    const list = await svc.handle('hosts:list', {});
    expect(
      (list as { value: { hosts: Array<{ name: string }> } }).value.hosts.map((h) => h.name),
    ).toEqual(['local', 'far']);
    expect(
      await svc.handle('hosts:invoke', {
        host: 'far',
        cmd: 'containers:list',
        payload: { namespace: 'x' },
      }),
    ).toEqual({ ok: true, value: { from: 'far' } });
    expect(invoked).toEqual([['far', 'containers:list', { namespace: 'x' }]]);
    const e: AnyEvent = {
      event: 'host:event',
      payload: { host: 'far', event: 'logs:lines', payload: { lines: [] } },
    };
    for (const fn of fns) fn(e);
    expect(seen).toEqual([e]);
    svc.dispose();
    expect(fns.size).toBe(0);
  });
});
