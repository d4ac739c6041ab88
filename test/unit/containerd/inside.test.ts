// createInside's lifecycle without containerd: follows the engine's state, refuses clearly, batches events.
import { afterEach, describe, expect, it } from 'vitest';
import type { ContainerdEvent, InsideStatus } from '../../../common/containerd';
import { EventFeed } from '../../../main/containerd/event-feed';
import { createInside, type Inside } from '../../../main/containerd/index';
import { InsideError } from '../../../main/containerd/errors';
import { until } from '../../helpers/engine';
import { FakeEngine, status } from '../service/fake-engine';

const insides: Inside[] = [];
afterEach(() => {
  for (const i of insides.splice(0)) i.dispose();
});

function setup(): { engine: FakeEngine; inside: Inside; statuses: InsideStatus[] } {
  const engine = new FakeEngine();
  // A socket nobody listens on: the API is unreachable even while the engine says running.
  const real = engine.status.bind(engine);
  const paths = { ...status().paths, socket: '/nonexistent/cdesk-test/containerd.sock' };
  engine.status = () => ({ ...real(), paths });
  const inside = createInside({ engine, logError: () => undefined });
  insides.push(inside);
  const statuses: InsideStatus[] = [];
  inside.onEvent((e) => {
    if (e.event === 'inside:status') statuses.push(e.payload.inside);
  });
  return { engine, inside, statuses };
}

describe('createInside', () => {
  it('while containerd is stopped: unavailable, and every command says to start it', async () => {
    const { inside } = setup();
    expect(inside.status().state).toBe('unavailable');
    expect(inside.summary()).toMatchObject({ problems: [], containers: null });
    const err = await inside.handlers['containers:list']({ namespace: 'default' }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(InsideError);
    expect(err).toMatchObject({
      code: 'containerd-api-unavailable',
      message: 'containerd is not running (state: stopped)',
    });
    expect((err as InsideError).hint).toMatch(/cdesk daemon start/);
    expect(await inside.stopNotice()).toBeNull();
  });

  it('follows the engine: connecting while running but unreachable, unavailable once stopped', async () => {
    const { engine, inside, statuses } = setup();
    engine.transition('running');
    await until(
      () =>
        statuses.some(
          (s) => s.state === 'connecting' && /not reachable|connect/.test(s.message ?? ''),
        ),
      10_000,
      'a connect failure',
    );
    expect(inside.status().state).toBe('connecting');
    engine.transition('stopped');
    expect(inside.status()).toMatchObject({ state: 'unavailable', message: 'now stopped' });
  });
});

describe('EventFeed', () => {
  const ev = (i: number, namespace = 'default'): ContainerdEvent => ({
    at: i,
    namespace,
    topic: '/tasks/start',
    type: 't',
    containerId: `c${i}`,
  });

  it('batches events and keeps a bounded ring of recent ones', async () => {
    const batches: ContainerdEvent[][] = [];
    const feed = new EventFeed({ batchMs: 10, recentLimit: 5, onBatch: (b) => batches.push(b) });
    feed.inject([ev(1), ev(2, 'other'), ev(3), ev(4), ev(5), ev(6), ev(7)]);
    expect(batches).toEqual([]);
    await until(() => batches.length > 0, 1000, 'a batch');
    expect(batches).toHaveLength(1);
    expect(batches[0]!.map((e) => e.at)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(feed.recent(undefined, 100).map((e) => e.at)).toEqual([3, 4, 5, 6, 7]);
    expect(feed.recent('default', 2).map((e) => e.at)).toEqual([6, 7]);
    feed.dispose();
  });
});
