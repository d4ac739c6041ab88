// Lifecycle states reached by real event sequences, and one event of each kind, for the reducer's table.
import { defaultSettings, type Settings } from '../../../common/settings';
import {
  initialLife,
  reduce,
  type LifeEvent,
  type LifeState,
  type Step,
} from '../../../main/engine/lifecycle';

export const settings: Settings = defaultSettings();

/** Drive the reducer through events from `from`; returns the last step. */
export function drive(events: LifeEvent[], from = initialLife(), s = settings): Step {
  let step: Step = { state: from, effects: [] };
  for (const e of events) step = reduce(step.state, e, s);
  return step;
}

const exit = { code: null, signal: 'SIGKILL', at: 0 };
const start: LifeEvent = { type: 'start' };
const spawned: LifeEvent = { type: 'spawned', run: 1, pid: 100, now: 900 };
const serving: LifeEvent = { type: 'serving', run: 1, now: 1000 };
const failCheck = (now: number): LifeEvent => ({
  type: 'check',
  run: 1,
  now,
  ok: false,
  result: 'TIMEOUT',
  tookMs: 3000,
});

/** One representative state per phase (and the two kinds of `starting`), all in run 1. */
export const fixtures = {
  stopped: initialLife(),
  launching: drive([start]).state,
  spawned: drive([start, spawned]).state,
  running: drive([start, spawned, serving]).state,
  unhealthy: drive(
    [start, spawned, serving, failCheck(5000), failCheck(8000), failCheck(11000)],
    undefined,
    {
      ...settings,
      hangPolicy: 'report',
    },
  ).state,
  hangKill: drive([start, spawned, serving, failCheck(5000), failCheck(8000), failCheck(11000)])
    .state,
  backoff: drive([
    start,
    spawned,
    serving,
    { type: 'exited', run: 1, now: 1100, exit, configError: null, random: 0.5 },
  ]).state,
  stopping: drive([start, spawned, serving, { type: 'stop', reason: 'stopped by request' }]).state,
  failed: drive([
    start,
    { type: 'launch-failed', run: 1, code: 'binary-missing', message: 'gone', hint: 'install' },
  ]).state,
} satisfies Record<string, LifeState>;

/** One event of each kind, for run 1 (the fixtures' run). */
export const events = {
  start,
  stop: { type: 'stop', reason: 'stopped by request' },
  restart: { type: 'restart' },
  detach: { type: 'detach' },
  spawned: { type: 'spawned', run: 1, pid: 200, now: 1500 },
  adopted: { type: 'adopted', run: 1, pid: 300, now: 2000 },
  'launch-failed': { type: 'launch-failed', run: 1, code: 'spawn-failed', message: 'x', hint: 'y' },
  serving: { type: 'serving', run: 1, now: 2000 },
  'startup-timeout': { type: 'startup-timeout', run: 1, budgetMs: 60000, last: null },
  exited: { type: 'exited', run: 1, now: 90_000, exit, configError: null, random: 0.5 },
  'check-ok': { type: 'check', run: 1, now: 20_000, ok: true, result: 'SERVING', tookMs: 1 },
  'check-fail': failCheck(20_000),
  'respawn-due': { type: 'respawn-due', run: 1 },
  cleaned: { type: 'cleaned', run: 1 },
  settings: { type: 'settings' },
} satisfies Record<string, LifeEvent>;

export type FixtureName = keyof typeof fixtures;
export type EventName = keyof typeof events;

/** "next-phase effect,effect" for one table cell ("=" when nothing changes at all). */
export function cell(f: FixtureName, e: EventName): string {
  const before = fixtures[f];
  const { state, effects } = reduce(before, events[e], settings);
  if (state === before && effects.length === 0) return '=';
  return [state.phase, ...effects.map((x) => x.kind)].join(' ');
}
