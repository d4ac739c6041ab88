// The inside store's pure updates and its re-list rules: events applied in place, counts, the bounded feed.
import { describe, expect, it } from 'vitest';
import {
  appendBounded,
  applyContainerEvent,
  applyNamespaceEvent,
} from '../../renderer/src/store/inside-reduce';
import { initialInsideState, rowKey } from '../../renderer/src/store/inside-state';
import { applyInsideEvents } from '../../renderer/src/store/inside-events';
import { InsideStore } from '../../renderer/src/store/inside-store';
import { ev, FakeInsideClient, makeContainer } from './fake-inside-client';

const flush = () => new Promise((r) => setTimeout(r, 0));

describe('applyContainerEvent', () => {
  const list = [makeContainer('web', 'running'), makeContainer('old', 'stopped')];

  it('a task delete drops the task but reports how it exited', () => {
    const r = applyContainerEvent(
      list,
      'default',
      ev('/tasks/delete', 'old', { pid: 0, exitStatus: 2 }),
    );
    expect(r.list.find((c) => c.id === 'old')!.task).toBeNull();
    expect(r.exited).toEqual({ id: 'old', exit: { exitStatus: 2, exitedAt: expect.any(Number) } });
    expect(r.list[0]).toBe(list[0]);
  });

  it('pause and resume change the status; unknown containers ask for a re-list', () => {
    const paused = applyContainerEvent(list, 'default', ev('/tasks/paused', 'web'));
    expect(paused.list[0]!.task!.status).toBe('paused');
    expect(
      applyContainerEvent(paused.list, 'default', ev('/tasks/resumed', 'web')).list[0]!.task!
        .status,
    ).toBe('running');
    expect(applyContainerEvent(list, 'default', ev('/tasks/start', 'ghost'))).toMatchObject({
      relist: true,
    });
  });

  it('events of other namespaces and non-container topics change nothing', () => {
    expect(
      applyContainerEvent(list, 'default', ev('/tasks/exit', 'web', { namespace: 'x' })).list,
    ).toBe(list);
    expect(applyContainerEvent(list, 'default', ev('/snapshot/prepare', 'web')).list).toBe(list);
  });
});

describe('applyNamespaceEvent', () => {
  it('counts containers and images up and down, adding a namespace seen first in an event', () => {
    let ns = [{ name: 'default', labels: {}, containers: 1, images: 1 }];
    ns = applyNamespaceEvent(ns, ev('/containers/create', 'a'));
    ns = applyNamespaceEvent(ns, ev('/images/delete', '', { image: 'x' }));
    ns = applyNamespaceEvent(ns, ev('/containers/create', 'b', { namespace: 'k8s.io' }));
    expect(ns).toEqual([
      { name: 'default', labels: {}, containers: 2, images: 0 },
      { name: 'k8s.io', labels: {}, containers: 1, images: 0 },
    ]);
  });
});

describe('appendBounded', () => {
  it('drops the oldest beyond the cap', () => {
    expect(appendBounded([1, 2, 3], [4, 5], 4)).toEqual([2, 3, 4, 5]);
  });
});

describe('InsideStore', () => {
  it('remembers a live start time (uptime) and an exit that outlives its task', async () => {
    const c = new FakeInsideClient();
    c.containers.set('default', [makeContainer('web', 'running')]);
    const s = new InsideStore(c, initialInsideState('default'));
    s.want('containers');
    const stop = s.start();
    await flush();
    c.events(ev('/tasks/start', 'web', { at: 1234, pid: 1003 }));
    c.events(
      ev('/tasks/exit', 'web', { pid: 1003, exitStatus: 9 }),
      ev('/tasks/delete', 'web', { pid: 1003 }),
    );
    expect(s.getState().startedAt.get(rowKey('default', 'web'))).toBe(1234);
    expect(s.getState().lastExit.get(rowKey('default', 'web'))?.exitStatus).toBe(9);
    expect(s.getState().containers.value![0]!.task).toBeNull();
    stop();
  });

  it('drops a list answer for a namespace no longer selected', async () => {
    const c = new FakeInsideClient();
    c.containers.set('default', [makeContainer('slow', 'running')]);
    c.containers.set('other', [makeContainer('fast', 'running', { namespace: 'other' })]);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    c.on('containers:list', async (p) => {
      if (p.namespace === 'default') await gate;
      return {
        ok: true,
        value: { namespace: p.namespace, containers: [...c.containers.get(String(p.namespace))!] },
      };
    });
    const s = new InsideStore(c, initialInsideState('default'));
    s.want('containers');
    const stop = s.start();
    await flush();
    s.setNamespace('other');
    await flush();
    release();
    await flush();
    await flush();
    expect(s.getState().containers.value!.map((x) => x.id)).toEqual(['fast']);
    stop();
  });
});

describe('applyInsideEvents', () => {
  const loaded = () => {
    const s = initialInsideState('default');
    return { ...s, containers: { ...s.containers, value: [makeContainer('web', 'running')] } };
  };

  it('applies known rows in place and asks for a re-list only for what it cannot apply', () => {
    const r = applyInsideEvents(loaded(), [ev('/tasks/paused', 'web')], 5);
    expect(r.patch.containers!.value![0]!.task!.status).toBe('paused');
    expect(r.relist).toEqual({ containers: false, images: false, namespaces: false });
    const ghost = applyInsideEvents(loaded(), [ev('/tasks/start', 'ghost')], 5);
    expect(ghost.relist.containers).toBe(true);
  });

  it('highlights a container created live, and leaves lists of other namespaces alone', () => {
    const r = applyInsideEvents(loaded(), [ev('/containers/create', 'new')], 42);
    expect(r.patch.fresh!.get(rowKey('default', 'new'))).toBe(42);
    const other = applyInsideEvents(
      loaded(),
      [ev('/tasks/paused', 'web', { namespace: 'k8s.io' })],
      5,
    );
    expect(other.patch.containers).toBeUndefined();
    expect(other.patch.events).toHaveLength(1);
  });
});
