// The link runner with a stand-in connection: reconnects after a drop with backoff, drops removed hosts.
import { afterEach, describe, expect, it } from 'vitest';
import type { AnyEvent } from '../../../common/contract';
import type { SshTarget } from '../../../common/hosts';
import type { ControlClient } from '../../../main/control-socket/control-client';
import { createHostLinks, type HostLinks } from '../../../main/hosts/host-links';
import { AppError } from '../../../main/shared/app-error';

interface Fake {
  client: ControlClient;
  drop(): void;
  closed: boolean;
  /** Push an event as the remote app would. */
  push(e: AnyEvent): void;
  /** What daemon:status answers (and how long it takes). */
  state: string;
  delayMs: number;
  statusCalls: number;
}

function fakeClient(): Fake {
  let onClose: ((e: AppError) => void) | null = null;
  let onEvent: ((e: AnyEvent) => void) | null = null;
  const f: Fake = {
    closed: false,
    state: 'running',
    delayMs: 0,
    statusCalls: 0,
    drop: () => onClose?.(new AppError('ssh-failed', 'link dropped', 'h')),
    push: (e) => onEvent?.(e),
    client: {
      invoke: (async () => {
        f.statusCalls++;
        const state = f.state;
        if (f.delayMs) await new Promise((r) => setTimeout(r, f.delayMs));
        return { ok: true, value: { state } };
      }) as ControlClient['invoke'],
      subscribe: () => () => undefined,
      events: async (fn) => {
        onEvent = fn;
        return () => undefined;
      },
      openStream: () => {
        throw new Error('unused');
      },
      onClose: (fn) => void (onClose = fn),
      close: () => void (f.closed = true),
    },
  };
  return f;
}

const target: SshTarget = { label: 'r', url: 'ssh://me@box', host: 'box', user: 'me' };
const until = async (cond: () => boolean, ms = 5000) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
};

let links: HostLinks | undefined;
afterEach(() => links?.dispose());

describe('createHostLinks', () => {
  it('connects, samples, goes down on a drop and reconnects after the backoff', async () => {
    const fakes: Fake[] = [];
    let failNext = 0;
    links = createHostLinks({
      connect: async () => {
        if (failNext > 0) {
          failNext--;
          throw new AppError('ssh-unreachable', 'refused', 'h');
        }
        const f = fakeClient();
        fakes.push(f);
        return f.client;
      },
      random: () => 0.5,
    });
    const seen: string[] = [];
    links.onChange((name, s) => seen.push(`${name}:${s.phase}`));
    links.set([target]);
    await until(() => links!.states().get('r')?.daemon?.state === 'running');
    expect(links.states().get('r')).toMatchObject({ phase: 'up', attempt: 0 });

    failNext = 1;
    const t0 = Date.now();
    fakes[0]!.drop();
    expect(links.states().get('r')).toMatchObject({ phase: 'down', error: { code: 'ssh-failed' } });
    // 0.5 s, then a refused attempt, then 1 s more.
    await until(() => links!.states().get('r')?.phase === 'up' && fakes.length === 2);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1400);
    expect(fakes[0]!.closed).toBe(true);
    expect(seen).toEqual([
      'r:connecting',
      'r:up',
      'r:up',
      'r:down',
      'r:connecting',
      'r:down',
      'r:connecting',
      'r:up',
      'r:up',
    ]);
  });

  it('closes the link of a host removed from the list, and everything on dispose', async () => {
    const fakes: Fake[] = [];
    links = createHostLinks({
      connect: async () => {
        const f = fakeClient();
        fakes.push(f);
        return f.client;
      },
    });
    links.set([target, { ...target, label: 'b', url: 'ssh://b' }]);
    await until(() => fakes.length === 2 && links!.states().get('b')?.phase === 'up');
    links.set([target]);
    expect([...links.states().keys()]).toEqual(['r']);
    expect(fakes.filter((f) => f.closed)).toHaveLength(1);
    links.dispose();
    expect(fakes.every((f) => f.closed)).toBe(true);
  });

  it('hands every event of an open link over, and its client only while up', async () => {
    const fakes: Fake[] = [];
    links = createHostLinks({
      connect: async () => {
        const f = fakeClient();
        fakes.push(f);
        return f.client;
      },
    });
    const got: string[] = [];
    links.onEvent((name, e) => got.push(`${name}:${e.event}`));
    expect(links.client('r')).toBeNull();
    links.set([target]);
    await until(() => links!.states().get('r')?.phase === 'up');
    expect(links.client('r')).toBe(fakes[0]!.client);
    fakes[0]!.push({ event: 'settings:changed', payload: {} as never });
    fakes[0]!.push({ event: 'logs:lines', payload: { lines: [] } });
    expect(got).toEqual(['r:settings:changed', 'r:logs:lines']);
    fakes[0]!.drop();
    expect(links.client('r')).toBeNull();
    // A closed link's late events are not handed over.
    fakes[0]!.push({ event: 'logs:lines', payload: { lines: [] } });
    expect(got).toHaveLength(2);
  });

  it('a daemon:state during a sample in flight samples again, so the change is not lost', async () => {
    const fakes: Fake[] = [];
    links = createHostLinks({
      connect: async () => {
        const f = fakeClient();
        fakes.push(f);
        return f.client;
      },
      sampleEveryMs: 60_000,
    });
    links.set([target]);
    await until(() => links!.states().get('r')?.daemon?.state === 'running');
    const f = fakes[0]!;
    f.delayMs = 50;
    f.state = 'stopping';
    f.push({ event: 'daemon:state', payload: {} as never });
    // The remote changes again while that sample is on its way: its answer is already stale.
    f.state = 'stopped';
    f.push({ event: 'daemon:state', payload: {} as never });
    await until(() => links!.states().get('r')?.daemon?.state === 'stopped', 2000);
  });
});
