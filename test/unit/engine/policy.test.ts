// Specification of the restart policy: backoff growth and cap, jitter, reset, breaker.
import { describe, expect, it } from 'vitest';
import { defaultSettings } from '../../../common/settings';
import {
  backoffDelay,
  decideAfterExit,
  describeExit,
  freshMemory,
  livenessStep,
} from '../../../main/engine/policy';

const s = defaultSettings().restart;

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

describe('decideAfterExit', () => {
  it('respawns at once, uncounted, after a run that was healthy long enough', () => {
    const d = decideAfterExit(s, freshMemory(), { endedAt: 100_000, healthyForMs: 10_000 }, 0.5);
    expect(d).toMatchObject({ action: 'respawn', delayMs: 0, counted: false });
  });
  it('backs off exponentially across quick failures', () => {
    let mem = freshMemory();
    const delays: number[] = [];
    for (let i = 0; i < 4; i++) {
      const d = decideAfterExit(s, mem, { endedAt: 1000 + i, healthyForMs: 0 }, 0.5);
      if (d.action !== 'respawn') throw new Error('unexpected fail');
      delays.push(d.delayMs);
      mem = d.memory;
    }
    expect(delays).toEqual([500, 1000, 2000, 4000]);
  });
  it('trips the breaker on the 5th failed start within the window', () => {
    let mem = freshMemory();
    for (let i = 0; i < 4; i++) {
      const d = decideAfterExit(s, mem, { endedAt: 1000 * i, healthyForMs: 0 }, 0.5);
      expect(d.action).toBe('respawn');
      mem = d.memory;
    }
    const last = decideAfterExit(s, mem, { endedAt: 5000, healthyForMs: 0 }, 0.5);
    expect(last).toMatchObject({ action: 'fail', failuresInWindow: 5 });
  });
  it('forgets failures older than the window', () => {
    let mem = freshMemory();
    for (let i = 0; i < 4; i++) {
      mem = (
        decideAfterExit(s, mem, { endedAt: i, healthyForMs: 0 }, 0.5) as { memory: typeof mem }
      ).memory;
    }
    const later = decideAfterExit(
      s,
      mem,
      { endedAt: s.breakerWindowMs + 10, healthyForMs: 0 },
      0.5,
    );
    expect(later.action).toBe('respawn');
  });
  it('resets the backoff after a long healthy run', () => {
    const mem = { attempt: 6, failures: [] };
    const short = decideAfterExit(s, mem, { endedAt: 1e6, healthyForMs: 5000 }, 0.5);
    const long = decideAfterExit(s, mem, { endedAt: 1e6, healthyForMs: 60_000 }, 0.5);
    expect(short).toMatchObject({ action: 'respawn', delayMs: 30000 });
    expect(long).toMatchObject({ action: 'respawn', delayMs: 0, memory: { attempt: 0 } });
  });
});

describe('livenessStep', () => {
  it('counts consecutive failures and reports a hang at the threshold', () => {
    expect(livenessStep(0, false, 3)).toEqual({ failures: 1, hung: false, recovered: false });
    expect(livenessStep(2, false, 3)).toEqual({ failures: 3, hung: true, recovered: false });
  });
  it('a success resets the count and says whether it recovered', () => {
    expect(livenessStep(2, true, 3)).toEqual({ failures: 0, hung: false, recovered: true });
    expect(livenessStep(0, true, 3)).toEqual({ failures: 0, hung: false, recovered: false });
  });
});

describe('describeExit', () => {
  it('names the signal, the code, or says the status is unknown', () => {
    expect(describeExit(null, 'SIGKILL')).toBe('killed by SIGKILL');
    expect(describeExit(1, null)).toBe('exited with code 1');
    expect(describeExit(null, null)).toMatch(/unknown/);
  });
});
