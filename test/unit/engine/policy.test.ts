// Specification of the restart policy: successful vs failed starts, flapping, backoff, breaker, liveness.
import { describe, expect, it } from 'vitest';
import { formatDuration } from '../../../common/duration';
import { defaultSettings } from '../../../common/settings';
import {
  backoffDelay,
  decideAfterExit,
  describeExit,
  freshMemory,
  livenessStep,
  nextCheckDelay,
  REASON_DURATION,
  startSucceeded,
  type ExitDecision,
  type PolicyMemory,
} from '../../../main/engine/policy';

// The mechanism is specified with a small flap threshold; the defaults get their own case below.
const s = { ...defaultSettings().restart, flapExits: 3 };
const h = defaultSettings().health;

/** Feed exits (time, healthy ms or null, uptime ms) through the policy; return every decision. */
function replay(
  exits: Array<[endedAt: number, healthyForMs: number | null, uptimeMs?: number]>,
  settings = s,
): ExitDecision[] {
  let mem: PolicyMemory = freshMemory();
  const out: ExitDecision[] = [];
  for (const [endedAt, healthyForMs, uptime] of exits) {
    // Unless given, the run turned SERVING 100 ms after its spawn.
    const uptimeMs = uptime ?? (healthyForMs === null ? 500 : healthyForMs + 100);
    const d = decideAfterExit(settings, mem, { endedAt, healthyForMs, uptimeMs }, 0.5);
    out.push(d);
    mem = d.memory;
  }
  return out;
}
const delays = (ds: ExitDecision[]) => ds.map((d) => (d.action === 'fail' ? 'fail' : d.delayMs));

describe('backoffDelay', () => {
  it('doubles from the initial delay and stops at the cap (no jitter at random=0.5)', () => {
    expect([0, 1, 2, 3, 6, 7, 20].map((n) => backoffDelay(s, n, 0.5))).toEqual([
      500, 1000, 2000, 4000, 30000, 30000, 30000,
    ]);
  });
  it('applies at most ±20 % jitter', () => {
    expect(backoffDelay(s, 1, 0)).toBe(800);
    expect(backoffDelay(s, 1, 0.999999)).toBe(1200);
  });
});

describe('startSucceeded', () => {
  it.each<[number | null, number, boolean, string]>([
    [null, 5000, false, 'never SERVING, however long it lived'],
    [0, 200, false, 'died as it turned SERVING'],
    [500, 999, false, 'dead within the minimum uptime from its spawn'],
    [400, 1000, true, 'SERVING, and up exactly the minimum uptime'],
    [120_000, 120_100, true, 'a long run'],
  ])('healthy %s ms, up %s ms → %s (%s)', (healthyForMs, uptimeMs, ok) => {
    expect(startSucceeded(s, { endedAt: 0, healthyForMs, uptimeMs })).toBe(ok);
  });
});

describe('decideAfterExit: successful runs', () => {
  it('respawns at once after each of the first flapExits quick exits, then backs off', () => {
    // Killed every 1.5 s, each time after ~1.4 s of SERVING.
    const ds = replay(Array.from({ length: 8 }, (_, i) => [1500 * (i + 1), 1400]));
    expect(delays(ds)).toEqual([0, 0, 0, 500, 1000, 2000, 4000, 8000]);
    expect(ds.every((d) => d.action === 'respawn' && !d.failedStart)).toBe(true);
  });
  it('with the defaults, 10 kills 1.5 s apart are all respawned at once (as PM2 does)', () => {
    const ds = replay(
      Array.from({ length: 10 }, (_, i) => [1500 * (i + 1), 1400]),
      defaultSettings().restart,
    );
    expect(delays(ds)).toEqual(Array(10).fill(0));
  });
  it('never fails, however often a daemon that starts fine keeps crashing', () => {
    const ds = replay(Array.from({ length: 200 }, (_, i) => [2000 * (i + 1), 1500]));
    expect(ds.some((d) => d.action === 'fail')).toBe(false);
    expect(delays(ds).at(-1)).toBe(30_000);
  });
  it('says how often and for how long it crashed, and when it tries next', () => {
    const ds = replay(Array.from({ length: 19 }, (_, i) => [10_000 * i, 5000]));
    const last = ds.at(-1)!;
    expect(last.action === 'respawn' && last.flapping).toBe(
      'crashed 19 times in 3m; next try in 30s',
    );
    const first = ds[0]!;
    expect(first.action === 'respawn' && first.flapping).toBe(null);
  });
  it('exits spread wider than the flap window are not flapping', () => {
    const ds = replay(Array.from({ length: 10 }, (_, i) => [25_000 * i, 20_000]));
    // At most 3 exits fall in any 60 s window.
    expect(delays(ds)).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  });
  it('a run healthy for resetAfterHealthyMs forgets the backoff and the streak', () => {
    const ds = replay([
      ...Array.from({ length: 6 }, (_, i): [number, number] => [1000 * (i + 1) * 2, 1500]),
      [100_000, 60_000],
      [101_500, 1400],
    ]);
    expect(delays(ds)).toEqual([0, 0, 0, 500, 1000, 2000, 0, 0]);
    const last = ds.at(-1)!;
    expect(last.memory.streak).toEqual({ count: 1, since: 101_500 });
  });
});

describe('decideAfterExit: failed starts and the breaker', () => {
  it('backs off exponentially across failed starts and trips on the 5th within the window', () => {
    const ds = replay([
      [1000, null],
      [2000, null],
      [4000, 200],
      [8000, null],
      [16_000, 800, 999],
    ]);
    expect(delays(ds)).toEqual([500, 1000, 2000, 4000, 'fail']);
    expect(ds.at(-1)).toMatchObject({ action: 'fail', failuresInWindow: 5 });
  });
  it('forgets failed starts older than the breaker window', () => {
    const w = s.breakerWindowMs;
    const ds = replay([
      [0, null],
      [1, null],
      [2, null],
      [3, null],
      [w + 10, null],
    ]);
    expect(ds.at(-1)!.action).toBe('respawn');
  });
  it('successful runs between failed starts do not reset the breaker count', () => {
    const ds = replay([
      [1000, null],
      [2000, 5000],
      [3000, null],
      [4000, null],
      [5000, 5000],
      [6000, null],
      [7000, null],
    ]);
    expect(ds.map((d) => d.action)).toEqual([
      'respawn',
      'respawn',
      'respawn',
      'respawn',
      'respawn',
      'respawn',
      'fail',
    ]);
  });
  it('honours a changed breakerMaxFailures', () => {
    const ds = replay(
      [
        [0, null],
        [1, null],
      ],
      { ...s, breakerMaxFailures: 2 },
    );
    expect(delays(ds)).toEqual([500, 'fail']);
  });
});

describe('liveness', () => {
  it('counts consecutive failures and reports a hang at the threshold', () => {
    expect(livenessStep(0, false, 3)).toEqual({ failures: 1, hung: false, recovered: false });
    expect(livenessStep(2, false, 3)).toEqual({ failures: 3, hung: true, recovered: false });
  });
  it('a success resets the count and says whether it recovered', () => {
    expect(livenessStep(2, true, 3)).toEqual({ failures: 0, hung: false, recovered: true });
    expect(livenessStep(0, true, 3)).toEqual({ failures: 0, hung: false, recovered: false });
  });
  it.each([
    [0, 2, 4998, 'healthy: the interval, start to start'],
    [1, 2, 998, 'after a failure: the quick recheck'],
    [1, 3000, 0, 'a check that hit its deadline: recheck at once'],
    [2, 500, 500, 'still failing: the quick recheck'],
  ])('failures=%s, took %s ms → next in %s ms (%s)', (failures, took, next) => {
    expect(nextCheckDelay(h, failures, took)).toBe(next);
  });
  it('the recheck is never slower than the interval', () => {
    expect(nextCheckDelay({ ...h, livenessIntervalMs: 100 }, 1, 0)).toBe(100);
  });
  it('defaults confirm a SIGSTOP within one interval plus three deadlines', () => {
    // Check 1 starts at most one interval after the stop; each failing check takes its deadline.
    let t = h.livenessIntervalMs;
    for (let failures = 0; failures < h.livenessFailures; failures++) {
      t += h.livenessTimeoutMs;
      if (failures + 1 < h.livenessFailures)
        t += nextCheckDelay(h, failures + 1, h.livenessTimeoutMs);
    }
    expect(t).toBe(h.livenessIntervalMs + h.livenessFailures * h.livenessTimeoutMs);
    expect(t).toBeLessThanOrEqual(14_000);
  });
});

describe('wording', () => {
  it('describes exits and durations for people', () => {
    expect(describeExit(null, 'SIGKILL')).toBe('killed by SIGKILL');
    expect(describeExit(1, null)).toBe('exited with code 1');
    expect(describeExit(null, null)).toMatch(/unknown/);
    expect(
      [500, 1234, 30_000, 182_500, 7_200_000].map((ms) => formatDuration(ms, REASON_DURATION)),
    ).toEqual(['500ms', '1s 234ms', '30s', '3m 2s', '2h']);
  });
});
