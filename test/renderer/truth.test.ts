// deriveTruth: what the badge may claim for each combination of status, checks and connection.
import { describe, expect, it } from 'vitest';
import type { StateEvent } from '../../common/states';
import { initialState, type StoreState } from '../../renderer/src/store/store';
import { countdownText, deriveTruth, retryAt } from '../../renderer/src/store/truth';
import { makeStatus, sample, settingsView } from './fake-client';

const NOW = 1_700_000_000_000;

function state(over: Partial<StoreState>): StoreState {
  return { ...initialState(), settings: settingsView(), ...over };
}

function transition(prev: StateEvent['prev'], s: StateEvent['state']): StateEvent {
  return { type: 'state', prev, state: s, reason: '', code: '', at: NOW, pid: 1 };
}

describe('deriveTruth', () => {
  it('is Loading before the first status, and claims nothing', () => {
    const t = deriveTruth(state({ connection: 'connecting' }), NOW);
    expect(t).toMatchObject({ kind: 'loading', live: false });
  });

  it('tells a restart from a first start', () => {
    const status = makeStatus('starting');
    expect(
      deriveTruth(state({ status, transitions: [transition('stopped', 'starting')] }), NOW).kind,
    ).toBe('starting');
    expect(
      deriveTruth(state({ status, transitions: [transition('backoff', 'starting')] }), NOW).kind,
    ).toBe('restarting');
  });

  it('uses the configured number of liveness failures', () => {
    const settings = settingsView();
    settings.settings.health.livenessFailures = 5;
    const status = makeStatus('running', { runningSince: NOW - 10_000, lastHealth: null });
    const health = [{ ...sample(NOW, false), failures: 2 }];
    expect(deriveTruth(state({ status, health, settings }), NOW).reason).toMatch(
      /^health check failed 2 of 5/,
    );
  });

  it('freezes its clock at last seen while disconnected', () => {
    const status = makeStatus('running');
    const t = deriveTruth(state({ status, connection: 'closed', lastSeenAt: NOW - 60_000 }), NOW);
    expect(t).toMatchObject({ kind: 'unknown', clock: NOW - 60_000, live: false, tone: 'unknown' });
  });

  it('counts the retry down from the transition, rounding up to whole seconds', () => {
    const status = makeStatus('backoff', { since: NOW - 1200, retryInMs: 4000 });
    expect(retryAt(status)).toBe(NOW + 2800);
    expect(countdownText(NOW + 2800, NOW)).toBe('3s');
    expect(countdownText(NOW + 2800, NOW + 5000)).toBe('0s');
    expect(deriveTruth(state({ status }), NOW).reason).toMatch(/^retry in 3s · /);
  });

  it('puts the fix of a failure in its reason', () => {
    const t = deriveTruth(state({ status: makeStatus('failed', { reason: 'not found' }) }), NOW);
    expect(t.reason).toBe('not found — install containerd or set its path in Settings');
    expect(t.tone).toBe('bad');
  });
});
