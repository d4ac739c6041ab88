import { describe, expect, it } from 'vitest';
import {
  INITIAL_NOTIFY_MEMORY,
  isCrash,
  notificationFor,
  type NotifyMemory,
} from '../../../main/electron/notifications';
import type { StateEvent } from '../../../common/states';
import { transition } from './status-fixture';

const exit = { code: null, signal: 'SIGKILL', at: 0 };

/** Run transitions through the reducer, collecting notification kinds (null for none). */
function run(ts: StateEvent[], memory: NotifyMemory = INITIAL_NOTIFY_MEMORY) {
  const kinds: (string | null)[] = [];
  for (const t of ts) {
    const r = notificationFor(t, memory);
    memory = r.memory;
    kinds.push(r.notification?.kind ?? null);
  }
  return { kinds, memory };
}

describe('notificationFor', () => {
  it('stays quiet on a normal start and stop', () => {
    const { kinds } = run([
      transition('stopped', 'starting'),
      transition('starting', 'running', { pid: 10 }),
      transition('running', 'stopping'),
      transition('stopping', 'stopped', { exit: { code: 0, signal: null, at: 0 } }),
    ]);
    expect(kinds).toEqual([null, null, null, null]);
  });

  it('announces a crash into backoff with the exit and the retry delay', () => {
    const r = notificationFor(
      transition('running', 'backoff', {
        reason: 'containerd exited',
        code: 'exited',
        exit,
        retryInMs: 2000,
      }),
      INITIAL_NOTIFY_MEMORY,
    );
    expect(r.notification).toEqual({
      kind: 'crash',
      title: 'containerd keeps crashing',
      body: 'containerd exited (signal SIGKILL); restarting in 2s',
    });
    expect(r.memory.outage).toBe(true);
  });

  it('stays quiet about a single crash that is respawned at once', () => {
    const { kinds } = run([
      transition('running', 'starting', { code: 'exited', exit }),
      transition('starting', 'running', { pid: 11 }),
    ]);
    expect(kinds).toEqual([null, null]);
  });

  it('notifies once per crash loop, then the recovery', () => {
    const { kinds } = run([
      transition('running', 'backoff', { exit, retryInMs: 500 }),
      transition('backoff', 'starting'),
      transition('starting', 'backoff', { exit, retryInMs: 1000 }),
      transition('backoff', 'starting'),
      transition('starting', 'running', { pid: 12 }),
    ]);
    expect(kinds).toEqual(['crash', null, null, null, 'recovered']);
  });

  it('ends a crash loop with the failure, and does not repeat it', () => {
    const { kinds, memory } = run([
      transition('running', 'backoff', { exit, retryInMs: 500 }),
      transition('backoff', 'starting'),
      transition('starting', 'failed', {
        reason: 'crash loop: 5 failed starts in 5 min',
        hint: 'check the log',
      }),
      transition('failed', 'failed'),
    ]);
    expect(kinds).toEqual(['crash', null, 'failed', null]);
    expect(memory.outage).toBe(false);
  });

  it('gives the failure reason and hint', () => {
    const r = notificationFor(
      transition('starting', 'failed', {
        reason: 'containerd not found',
        hint: 'install containerd',
      }),
      INITIAL_NOTIFY_MEMORY,
    );
    expect(r.notification).toEqual({
      kind: 'failed',
      title: 'containerd failed',
      body: 'containerd not found\ninstall containerd',
    });
  });

  it('calls a hang that ends in backoff "stopped responding"', () => {
    const r = notificationFor(
      transition('unhealthy', 'backoff', {
        code: 'hung',
        reason: 'no health answer for 15s',
        exit,
      }),
      INITIAL_NOTIFY_MEMORY,
    );
    expect(r.notification?.title).toBe('containerd stopped responding');
  });

  it('says nothing about running again after the user stopped a crash loop and started it later', () => {
    const { kinds } = run([
      transition('running', 'backoff', { exit, retryInMs: 500 }),
      transition('backoff', 'stopped', { reason: 'stopped by the user' }),
      transition('stopped', 'starting'),
      transition('starting', 'running', { pid: 3 }),
    ]);
    expect(kinds).toEqual(['crash', null, null, null]);
  });

  it('announces unhealthy once, groups the hang kill and respawn into it, then the recovery', () => {
    const { kinds } = run([
      transition('running', 'unhealthy', { code: 'liveness-failed', reason: '3 checks timed out' }),
      transition('unhealthy', 'starting', { code: 'hung', exit }),
      transition('starting', 'backoff', { exit, retryInMs: 500 }),
      transition('backoff', 'starting'),
      transition('starting', 'running', { pid: 5 }),
    ]);
    expect(kinds).toEqual(['unhealthy', null, null, null, 'recovered']);
  });

  it('says what unhealthy means', () => {
    const r = notificationFor(
      transition('running', 'unhealthy', { reason: '3 health checks timed out' }),
      INITIAL_NOTIFY_MEMORY,
    );
    expect(r.notification).toEqual({
      kind: 'unhealthy',
      title: 'containerd is not responding',
      body: '3 health checks timed out',
    });
  });
});

describe('isCrash', () => {
  it('is false for a stop the user asked for', () => {
    expect(isCrash(transition('stopping', 'stopped', { exit }))).toBe(false);
  });

  it('is true for an unrequested exit to stopped', () => {
    expect(isCrash(transition('running', 'stopped', { code: 'exited', exit }))).toBe(true);
  });
});
