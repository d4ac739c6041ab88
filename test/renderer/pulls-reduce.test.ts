// The window's pulls as data: per-layer speed and ETA from successive events, the reply settling a
// pull for good, events from other surfaces tracked too, and the list bounded.
import { describe, expect, it } from 'vitest';
import type { PullProgress } from '../../common/containerd';
import {
  MAX_FINISHED,
  percentOf,
  pullDismissed,
  pullProgressed,
  pullSettled,
  pullStarted,
  runningPulls,
  shortRef,
  type PullsState,
} from '../../renderer/src/store/pulls-reduce';

const L1 = `sha256:${'a'.repeat(64)}`;
const L2 = `sha256:${'b'.repeat(64)}`;

function progress(over: Partial<PullProgress> = {}): PullProgress {
  return {
    pullId: 'p1',
    namespace: 'default',
    ref: 'docker.io/library/alpine:3.20',
    phase: 'downloading',
    layers: [
      { digest: L1, current: 0, total: 1000, status: 'downloading' },
      { digest: L2, current: 0, total: 500, status: 'waiting' },
    ],
    current: 0,
    total: 1600,
    bytesPerSecond: 0,
    ...over,
  };
}

const empty: PullsState = new Map();

describe('pulls-reduce', () => {
  it('a started pull is running, named as typed, until its first event names it fully', () => {
    let s = pullStarted(empty, { pullId: 'p1', namespace: 'default', ref: 'alpine:3.20' }, 1000);
    expect(runningPulls(s).map((p) => [p.ref, p.phase, p.mine])).toEqual([
      ['alpine:3.20', 'starting', true],
    ]);
    s = pullProgressed(s, progress(), 1100);
    const p = s.get('p1')!;
    expect(p.ref).toBe('docker.io/library/alpine:3.20');
    expect(p.mine).toBe(true);
    expect(p.startedAt).toBe(1000);
  });

  it('measures each downloading layer’s speed and ETA from successive events', () => {
    let s = pullProgressed(empty, progress(), 0);
    s = pullProgressed(
      s,
      progress({
        layers: [
          { digest: L1, current: 200, total: 1000, status: 'downloading' },
          { digest: L2, current: 0, total: 500, status: 'waiting' },
        ],
        current: 200,
        bytesPerSecond: 400,
      }),
      500,
    );
    const [a, b] = s.get('p1')!.layers;
    expect(a!.bytesPerSecond).toBe(400);
    expect(a!.etaSeconds).toBe(2); // 800 bytes left at 400/s
    expect(b!.bytesPerSecond).toBe(0);
    expect(b!.etaSeconds).toBeNull();
    expect(s.get('p1')!.etaSeconds).toBe(4); // 1400 left at 400/s overall
  });

  it('forgets speed samples older than the window, so a stall shows as no speed', () => {
    let s = pullProgressed(empty, progress(), 0);
    const at200 = progress({
      layers: [{ digest: L1, current: 200, total: 1000, status: 'downloading' }],
    });
    s = pullProgressed(s, at200, 500);
    s = pullProgressed(s, at200, 5000);
    expect(s.get('p1')!.layers[0]!.bytesPerSecond).toBe(0);
    expect(s.get('p1')!.layers[0]!.etaSeconds).toBeNull();
  });

  it('the reply settles a pull; a later tick does not bring it back', () => {
    let s = pullStarted(empty, { pullId: 'p1', namespace: 'default', ref: 'alpine' }, 0);
    s = pullProgressed(s, progress({ current: 800 }), 100);
    s = pullSettled(
      s,
      'p1',
      {
        ok: false,
        error: { code: 'registry-unauthorized', message: 'refused', hint: 'cdesk login x' },
      },
      200,
    );
    s = pullProgressed(s, progress({ current: 900 }), 300);
    const p = s.get('p1')!;
    expect(p.phase).toBe('failed');
    expect(p.error?.hint).toBe('cdesk login x');
    expect(p.current).toBe(800);
    expect(runningPulls(s)).toEqual([]);
  });

  it('a cancelled reply reads as cancelled, not failed; done fills every layer', () => {
    let s = pullProgressed(empty, progress(), 0);
    s = pullSettled(
      s,
      'p1',
      { ok: false, error: { code: 'cancelled', message: 'the pull was cancelled', hint: '' } },
      1,
    );
    expect(s.get('p1')!.phase).toBe('cancelled');
    let t = pullProgressed(empty, progress({ pullId: 'p2' }), 0);
    t = pullSettled(
      t,
      'p2',
      {
        ok: true,
        value: {
          namespace: 'default',
          name: 'docker.io/library/alpine:3.20',
          digest: L1,
          mediaType: 'x',
          platform: 'linux/amd64',
          downloaded: 1600,
        },
      },
      1,
    );
    const p = t.get('p2')!;
    expect(p.phase).toBe('done');
    expect(percentOf(p)).toBe(100);
    expect(p.layers.every((l) => l.status === 'done' && l.current === l.total)).toBe(true);
  });

  it('tracks pulls other surfaces started (events only) and ignores a reply for an unknown id', () => {
    const s = pullProgressed(empty, progress({ pullId: 'cli1' }), 0);
    expect(s.get('cli1')!.mine).toBe(false);
    expect(
      pullSettled(s, 'nope', { ok: false, error: { code: 'internal', message: '', hint: '' } }, 1),
    ).toBe(s);
  });

  it('keeps every running pull but only the newest finished ones', () => {
    let s: PullsState = empty;
    for (let i = 0; i < MAX_FINISHED + 5; i++) {
      s = pullProgressed(s, progress({ pullId: `d${i}`, phase: 'done' }), i);
    }
    s = pullProgressed(s, progress({ pullId: 'live' }), 100);
    expect(s.size).toBe(MAX_FINISHED + 1);
    expect(s.has('live')).toBe(true);
    expect(s.has('d0')).toBe(false);
    expect(pullDismissed(s, 'live').has('live')).toBe(false);
  });

  it('percent and short names', () => {
    expect(percentOf({ current: 42, total: 100, phase: 'downloading' })).toBe(42);
    expect(percentOf({ current: 0, total: 0, phase: 'resolving' })).toBeNull();
    expect(shortRef('docker.io/library/alpine:3.20')).toBe('alpine:3.20');
    expect(shortRef('docker.io/bitnami/redis:7')).toBe('bitnami/redis:7');
    expect(shortRef('127.0.0.1:5000/x/y:1')).toBe('127.0.0.1:5000/x/y:1');
  });
});
