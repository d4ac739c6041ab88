// Specification of the lifecycle reducer: every state × event, then the stories that matter.
import { describe, expect, it } from 'vitest';
import type { LifeEvent } from '../../../main/engine/lifecycle';
import { initialLife, reduce } from '../../../main/engine/lifecycle';
import {
  cell,
  drive,
  events,
  fixtures,
  settings,
  type EventName,
  type FixtureName,
} from './lifecycle-fixtures';

// Each cell: the next phase and the effects, in order; "=" means the event changes nothing.
// launching = `starting` before a pid is known; spawned = `starting` with a pid;
// hangKill = `unhealthy` while the hung daemon is being killed.
const TABLE: Record<EventName, Record<FixtureName, string>> = {
  start: {
    stopped: 'starting launch',
    launching: '=',
    spawned: '=',
    running: '=',
    unhealthy: '=',
    hangKill: '=',
    backoff: '=',
    stopping: 'stopping',
    failed: 'starting launch',
  },
  stop: {
    stopped: '=',
    launching: 'stopping cancel-respawn stop-checks cleanup',
    spawned: 'stopping cancel-respawn stop-checks terminate',
    running: 'stopping cancel-respawn stop-checks terminate',
    unhealthy: 'stopping cancel-respawn stop-checks terminate',
    hangKill: 'stopping cancel-respawn stop-checks terminate',
    backoff: 'stopped cancel-respawn stop-checks remove-pidfile',
    stopping: 'stopping',
    failed: 'stopped cancel-respawn stop-checks remove-pidfile',
  },
  restart: {
    stopped: 'starting count-restart launch',
    launching: 'stopping cancel-respawn stop-checks cleanup',
    spawned: 'stopping cancel-respawn stop-checks terminate',
    running: 'stopping cancel-respawn stop-checks terminate',
    unhealthy: 'stopping cancel-respawn stop-checks terminate',
    hangKill: 'stopping cancel-respawn stop-checks terminate',
    backoff: 'starting cancel-respawn stop-checks remove-pidfile count-restart launch',
    stopping: 'stopping',
    failed: 'starting count-restart launch',
  },
  detach: {
    stopped: 'stopped cancel-respawn stop-checks detach',
    launching: 'starting cancel-respawn stop-checks detach',
    spawned: 'starting cancel-respawn stop-checks detach',
    running: 'running cancel-respawn stop-checks detach',
    unhealthy: 'unhealthy cancel-respawn stop-checks detach',
    hangKill: 'unhealthy cancel-respawn stop-checks detach',
    backoff: 'backoff cancel-respawn stop-checks detach',
    stopping: 'stopping cancel-respawn stop-checks detach',
    failed: 'failed cancel-respawn stop-checks detach',
  },
  spawned: {
    stopped: '=',
    launching: 'starting',
    spawned: '=',
    running: '=',
    unhealthy: '=',
    hangKill: '=',
    backoff: '=',
    stopping: '=',
    failed: '=',
  },
  adopted: {
    stopped: '=',
    launching: 'running schedule-check',
    spawned: '=',
    running: '=',
    unhealthy: '=',
    hangKill: '=',
    backoff: '=',
    stopping: '=',
    failed: '=',
  },
  'launch-failed': {
    stopped: '=',
    launching: 'failed stop-checks',
    spawned: 'failed stop-checks',
    running: '=',
    unhealthy: '=',
    hangKill: '=',
    backoff: '=',
    stopping: '=',
    failed: '=',
  },
  serving: {
    stopped: '=',
    launching: '=',
    spawned: 'running schedule-check',
    running: '=',
    unhealthy: '=',
    hangKill: '=',
    backoff: '=',
    stopping: '=',
    failed: '=',
  },
  'startup-timeout': {
    stopped: '=',
    launching: '=',
    spawned: 'starting kill',
    running: '=',
    unhealthy: '=',
    hangKill: '=',
    backoff: '=',
    stopping: '=',
    failed: '=',
  },
  // A failed start backs off (its pidfile removed); a successful run is respawned at once
  // and the new pidfile simply replaces the old one.
  exited: {
    stopped: '=',
    launching: '=',
    spawned: 'backoff stop-checks remove-pidfile schedule-respawn',
    running: 'backoff stop-checks schedule-respawn',
    unhealthy: 'backoff stop-checks schedule-respawn',
    hangKill: 'backoff stop-checks schedule-respawn',
    backoff: '=',
    stopping: 'stopping stop-checks cleanup',
    failed: '=',
  },
  'check-ok': {
    stopped: '=',
    launching: '=',
    spawned: '=',
    running: 'running schedule-check',
    unhealthy: 'running schedule-check',
    hangKill: 'unhealthy',
    backoff: '=',
    stopping: '=',
    failed: '=',
  },
  'check-fail': {
    stopped: '=',
    launching: '=',
    spawned: '=',
    running: 'running schedule-check',
    // The fixture went unhealthy under hangPolicy "report"; the table runs with "restart".
    unhealthy: 'unhealthy kill-hung',
    hangKill: 'unhealthy',
    backoff: '=',
    stopping: '=',
    failed: '=',
  },
  'respawn-due': {
    stopped: '=',
    launching: '=',
    spawned: '=',
    running: '=',
    unhealthy: '=',
    hangKill: '=',
    backoff: 'starting count-restart launch',
    stopping: '=',
    failed: '=',
  },
  cleaned: {
    stopped: '=',
    launching: '=',
    spawned: '=',
    running: '=',
    unhealthy: '=',
    hangKill: '=',
    backoff: '=',
    stopping: 'stopped',
    failed: '=',
  },
  settings: {
    stopped: '=',
    launching: '=',
    spawned: '=',
    running: 'running schedule-check',
    unhealthy: 'unhealthy schedule-check',
    hangKill: '=',
    backoff: '=',
    stopping: '=',
    failed: '=',
  },
};

describe('lifecycle: every state × event', () => {
  it('the fixtures are in the phases their names say', () => {
    expect(Object.fromEntries(Object.entries(fixtures).map(([k, v]) => [k, v.phase]))).toEqual({
      stopped: 'stopped',
      launching: 'starting',
      spawned: 'starting',
      running: 'running',
      unhealthy: 'unhealthy',
      hangKill: 'unhealthy',
      backoff: 'backoff',
      stopping: 'stopping',
      failed: 'failed',
    });
    expect(fixtures.launching.pid).toBeNull();
    expect(fixtures.spawned.pid).toBe(100);
    expect(fixtures.hangKill.kill?.cause).toBe('hang');
    expect(fixtures.unhealthy.kill).toBeNull();
  });
  for (const e of Object.keys(TABLE) as EventName[]) {
    for (const f of Object.keys(TABLE[e]) as FixtureName[]) {
      it(`${f} + ${e} → ${TABLE[e][f]}`, () => {
        expect(cell(f, e)).toBe(TABLE[e][f]);
      });
    }
  }
  it('events of another run change nothing in any state', () => {
    const stale: LifeEvent[] = [
      { type: 'spawned', run: 7, pid: 1, now: 1 },
      { type: 'serving', run: 7, now: 1 },
      {
        type: 'exited',
        run: 7,
        now: 1,
        exit: { code: 1, signal: null, at: 1 },
        configError: null,
        random: 0,
      },
      { type: 'check', run: 7, now: 1, ok: false, result: 'TIMEOUT', tookMs: 1 },
      { type: 'respawn-due', run: 7 },
      { type: 'cleaned', run: 7 },
      { type: 'launch-failed', run: 7, code: 'x', message: 'x', hint: 'x' },
    ];
    for (const f of Object.values(fixtures)) {
      for (const e of stale) expect(reduce(f, e, settings)).toEqual({ state: f, effects: [] });
    }
  });
});

describe('lifecycle: stories', () => {
  const exit = (run: number, now: number) =>
    ({
      type: 'exited',
      run,
      now,
      exit: { code: 1, signal: null, at: now },
      configError: null,
      random: 0.5,
    }) as const;

  it('stop during start-up waits for the launch, cleans up, ends stopped', () => {
    let step = drive([{ type: 'start' }, { type: 'stop', reason: 'stopped by request' }]);
    expect(step.state.phase).toBe('stopping');
    expect(step.effects).toContainEqual({ kind: 'cleanup', run: 1 });
    // The launch, cancelled, reports nothing; a late spawned event is refused.
    step = reduce(step.state, { type: 'spawned', run: 1, pid: 5, now: 5 }, settings);
    expect(step.state.pid).toBeNull();
    step = reduce(step.state, { type: 'cleaned', run: 1 }, settings);
    expect(step.state).toMatchObject({ phase: 'stopped', reason: 'stopped by request' });
  });

  it('stop during backoff cancels the respawn and a late timer does nothing', () => {
    const step = reduce(fixtures.backoff, events.stop, settings);
    expect(step.state.phase).toBe('stopped');
    expect(step.effects[0]).toEqual({ kind: 'cancel-respawn' });
    expect(reduce(step.state, events['respawn-due'], settings).effects).toEqual([]);
  });

  it('stop during a hang kill terminates the daemon; its exit ends the stop', () => {
    let step = reduce(fixtures.hangKill, events.stop, settings);
    expect(step.state.phase).toBe('stopping');
    expect(step.state.kill).toBeNull();
    step = reduce(step.state, exit(1, 30_000), settings);
    expect(step.effects.map((e) => e.kind)).toEqual(['stop-checks', 'cleanup']);
    step = reduce(step.state, { type: 'cleaned', run: 1 }, settings);
    expect(step.state.phase).toBe('stopped');
    expect(step.effects).toEqual([]);
  });

  it('restart: stops, then launches a new run counted as a user restart', () => {
    let step = reduce(fixtures.running, events.restart, settings);
    expect(step.state).toMatchObject({ phase: 'stopping', startAfterStop: 'restart' });
    step = reduce(step.state, exit(1, 5000), settings);
    step = reduce(step.state, { type: 'cleaned', run: 1 }, settings);
    expect(step.state).toMatchObject({ phase: 'starting', run: 2, wanted: true });
    expect(step.effects).toEqual([
      { kind: 'count-restart', cause: 'user' },
      { kind: 'launch', run: 2, adopt: true },
    ]);
  });

  it('adoption goes straight to running and starts liveness checks', () => {
    const step = drive([{ type: 'start' }, { type: 'adopted', run: 1, pid: 42, now: 10 }]);
    expect(step.state).toMatchObject({ phase: 'running', pid: 42, adopted: true, code: 'adopted' });
    expect(step.effects).toEqual([
      { kind: 'schedule-check', run: 1, delayMs: settings.health.livenessIntervalMs },
    ]);
  });

  it('the breaker: five failed starts in a row end in failed, with a hint', () => {
    const evs: LifeEvent[] = [{ type: 'start' }];
    for (let run = 1; run <= 5; run++) {
      evs.push(
        { type: 'spawned', run, pid: 100 + run, now: run * 1000 - 500 },
        exit(run, run * 1000),
      );
      if (run < 5) evs.push({ type: 'respawn-due', run });
    }
    const step = drive(evs);
    expect(step.state).toMatchObject({ phase: 'failed', code: 'crash-loop', wanted: false });
    expect(step.state.hint).toMatch(/start containerd again/);
    expect(step.state.reason).toMatch(/; 5 failed starts within 5m, giving up$/);
    expect(step.effects.some((e) => e.kind === 'schedule-respawn')).toBe(false);
  });

  it('a daemon that served and then keeps crashing is never failed, and says so', () => {
    const evs: LifeEvent[] = [{ type: 'start' }];
    // Every 3 s, after 1.5 s of SERVING: more than the default 10 exits within a minute.
    for (let run = 1; run <= 12; run++) {
      const t = run * 3_000;
      evs.push(
        { type: 'spawned', run, pid: 100 + run, now: t - 100 },
        { type: 'serving', run, now: t },
        exit(run, t + 1500),
        { type: 'respawn-due', run },
      );
    }
    const step = drive(evs.slice(0, -1));
    expect(step.state.phase).toBe('backoff');
    expect(step.state.reason).toMatch(
      /^containerd exited with code 1; crashed 12 times in \d+s( \d+ms)?; next try in \d+(ms|s( \d+ms)?)$/,
    );
  });

  it('the minimum uptime counts from the spawn, not from SERVING (like PM2 and supervisord)', () => {
    const run = (exitAt: number) =>
      drive([
        { type: 'start' },
        { type: 'spawned', run: 1, pid: 9, now: 0 },
        { type: 'serving', run: 1, now: 700 },
        exit(1, exitAt),
      ]).state;
    expect(run(1100)).toMatchObject({ phase: 'backoff', retryInMs: 0 });
    expect(run(900).retryInMs).toBe(500);
    expect(run(900).memory.failedStarts).toEqual([900]);
  });

  it('a config error before SERVING goes straight to failed', () => {
    const step = drive([
      { type: 'start' },
      { type: 'spawned', run: 1, pid: 9, now: 0 },
      { ...exit(1, 50), configError: "Can't convert x" },
    ]);
    expect(step.state).toMatchObject({ phase: 'failed', code: 'config-invalid' });
    expect(step.state.hint).toMatch(/overrides file/);
  });

  it('a hang kill is respawned at once and counted as a hang', () => {
    let step = reduce(fixtures.hangKill, exit(1, 12_000), settings);
    expect(step.state).toMatchObject({ phase: 'backoff', code: 'hung', retryInMs: 0 });
    expect(step.state.reason).toMatch(/^containerd hung \(3 health checks failed in a row/);
    step = reduce(step.state, { type: 'respawn-due', run: 1 }, settings);
    expect(step.effects[0]).toEqual({ kind: 'count-restart', cause: 'hang' });
  });

  it('hang policy "report" keeps checking at the quick recheck and never kills', () => {
    const report = { ...settings, hangPolicy: 'report' as const };
    const step = reduce(fixtures.unhealthy, events['check-fail'], report);
    expect(step.state.phase).toBe('unhealthy');
    expect(step.effects).toEqual([{ kind: 'schedule-check', run: 1, delayMs: 0 }]);
  });

  it('a settings change while running reschedules the next check on the new interval', () => {
    const faster = { ...settings, health: { ...settings.health, livenessIntervalMs: 250 } };
    expect(reduce(fixtures.running, events.settings, faster).effects).toEqual([
      { kind: 'schedule-check', run: 1, delayMs: 250 },
    ]);
  });

  it('a start-up timeout kills the daemon; its exit is a failed start with that reason', () => {
    let step = reduce(fixtures.spawned, events['startup-timeout'], settings);
    step = reduce(step.state, exit(1, 61_000), settings);
    expect(step.state.phase).toBe('backoff');
    expect(step.state.reason).toMatch(/did not answer the health check within 60000 ms/);
    expect(step.state.memory.failedStarts).toEqual([61_000]);
  });

  it('starts from a clean initial state', () => {
    expect(initialLife()).toMatchObject({ phase: 'stopped', wanted: false, run: 0, pid: null });
  });
});
