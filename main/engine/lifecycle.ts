// The daemon lifecycle as a pure reducer: (state, event) → (state, effects). No timers, processes or files.
import { formatDuration } from '../../common/duration';
import type { Settings } from '../../common/settings';
import type { DaemonState, ExitInfo, HealthResult } from '../../common/states';
import {
  decideAfterExit,
  describeExit,
  freshMemory,
  livenessStep,
  nextCheckDelay,
  REASON_DURATION,
  type PolicyMemory,
} from './policy';

/** Why a daemon is being killed by us (so its exit is described and counted right). */
export type KillCause = 'hang' | 'startup';
export type RestartCause = 'crash' | 'hang' | 'user';

export interface LifeState {
  phase: DaemonState;
  reason: string;
  code: string;
  hint: string | null;
  retryInMs: number | null;
  /** Whether the user wants containerd running; false stops every automatic respawn. */
  wanted: boolean;
  /** Id of the current launch; events carrying another run's id are stale and ignored. */
  run: number;
  pid: number | null;
  adopted: boolean;
  /** Monotonic ms when the current daemon was spawned or adopted. */
  startedAt: number | null;
  /** Monotonic ms when the current daemon first answered SERVING. */
  healthyAt: number | null;
  /** Monotonic ms of the last passing check. */
  lastOkAt: number | null;
  /** Consecutive failed liveness checks. */
  failures: number;
  /** Monotonic ms when the first of the current failing checks began (the daemon answered until about then). */
  firstFailAt: number | null;
  kill: { cause: KillCause; why: string } | null;
  memory: PolicyMemory;
  /** A restart (or a start during a stop): launch again once the stop has finished. */
  startAfterStop: 'restart' | 'start' | null;
  /** What the next respawn is counted as. */
  pendingCause: RestartCause | null;
  /** How the last daemon ended, for the respawn's reason. */
  exitWhat: string | null;
  /** Why the stop in progress was asked for (the `stopped` reason). */
  stopReason: string;
}

export type LifeEvent =
  | { type: 'start' }
  | { type: 'stop'; reason: string }
  | { type: 'restart' }
  /** Stop supervising, leave the daemon running for adoption (quit with leave-running). */
  | { type: 'detach' }
  | { type: 'spawned'; run: number; pid: number; now: number }
  | { type: 'adopted'; run: number; pid: number; now: number }
  | { type: 'launch-failed'; run: number; code: string; message: string; hint: string }
  | { type: 'serving'; run: number; now: number }
  | { type: 'startup-timeout'; run: number; budgetMs: number; last: HealthResult | null }
  | {
      type: 'exited';
      run: number;
      now: number;
      exit: ExitInfo;
      /** containerd's own words when it rejected its config (only looked for before SERVING). */
      configError: string | null;
      /** containerd's last error line, for a start that never answered (null: none, or answered). */
      lastError?: string | null;
      /** In [0,1): the jitter draw, so the reducer stays deterministic. */
      random: number;
    }
  | { type: 'check'; run: number; now: number; ok: boolean; result: HealthResult; tookMs: number }
  | { type: 'respawn-due'; run: number }
  /** The stop's cleanup (pidfile, socket) is done. */
  | { type: 'cleaned'; run: number }
  | { type: 'settings' };

export type Effect =
  /** adopt: look for a daemon left running first (not on a respawn: the last one was ours and died). */
  | { kind: 'launch'; run: number; adopt: boolean }
  /** SIGTERM (+SIGCONT), grace, SIGKILL; its exit comes back as `exited`. */
  | { kind: 'terminate'; run: number }
  | { kind: 'kill'; run: number }
  /** SIGUSR1 (stack dump), a short wait, SIGKILL. */
  | { kind: 'kill-hung'; run: number }
  | { kind: 'schedule-check'; run: number; delayMs: number }
  | { kind: 'stop-checks' }
  | { kind: 'schedule-respawn'; run: number; delayMs: number }
  | { kind: 'cancel-respawn' }
  /** Wait for any launch in flight, remove pidfile and socket (if we own the state dir), then `cleaned`. */
  | { kind: 'cleanup'; run: number }
  /** The daemon died unplanned: its pidfile is stale. */
  | { kind: 'remove-pidfile' }
  | { kind: 'detach' }
  | { kind: 'count-restart'; cause: RestartCause };

export interface Step {
  state: LifeState;
  effects: Effect[];
}

/** What a run knows about its daemon, as at a launch: nothing yet. */
const NO_DAEMON = {
  pid: null,
  adopted: false,
  startedAt: null,
  healthyAt: null,
  lastOkAt: null,
  failures: 0,
  firstFailAt: null,
  kill: null,
  startAfterStop: null,
  pendingCause: null,
} as const satisfies Partial<LifeState>;

export function initialLife(): LifeState {
  return {
    phase: 'stopped',
    reason: 'not started',
    code: 'init',
    hint: null,
    retryInMs: null,
    wanted: false,
    run: 0,
    ...NO_DAEMON,
    memory: freshMemory(),
    exitWhat: null,
    stopReason: '',
  };
}

const ALIVE: ReadonlySet<DaemonState> = new Set(['starting', 'running', 'unhealthy']);

function to(
  s: LifeState,
  phase: DaemonState,
  reason: string,
  code: string,
  extra: Partial<LifeState> = {},
): LifeState {
  return { ...s, phase, reason, code, hint: null, retryInMs: null, ...extra };
}

/** A fresh launch: a new run id, nothing known about the daemon yet. */
function launch(s: LifeState, reason: string, code: string, effects: Effect[] = []): Step {
  const run = s.run + 1;
  const state = to(s, 'starting', reason, code, { wanted: true, run, ...NO_DAEMON });
  return { state, effects: [...effects, { kind: 'launch', run, adopt: code !== 'respawn' }] };
}

/** Begin a stop from any phase: cancel what is pending, end the daemon if there is one. */
function beginStop(s: LifeState, reason: string, startAfter: LifeState['startAfterStop']): Step {
  const cancel: Effect[] = [{ kind: 'cancel-respawn' }, { kind: 'stop-checks' }];
  const base = {
    wanted: false,
    startAfterStop: startAfter,
    pendingCause: null,
    kill: null,
    stopReason: reason,
  };
  if (s.phase === 'backoff' || s.phase === 'failed') {
    // No daemon and no launch in flight: only a dead daemon's pidfile may be left.
    const state = to(s, 'stopped', reason, 'stopped', base);
    const effects: Effect[] = [...cancel, { kind: 'remove-pidfile' }];
    if (startAfter === null) return { state, effects };
    return launch({ ...state, memory: freshMemory() }, 'restart requested', 'restart', [
      ...effects,
      { kind: 'count-restart', cause: 'user' },
    ]);
  }
  if (s.pid !== null) {
    const state = to(s, 'stopping', `${reason}: sending SIGTERM to pid ${s.pid}`, 'stopping', base);
    return { state, effects: [...cancel, { kind: 'terminate', run: s.run }] };
  }
  // A launch not yet spawned: let it finish (it kills what it spawns), clean up, finish.
  return {
    state: to(s, 'stopping', reason, 'stopping', base),
    effects: [...cancel, { kind: 'cleanup', run: s.run }],
  };
}

/** Decide what follows the end of a daemon we meant to keep. */
function afterExit(
  s: LifeState,
  e: Extract<LifeEvent, { type: 'exited' }>,
  settings: Settings,
): Step {
  const base: Partial<LifeState> = { pid: null, adopted: false, failures: 0, firstFailAt: null };
  // The pidfile names a dead daemon now; a respawn at once overwrites it, anything else removes it.
  const effects: Effect[] = [{ kind: 'stop-checks' }, { kind: 'remove-pidfile' }];
  const keepPidfile: Effect[] = [{ kind: 'stop-checks' }];
  if (e.configError) {
    const hint = `fix the overrides file (${settings.overridesFile ?? 'none set'}) or the settings, then start containerd again`;
    const reason = `containerd rejected its configuration: ${e.configError}`;
    return {
      state: to(s, 'failed', reason, 'config-invalid', { ...base, wanted: false, hint }),
      effects,
    };
  }
  // Healthy until the exit, unless checks were already failing: then until they began to fail.
  const until = s.failures > 0 || s.kill ? (s.firstFailAt ?? s.lastOkAt ?? e.now) : e.now;
  const healthyForMs = s.healthyAt === null ? null : Math.max(0, until - s.healthyAt);
  const uptimeMs = Math.max(0, until - (s.startedAt ?? until));
  const hung = s.kill?.cause === 'hang';
  const what =
    s.kill?.why ??
    `containerd ${describeExit(e.exit.code, e.exit.signal)}${e.lastError ? ` (${e.lastError})` : ''}`;
  const dec = decideAfterExit(
    settings.restart,
    s.memory,
    { endedAt: e.now, healthyForMs, uptimeMs },
    e.random,
  );
  if (dec.action === 'fail') {
    const within = formatDuration(settings.restart.breakerWindowMs, REASON_DURATION);
    const reason = `${what}; ${dec.failuresInWindow} failed starts within ${within}, giving up`;
    const hint =
      'read the log for why containerd exits (`cdesk daemon logs`, or the Logs page), fix the cause, then start containerd again';
    return {
      state: to(s, 'failed', reason, 'crash-loop', {
        ...base,
        wanted: false,
        memory: dec.memory,
        hint,
      }),
      effects,
    };
  }
  // A hang was already waited out by the liveness checks: respawn without more delay.
  const delay = hung ? 0 : dec.delayMs;
  const next = delay ? `respawning in ${formatDuration(delay, REASON_DURATION)}` : 'respawning now';
  const reason = dec.flapping && !hung ? `${what}; ${dec.flapping}` : `${what}; ${next}`;
  const state = to(s, 'backoff', reason, hung ? 'hung' : 'exited', {
    ...base,
    memory: dec.memory,
    retryInMs: delay,
    pendingCause: hung ? 'hang' : 'crash',
    exitWhat: what,
  });
  return {
    state,
    effects: [
      ...(delay === 0 ? keepPidfile : effects),
      { kind: 'schedule-respawn', run: s.run, delayMs: delay },
    ],
  };
}

function onCheck(s: LifeState, e: Extract<LifeEvent, { type: 'check' }>, settings: Settings): Step {
  const h = settings.health;
  const step = livenessStep(s.failures, e.ok, h.livenessFailures);
  const firstFailAt = e.ok ? null : (s.firstFailAt ?? e.now - e.tookMs);
  let state: LifeState = {
    ...s,
    failures: step.failures,
    firstFailAt,
    lastOkAt: e.ok ? e.now : s.lastOkAt,
  };
  if (s.kill) return { state, effects: [] }; // already being replaced
  if (step.recovered && s.phase === 'unhealthy') {
    state = to(state, 'running', 'health checks pass again', 'recovered');
  }
  if (step.hung) {
    const why = `${step.failures} health checks failed in a row (last: ${e.result})`;
    if (state.phase === 'running') state = to(state, 'unhealthy', why, 'hung');
    if (settings.hangPolicy === 'restart') {
      state = { ...state, kill: { cause: 'hang', why: `containerd hung (${why})` } };
      return { state, effects: [{ kind: 'kill-hung', run: s.run }] };
    }
  }
  const delayMs = nextCheckDelay(h, step.failures, e.tookMs);
  return { state, effects: [{ kind: 'schedule-check', run: s.run, delayMs }] };
}

const stale = (s: LifeState, run: number) => run !== s.run;

/** Healthy at last (served, or adopted): liveness checks start one interval from now. */
const firstLivenessCheck = (s: LifeState, settings: Settings): Effect => ({
  kind: 'schedule-check',
  run: s.run,
  delayMs: settings.health.livenessIntervalMs,
});

/** The lifecycle: every decision about the daemon, as data. */
export function reduce(s: LifeState, e: LifeEvent, settings: Settings): Step {
  const none: Step = { state: s, effects: [] };
  switch (e.type) {
    case 'start':
      if (s.phase === 'stopping') return { state: { ...s, startAfterStop: 'start' }, effects: [] };
      if (s.wanted) return none; // already starting, running or backing off: one daemon only
      return launch({ ...s, memory: freshMemory() }, 'start requested', 'start');

    case 'restart':
      if (s.phase === 'stopping') {
        return { state: { ...s, startAfterStop: 'restart' }, effects: [] };
      }
      if (s.phase === 'stopped' || s.phase === 'failed') {
        return launch({ ...s, memory: freshMemory() }, 'restart requested', 'restart', [
          { kind: 'count-restart', cause: 'user' },
        ]);
      }
      return beginStop(s, 'restarting', 'restart');

    case 'stop':
      if (s.phase === 'stopped') return none;
      if (s.phase === 'stopping') return { state: { ...s, startAfterStop: null }, effects: [] };
      return beginStop(s, e.reason, null);

    case 'detach': {
      const state = { ...s, wanted: false, run: s.run + 1, startAfterStop: null, pid: null };
      return {
        state,
        effects: [{ kind: 'cancel-respawn' }, { kind: 'stop-checks' }, { kind: 'detach' }],
      };
    }

    case 'spawned':
      if (stale(s, e.run) || s.phase !== 'starting' || s.pid !== null) return none;
      return {
        state: to(s, 'starting', `spawned pid ${e.pid}; waiting for the health check`, 'spawned', {
          pid: e.pid,
          adopted: false,
          startedAt: e.now,
        }),
        effects: [],
      };

    case 'adopted':
      if (stale(s, e.run) || s.phase !== 'starting' || s.pid !== null) return none;
      return {
        state: to(s, 'running', `adopted pid ${e.pid}, healthy`, 'adopted', {
          pid: e.pid,
          adopted: true,
          startedAt: e.now,
          healthyAt: e.now,
          lastOkAt: e.now,
        }),
        effects: [firstLivenessCheck(s, settings)],
      };

    case 'launch-failed':
      if (stale(s, e.run) || s.phase !== 'starting') return none;
      return {
        state: to(s, 'failed', e.message, e.code, { wanted: false, pid: null, hint: e.hint }),
        effects: [{ kind: 'stop-checks' }],
      };

    case 'serving':
      if (stale(s, e.run) || s.phase !== 'starting' || s.pid === null) return none;
      return {
        state: to(s, 'running', `healthy (pid ${s.pid})`, 'healthy', {
          healthyAt: e.now,
          lastOkAt: e.now,
        }),
        effects: [firstLivenessCheck(s, settings)],
      };

    case 'startup-timeout':
      if (stale(s, e.run) || s.phase !== 'starting' || s.pid === null || s.kill) return none;
      return {
        state: {
          ...s,
          kill: {
            cause: 'startup',
            why: `containerd did not answer the health check within ${e.budgetMs} ms (last: ${e.last ?? 'no answer'})`,
          },
        },
        effects: [{ kind: 'kill', run: s.run }],
      };

    case 'check':
      if (stale(s, e.run) || (s.phase !== 'running' && s.phase !== 'unhealthy')) return none;
      return onCheck(s, e, settings);

    case 'exited':
      if (stale(s, e.run) || s.pid === null) return none;
      if (s.phase === 'stopping') {
        return {
          state: { ...s, pid: null, adopted: false },
          effects: [{ kind: 'stop-checks' }, { kind: 'cleanup', run: s.run }],
        };
      }
      if (!ALIVE.has(s.phase) || !s.wanted) return none;
      return afterExit(s, e, settings);

    case 'respawn-due': {
      if (stale(s, e.run) || s.phase !== 'backoff' || !s.wanted) return none;
      const cause = s.pendingCause ?? 'crash';
      return launch(s, `respawning after: ${s.exitWhat ?? 'an exit'}`, 'respawn', [
        { kind: 'count-restart', cause },
      ]);
    }

    case 'cleaned': {
      if (stale(s, e.run) || s.phase !== 'stopping') return none;
      const after = s.startAfterStop;
      const stopped = to(s, 'stopped', s.stopReason, 'stopped', {
        pid: null,
        adopted: false,
        startAfterStop: null,
      });
      if (after === null) return { state: stopped, effects: [] };
      return launch(
        { ...stopped, memory: freshMemory() },
        after === 'restart' ? 'restart requested' : 'start requested',
        after,
        after === 'restart' ? [{ kind: 'count-restart', cause: 'user' }] : [],
      );
    }

    case 'settings':
      // Policy knobs take effect at once: the next check follows the new interval.
      if ((s.phase === 'running' || s.phase === 'unhealthy') && !s.kill) {
        const delayMs = nextCheckDelay(settings.health, s.failures, 0);
        return { state: s, effects: [{ kind: 'schedule-check', run: s.run, delayMs }] };
      }
      return none;
  }
}
