// The hosts hub against stand-in remotes that speak the real control protocol: rows, commands,
// events, coalescing and the hosts file read again when it changes.
import * as fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AnyEvent } from '../../../common/contract';
import { RETRY_STEP_MS, type HostView } from '../../../common/hosts';
import type { PullProgress } from '../../../common/containerd';
import type { InsideEvent, InsideProvider } from '../../../main/containerd/provider';
import type { ControlClient } from '../../../main/control-socket/control-client';
import {
  createHostHub,
  latencyMoved,
  MAX_LANES_PER_HOST,
  RETRIES_LEAD_MS,
  RETRY_QUIET_MS,
  waitAllowance,
  type HostHub,
} from '../../../main/hosts/host-hub';
import {
  connectFixtures,
  FIXTURE_VERSION,
  startFixtureHost,
  writeHostsFile,
  type FixtureHost,
} from '../../helpers/fixture-hosts';
import { line } from '../service/fake-engine';

let dir: string;
let file: string;
let fixtures: Map<string, FixtureHost>;
let hub: HostHub | null;
let events: AnyEvent[];
/** When each event was told (wall clock). */
let stamps: Map<AnyEvent, number>;
let warnings: string[];

const until = async (cond: () => boolean, ms = 5000, what = 'the condition') => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
};

async function fixture(name: string): Promise<FixtureHost> {
  const h = await startFixtureHost(dir, name);
  fixtures.set(name, h);
  return h;
}

function startHub(extra: Partial<Parameters<typeof createHostHub>[0]> = {}): HostHub {
  hub = createHostHub({
    file,
    connect: connectFixtures(fixtures),
    logWarn: (m) => warnings.push(m),
    logError: () => undefined,
    sampleEveryMs: 60_000,
    reloadDebounceMs: 20,
    ...extra,
  });
  hub.onEvent((e) => {
    events.push(e);
    stamps.set(e, Date.now());
  });
  return hub;
}

const row = (name: string): HostView | undefined => hub!.list().find((h) => h.name === name);
const changes = (name: string) =>
  events.flatMap((e) =>
    e.event === 'hosts:changed' && e.payload.host.name === name ? [e.payload.host] : [],
  );

beforeEach(async () => {
  dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'cdesk-hub-'));
  file = path.join(dir, 'cfg', 'containerd-desktop', 'hosts.json');
  fixtures = new Map();
  hub = null;
  events = [];
  stamps = new Map();
  warnings = [];
});
afterEach(async () => {
  hub?.dispose();
  await Promise.all([...fixtures.values()].map((f) => f.dispose()));
  await fsp.rm(dir, { recursive: true, force: true });
});

describe('host hub: rows', () => {
  it('lists the saved hosts in file order with containerd state, version, counts and latency', async () => {
    await fixture('b');
    const a = await fixture('a');
    a.engine.current = { ...a.engine.current, problems: [{}, {}] as never };
    await writeHostsFile(file, ['b', 'a', 'gone']);
    startHub();
    await hub!.ready;
    expect(hub!.list().map((h) => h.name)).toEqual(['b', 'a', 'gone']);
    await until(() => row('a')?.state === 'running' && row('b')?.state === 'running');
    expect(row('a')).toMatchObject({
      url: 'ssh://me@a.example',
      kind: 'app',
      phase: 'up',
      version: FIXTURE_VERSION,
      problems: 2,
      error: null,
      retryAt: null,
      readOnly: null,
    });
    expect(row('a')!.latencyMs).toBeGreaterThanOrEqual(0);
    expect(row('a')!.lastSeen).toBeGreaterThan(Date.now() - 5000);
    // No fixture answers for "gone": down, Unknown, with why and when it tries again.
    await until(() => row('gone')?.phase === 'down');
    expect(row('gone')).toMatchObject({
      state: 'unknown',
      lastSeen: null,
      error: { code: 'internal' },
    });
    expect(row('gone')!.retryAt).toBeGreaterThan(Date.now() - 1000);
  });

  it('shows Unknown with the last-seen time when a link drops, and running again when it is back', async () => {
    const a = await fixture('a');
    await writeHostsFile(file, ['a']);
    startHub();
    await until(() => row('a')?.state === 'running');
    const seen = row('a')!.lastSeen!;
    await a.stop();
    await until(() => row('a')?.state === 'unknown', 2000, 'unknown');
    expect(row('a')).toMatchObject({ phase: 'down', lastSeen: seen, version: FIXTURE_VERSION });
    await until(() => changes('a').at(-1)?.state === 'unknown', 1000, 'the hosts:changed');
    await a.start();
    await until(() => row('a')?.state === 'running', 5000, 'running again');
    await until(() => changes('a').at(-1)?.state === 'running', 1000, 'the hosts:changed');
  });

  it('marks an agentless host read-only, with the reason', async () => {
    await writeHostsFile(file, ['a']);
    // The agentless URL form is parsed elsewhere; a target with a socket is what the row reads.
    const { hostView } = await import('../../../main/hosts/host-hub');
    const v = hostView(
      {
        saved: { name: 'k', url: 'ssh://me@node/run/containerd/containerd.sock' },
        target: { label: 'k', url: 'x', host: 'node', socket: '/run/containerd/containerd.sock' },
        invalid: null,
      },
      undefined,
    );
    expect(v).toMatchObject({
      kind: 'agentless',
      readOnly: expect.stringContaining('only reading works there'),
    });
  });
});

describe('host hub: invoke', () => {
  it('forwards a command and answers with the far side reply', async () => {
    const a = await fixture('a');
    await writeHostsFile(file, ['a']);
    startHub();
    await until(() => row('a')?.phase === 'up');
    const r = await hub!.invoke('a', 'daemon:status', {});
    expect(r).toMatchObject({ ok: true, value: { state: 'running', pid: a.engine.current.pid } });
    // The far side validates the payload as it does its own clients'.
    const bad = await hub!.invoke('a', 'logs:read', { limit: -1 });
    expect(bad).toMatchObject({ ok: false, error: { code: 'bad-payload' } });
  });

  it('refuses an unknown host with the saved names, and a down link saying when it retries', async () => {
    await writeHostsFile(file, ['a', 'b']);
    await fixture('a');
    startHub();
    await until(() => row('a')?.phase === 'up' && row('b')?.phase === 'down');
    expect(await hub!.invoke('nope', 'daemon:status', {})).toMatchObject({
      ok: false,
      error: { code: 'unknown-host', message: expect.stringContaining('(saved: a, b)') },
    });
    const down = await hub!.invoke('b', 'daemon:status', {});
    expect(down.ok).toBe(false);
    if (down.ok) return;
    expect(down.error.code).toBe('disconnected');
    expect(down.error.message).toMatch(
      /^b: the link is down, for \d+s .*next attempt in \d+s; nothing was sent$/,
    );
  });

  it('refuses load and save: the far side would open its own files', async () => {
    await fixture('a');
    await writeHostsFile(file, ['a']);
    startHub();
    await until(() => row('a')?.phase === 'up');
    const r = await hub!.invoke('a', 'image:load', { namespace: 'default', path: '/tmp/x.tar' });
    expect(r).toMatchObject({ ok: false, error: { code: 'bad-request' } });
  });

  it('a quick command that gets no answer times out once; a waiting one runs beside it', async () => {
    const a = await fixture('a');
    await writeHostsFile(file, ['a']);
    startHub({ invokeTimeoutMs: 300 });
    await until(() => row('a')?.phase === 'up');
    a.engine.configPreview = () => new Promise(() => undefined);
    const hung = await hub!.invoke('a', 'config:preview', {});
    expect(hung).toMatchObject({
      ok: false,
      error: { code: 'disconnected', message: expect.stringMatching(/no answer over the link/) },
    });
    // daemon:start waits on the far side: its own connection, so the link's samples and other
    // commands do not queue behind it.
    let release!: () => void;
    a.engine.onStart = () =>
      new Promise((r) => (release = () => r(a.engine.transition('running'))));
    const b = await fixture('b');
    b.engine.onStart = a.engine.onStart;
    await writeHostsFile(file, ['a', 'b']);
    await until(() => row('b')?.phase === 'up', 5000, 'b up');
    const start = hub!.invoke('b', 'daemon:start', {});
    await until(() => b.engine.calls.includes('start'), 2000, 'the start to arrive');
    expect(await hub!.invoke('b', 'daemon:status', {})).toMatchObject({ ok: true });
    await new Promise((r) => setTimeout(r, 400));
    release();
    expect(await start).toMatchObject({ ok: true, value: { state: 'running' } });
  });
});

describe('host hub: connections for waiting commands', () => {
  it('sends quick commands over the link, and gives waiting ones the time they ask for', () => {
    expect(waitAllowance('containers:list', { namespace: 'default' })).toBe(0);
    expect(waitAllowance('container:logs', { namespace: 'd', id: 'c' })).toBe(0);
    expect(waitAllowance('container:logs', { namespace: 'd', id: 'c', waitMs: 20_000 })).toBe(
      20_000,
    );
    expect(waitAllowance('task:stop', { namespace: 'd', id: 'c' })).toBe(10_000);
    expect(waitAllowance('task:stop', { namespace: 'd', id: 'c', graceMs: 0 })).toBe(0);
    expect(waitAllowance('task:wait', { namespace: 'd', id: 'c', timeoutMs: 5000 })).toBe(5000);
    expect(waitAllowance('image:pull', {})).toBe('progress');
    expect(waitAllowance('daemon:restart', {})).toBe(300_000);
  });

  it('reuses an idle one, and refuses past the bound per host with busy', async () => {
    const a = await fixture('a');
    await writeHostsFile(file, ['a']);
    let connects = 0;
    const connect = connectFixtures(fixtures);
    startHub({ connect: (t) => (connects++, connect(t)) });
    await until(() => row('a')?.phase === 'up');
    expect(connects).toBe(1);
    // One after another: the second reuses the first's connection.
    expect(await hub!.invoke('a', 'daemon:stop', {})).toMatchObject({ ok: true });
    expect(await hub!.invoke('a', 'daemon:start', {})).toMatchObject({ ok: true });
    expect(connects).toBe(2);
    // All at once: at most MAX_LANES_PER_HOST, the rest told to wait.
    const releases: (() => void)[] = [];
    a.engine.onStart = () =>
      new Promise((r) => releases.push(() => r(a.engine.transition('running'))));
    const all = Array.from({ length: MAX_LANES_PER_HOST + 2 }, () =>
      hub!.invoke('a', 'daemon:start', {}),
    );
    await until(() => releases.length === MAX_LANES_PER_HOST, 5000, 'the starts to arrive');
    for (const r of releases) r();
    const results = await Promise.all(all);
    expect(results.filter((r) => r.ok)).toHaveLength(MAX_LANES_PER_HOST);
    expect(results.filter((r) => !r.ok).map((r) => !r.ok && r.error.code)).toEqual([
      'busy',
      'busy',
    ]);
    expect(connects).toBe(1 + MAX_LANES_PER_HOST);
  });
});

describe('host hub: a pull', () => {
  /** A far side whose image:pull sends `steps` progress events `everyMs` apart, then answers. */
  async function puller(steps: number, everyMs: number): Promise<FixtureHost> {
    let emit: ((e: InsideEvent) => void) | null = null;
    const progress = (pullId: string, phase: PullProgress['phase']): InsideEvent => ({
      event: 'image:pull-progress',
      payload: {
        pullId,
        namespace: 'default',
        ref: 'x/y:1',
        phase,
        layers: [],
        current: 1,
        total: 2,
        bytesPerSecond: 1,
      } as PullProgress,
    });
    const inside = {
      handlers: {
        'image:pull': async ({ pullId }: { pullId: string }) => {
          for (let i = 0; i < steps; i++) {
            await new Promise((r) => setTimeout(r, everyMs));
            emit?.(progress(pullId, 'downloading'));
          }
          if (steps === 0) await new Promise(() => undefined);
          return { name: 'x/y:1', digest: 'sha256:1', platform: 'linux/amd64', downloaded: 2 };
        },
      },
      onEvent: (fn: (e: InsideEvent) => void) => {
        emit = fn;
        return () => undefined;
      },
      summary: () => ({ problems: [], containers: null, inside: { state: 'connected' } }),
      stopNotice: async () => null,
    } as unknown as InsideProvider;
    const h = await startFixtureHost(dir, 'a', { inside });
    fixtures.set('a', h);
    return h;
  }
  const pull = { namespace: 'default', ref: 'x/y:1', pullId: 'p1' };

  it('does not time out while its progress keeps coming', async () => {
    await puller(8, 100);
    await writeHostsFile(file, ['a']);
    startHub({ invokeTimeoutMs: 300 });
    await until(() => row('a')?.phase === 'up');
    expect(await hub!.invoke('a', 'image:pull', pull)).toMatchObject({
      ok: true,
      value: { digest: 'sha256:1' },
    });
    // Its progress reached the window as the host's events.
    expect(
      events.filter((e) => e.event === 'host:event' && e.payload.event === 'image:pull-progress'),
    ).toHaveLength(8);
  });

  it('gives up once no progress came for the deadline, saying so', async () => {
    await puller(0, 0);
    await writeHostsFile(file, ['a']);
    startHub({ invokeTimeoutMs: 300 });
    await until(() => row('a')?.phase === 'up');
    expect(await hub!.invoke('a', 'image:pull', pull)).toMatchObject({
      ok: false,
      error: {
        code: 'disconnected',
        message: expect.stringMatching(
          /^a: image:pull got no answer over the link within \d+ s \(and no progress\)$/,
        ),
      },
    });
  });
});

describe('host hub: events', () => {
  it("passes on a remote's events as host:event, and never its own hosts events", async () => {
    let remoteEmit: ((e: AnyEvent) => void) | null = null;
    const a = await startFixtureHost(dir, 'a', {
      hosts: {
        list: () => [],
        invoke: async () => ({ ok: true, value: null }),
        onEvent: (fn) => {
          remoteEmit = fn;
          return () => undefined;
        },
      },
    });
    fixtures.set('a', a);
    await writeHostsFile(file, ['a']);
    startHub();
    await until(() => row('a')?.phase === 'up');
    await new Promise((r) => setTimeout(r, 100));
    remoteEmit!({ event: 'host:event', payload: { host: 'x', event: 'logs:lines', payload: {} } });
    remoteEmit!({ event: 'hosts:changed', payload: { host: row('a')! } });
    a.engine.emit({ type: 'log', lines: [line(1)] });
    await until(() => events.some((e) => e.event === 'host:event'), 2000, 'the host:event');
    await new Promise((r) => setTimeout(r, 100));
    const got = events.filter((e) => e.event === 'host:event');
    expect(got).toEqual([
      {
        event: 'host:event',
        payload: { host: 'a', event: 'logs:lines', payload: { lines: [line(1)] } },
      },
    ]);
  });

  it("a remote's daemon:state updates its row at once, between samples", async () => {
    const a = await fixture('a');
    await writeHostsFile(file, ['a']);
    startHub();
    await until(() => row('a')?.state === 'running');
    await new Promise((r) => setTimeout(r, 100));
    a.engine.transition('stopped');
    await until(() => row('a')?.state === 'stopped', 1000, 'stopped');
    await until(() => changes('a').at(-1)?.state === 'stopped', 1000, 'the hosts:changed');
  });

  it('coalesces a flapping host to at most one hosts:changed per 100 ms, ending on the last state', async () => {
    const a = await fixture('a');
    await writeHostsFile(file, ['a']);
    startHub();
    await until(() => row('a')?.state === 'running');
    await new Promise((r) => setTimeout(r, 150));
    const before = changes('a').length;
    const t0 = Date.now();
    for (let i = 0; i < 30; i++) {
      a.engine.transition(i % 2 ? 'running' : 'unhealthy');
      await new Promise((r) => setTimeout(r, 10));
    }
    a.engine.transition('stopped');
    await until(() => changes('a').at(-1)?.state === 'stopped', 2000, 'the last state');
    const sent = changes('a').length - before;
    const windows = Math.ceil((Date.now() - t0) / 100) + 1;
    expect(sent).toBeGreaterThan(0);
    expect(sent).toBeLessThanOrEqual(windows);
  });
});

describe('host hub: what counts as a row change', () => {
  /** The fixtures' connect, with each status sample answered `delay.ms` late (the link's latency). */
  const slowed = (delay: { ms: number }) => {
    const connect = connectFixtures(fixtures);
    return async (t: Parameters<typeof connect>[0]): Promise<ControlClient> => {
      const c = await connect(t);
      const invoke = c.invoke.bind(c) as (cmd: string, p: unknown) => Promise<unknown>;
      return {
        ...c,
        invoke: (async (cmd: string, p: unknown) => {
          if (cmd === 'daemon:status') await new Promise((r) => setTimeout(r, delay.ms));
          return invoke(cmd, p);
        }) as ControlClient['invoke'],
      };
    };
  };

  it('a latency that moves a little sends no hosts:changed; a state change still goes out at once', async () => {
    const a = await fixture('a');
    await writeHostsFile(file, ['a']);
    const delay = { ms: 100 };
    startHub({ connect: slowed(delay), sampleEveryMs: 60 });
    await until(() => row('a')?.state === 'running' && (row('a')?.latencyMs ?? 0) >= 100);
    await new Promise((r) => setTimeout(r, 300));
    const before = changes('a').length;
    // 100 → 125 ms: every sample's latency differs from the one the window has, by a little.
    delay.ms = 125;
    await until(() => (row('a')?.latencyMs ?? 0) >= 125, 2000, 'the new latency sampled');
    await new Promise((r) => setTimeout(r, 800));
    expect(changes('a').length).toBe(before);
    const t0 = performance.now();
    a.engine.transition('stopped');
    await until(() => changes('a').at(-1)?.state === 'stopped', 1000, 'the state change');
    expect(performance.now() - t0).toBeLessThan(500);
    // It carries the latency as it is now.
    expect(changes('a').at(-1)!.latencyMs).toBeGreaterThanOrEqual(125);
  });

  it('a latency that moves a lot goes out by itself', async () => {
    await fixture('a');
    await writeHostsFile(file, ['a']);
    const delay = { ms: 20 };
    startHub({ connect: slowed(delay), sampleEveryMs: 60 });
    await until(() => row('a')?.state === 'running');
    await new Promise((r) => setTimeout(r, 300));
    const before = changes('a').length;
    delay.ms = 150;
    await until(
      () => (changes('a').at(-1)?.latencyMs ?? 0) >= 150,
      2000,
      'the latency to reach the window',
    );
    expect(changes('a').length - before).toBeGreaterThanOrEqual(1);
    expect(changes('a').at(-1)!.state).toBe('running');
  });

  it('decides a latency moved by half and by 5 ms or more', () => {
    expect(latencyMoved(12, 18)).toBe(true);
    expect(latencyMoved(12, 15)).toBe(false);
    expect(latencyMoved(200, 260)).toBe(false);
    expect(latencyMoved(200, 320)).toBe(true);
    expect(latencyMoved(1, 4)).toBe(false);
    expect(latencyMoved(null, 3)).toBe(true);
    expect(latencyMoved(3, null)).toBe(true);
    expect(latencyMoved(null, null)).toBe(false);
  });

  it("a down host's retry that fails at once as before moves only its retry time: told in hosts:retries, batched just before each step", async () => {
    await writeHostsFile(file, ['gone', 'lost']);
    startHub();
    await until(() => row('gone')?.phase === 'down' && row('lost')?.phase === 'down', 2000, 'down');
    // Let the first retries (0.5 s, 1 s, 2 s apart) run: each fails at once (no fixture).
    await new Promise((r) => setTimeout(r, 5500 + RETRY_STEP_MS));
    const sent = changes('gone');
    // The whole row went out for the first connect and the first failure only.
    expect(sent.map((h) => h.phase)).toEqual(['connecting', 'down']);
    const batches = events.flatMap((e) => (e.event === 'hosts:retries' ? [e] : []));
    expect(batches.length).toBeGreaterThanOrEqual(1);
    // Each batch went out within RETRIES_LEAD_MS before a step of the wall clock (never earlier;
    // a busy machine fires the timer late, which only shortens the lead), with both hosts' times.
    for (const b of batches) {
      const at = stamps.get(b)!;
      const toStep = RETRY_STEP_MS - (at % RETRY_STEP_MS);
      expect(toStep).toBeLessThanOrEqual(RETRIES_LEAD_MS + 5);
    }
    expect(
      batches.some(
        (b) =>
          b.payload.retries
            .map((r) => r.name)
            .sort()
            .join() === 'gone,lost',
      ),
    ).toBe(true);
    // Each says when it tries again, later each time, and the list agrees with the last.
    const at = [
      sent[1]!.retryAt!,
      ...batches.flatMap((b) =>
        b.payload.retries.filter((r) => r.name === 'gone').map((r) => r.retryAt),
      ),
    ];
    expect([...at].sort((x, y) => x - y)).toEqual(at);
    expect(new Set(at).size).toBe(at.length);
    expect(row('gone')!.retryAt).toBeGreaterThanOrEqual(at.at(-1)!);
  }, 15_000);

  it('a retry still under way after RETRY_QUIET_MS goes out as connecting; coming up goes out at once', async () => {
    const gate = { open: false, release: () => {} };
    const connect = connectFixtures(fixtures);
    await writeHostsFile(file, ['a']);
    let calls = 0;
    startHub({
      connect: async (t) => {
        calls++;
        if (calls === 1) throw new Error('refused');
        // The retry hangs until the test lets it through (a host slow to answer ssh).
        await new Promise<void>((r) => (gate.release = r));
        return connect(t);
      },
    });
    await until(() => row('a')?.phase === 'down', 2000, 'down');
    await until(() => row('a')?.phase === 'connecting', 3000, 'the retry');
    const retryStart = performance.now();
    const before = changes('a').length;
    await new Promise((r) => setTimeout(r, RETRY_QUIET_MS / 2));
    expect(changes('a').length).toBe(before);
    await until(() => changes('a').at(-1)?.phase === 'connecting', RETRY_QUIET_MS, 'connecting');
    expect(performance.now() - retryStart).toBeGreaterThanOrEqual(RETRY_QUIET_MS - 50);
    await fixture('a');
    const t0 = performance.now();
    gate.release();
    await until(() => changes('a').at(-1)?.state === 'running', 1000, 'running');
    expect(performance.now() - t0).toBeLessThan(500);
  }, 10_000);
});

describe('host hub: the hosts file', () => {
  it('reads the file again when it changes: a host added appears, one removed goes', async () => {
    await fixture('a');
    await fixture('b');
    startHub();
    await hub!.ready;
    // No file (and no folder) yet: no hosts.
    expect(hub!.list()).toEqual([]);
    await writeHostsFile(file, ['a']);
    await until(() => row('a')?.phase === 'up', 8000, 'a to appear');
    await writeHostsFile(file, ['a', 'b']);
    await until(() => row('b')?.phase === 'up', 3000, 'b to appear');
    expect(changes('b').length).toBeGreaterThan(0);
    await writeHostsFile(file, ['b']);
    await until(() => row('a') === undefined, 3000, 'a to go');
    expect(hub!.list().map((h) => h.name)).toEqual(['b']);
    // The window hears of it at once: the row's last state, marked removed.
    const last = events.at(-1);
    expect(last?.event).toBe('hosts:changed');
    expect(last?.payload).toMatchObject({ host: { name: 'a' }, removed: true });
  }, 15_000);

  it('keeps the last good list when the file goes bad, and says which field', async () => {
    await fixture('a');
    await writeHostsFile(file, ['a']);
    startHub();
    await until(() => row('a')?.phase === 'up');
    await fsp.writeFile(
      file,
      JSON.stringify({ version: 1, hosts: [{ name: 'a', url: 'http://x' }] }),
    );
    await until(() => warnings.length > 0, 3000, 'the warning');
    expect(warnings[0]).toMatch(/hosts: the hosts file .*hosts\.json is invalid: .*url/i);
    expect(warnings[0]).toMatch(/keeping the last good list \(1 hosts\)/);
    expect(hub!.list().map((h) => [h.name, h.phase])).toEqual([['a', 'up']]);
  });
});
