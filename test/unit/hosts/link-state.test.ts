// A host link's decisions, one row per state × event: connect, samples, drops, backoff, retries.
import { describe, expect, it } from 'vitest';
import type { ContractError } from '../../../common/contract';
import type { DaemonStatus } from '../../../common/states';
import {
  backoffMs,
  BACKOFF_LONG_MAX_MS,
  BACKOFF_MAX_MS,
  initialLink,
  linkBadge,
  LONG_DOWN_ATTEMPTS,
  nextLink,
  type LinkState,
} from '../../../main/hosts/link-state';

const err = (code: string): ContractError =>
  ({ code, message: code, hint: 'h' }) as unknown as ContractError;
const daemon = { state: 'running' } as DaemonStatus;

function up(): LinkState {
  const s = initialLink(0).state;
  return nextLink(nextLink(s, { type: 'connected', at: 10 }).state, {
    type: 'sample',
    at: 20,
    latencyMs: 3,
    daemon,
  }).state;
}

describe('nextLink', () => {
  it('starts by connecting; connected → up and samples at once', () => {
    const init = initialLink(0);
    expect(init.state.phase).toBe('connecting');
    expect(init.effects).toEqual([{ type: 'connect' }]);
    const r = nextLink(init.state, { type: 'connected', at: 10 });
    expect(r.state).toMatchObject({ phase: 'up', since: 10, attempt: 0 });
    expect(r.effects).toEqual([{ type: 'sample' }]);
  });

  it('a sample records latency, containerd state and last seen', () => {
    expect(up()).toMatchObject({ phase: 'up', lastSeen: 20, latencyMs: 3, daemon });
    expect(linkBadge(up())).toEqual({ state: 'running', lastSeen: 20 });
  });

  it('a reconnected link shows Unknown until the host answers again', () => {
    const down = nextLink(up(), { type: 'failed', at: 100, error: err('ssh-failed') }).state;
    const again = nextLink(nextLink(down, { type: 'retry', at: 600 }).state, {
      type: 'connected',
      at: 700,
    }).state;
    expect(again.phase).toBe('up');
    expect(linkBadge(again)).toEqual({ state: 'unknown', lastSeen: 20 });
    const answered = nextLink(again, { type: 'sample', at: 710, latencyMs: 2, daemon }).state;
    expect(linkBadge(answered)).toEqual({ state: 'running', lastSeen: 710 });
  });

  it('a drop goes down, keeps what was last seen, closes and retries after 0.5 s', () => {
    const r = nextLink(up(), { type: 'failed', at: 100, error: err('ssh-failed') });
    expect(r.state).toMatchObject({
      phase: 'down',
      attempt: 1,
      lastSeen: 20,
      daemon,
      retryAt: 600,
    });
    expect(r.effects).toEqual([{ type: 'close' }, { type: 'retry-in', ms: 500 }]);
    expect(linkBadge(r.state)).toEqual({ state: 'unknown', lastSeen: 20 });
  });

  it('failed attempts back off 0.5 s × 2ⁿ up to 30 s; a success resets', () => {
    let s = up();
    const waits: number[] = [];
    for (let i = 0; i < 9; i++) {
      const r = nextLink(s, { type: 'failed', at: i, error: err('ssh-unreachable') });
      waits.push((r.effects[1] as { ms: number }).ms);
      s = nextLink(r.state, { type: 'retry', at: i }).state;
      expect(s.phase).toBe('connecting');
    }
    expect(waits).toEqual([500, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
    expect(nextLink(s, { type: 'connected', at: 99 }).state.attempt).toBe(0);
  });

  it('errors only the user can fix wait the longest at once', () => {
    for (const code of ['ssh-host-key', 'ssh-auth', 'ssh-no-cdesk'])
      expect(backoffMs(1, err(code), 0.5)).toBe(BACKOFF_MAX_MS);
  });

  it('jitter stays within ±20 % and under the cap', () => {
    expect(backoffMs(1, null, 0)).toBe(400);
    expect(backoffMs(1, null, 0.999)).toBe(600);
    expect(backoffMs(LONG_DOWN_ATTEMPTS, null, 0.999)).toBe(BACKOFF_MAX_MS);
  });

  it('waits up to a minute once a host has been failing for about five minutes', () => {
    let total = 0;
    for (let a = 1; a <= LONG_DOWN_ATTEMPTS; a++) total += backoffMs(a, null, 0.5);
    expect(total).toBeGreaterThan(4 * 60_000);
    expect(total).toBeLessThan(6 * 60_000);
    expect(backoffMs(LONG_DOWN_ATTEMPTS + 1, null, 0.5)).toBe(BACKOFF_LONG_MAX_MS);
    expect(backoffMs(LONG_DOWN_ATTEMPTS + 1, null, 0.999)).toBe(BACKOFF_LONG_MAX_MS);
    expect(backoffMs(LONG_DOWN_ATTEMPTS + 1, null, 0)).toBe(0.8 * BACKOFF_LONG_MAX_MS);
  });

  it('late events are ignored: a sample while down, a retry while up, a second failure', () => {
    const down = nextLink(up(), { type: 'failed', at: 100, error: err('x') }).state;
    expect(nextLink(down, { type: 'sample', at: 200, latencyMs: 1, daemon }).state).toBe(down);
    expect(nextLink(up(), { type: 'retry', at: 5 }).effects).toEqual([]);
    const again = nextLink(down, { type: 'failed', at: 150, error: err('y') });
    expect(again.effects).toEqual([]);
    expect(again.state).toMatchObject({ phase: 'down', attempt: 1, error: { code: 'y' } });
  });
});
