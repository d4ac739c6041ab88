// Exits lost while containerd was down are found by comparing the task lists before and after.
import { describe, expect, it } from 'vitest';
import type { ContainerInfo, TaskInfo } from '../../../common/containerd';
import { lostExits, OutageExits, runningTasks, taskKey } from '../../../main/containerd/lost-exits';

const c = (id: string, task: TaskInfo | null, namespace = 'default'): ContainerInfo => ({
  namespace,
  id,
  image: 'img',
  runtime: 'io.containerd.runc.v2',
  labels: {},
  snapshotter: 'overlayfs',
  snapshotKey: id,
  createdAt: 1,
  updatedAt: 1,
  task,
});
const running = (pid: number): TaskInfo => ({
  pid,
  status: 'running',
  exitStatus: null,
  exitedAt: null,
});
const stopped = (pid: number, exitStatus: number, exitedAt: number): TaskInfo => ({
  pid,
  status: 'stopped',
  exitStatus,
  exitedAt,
});

describe('lostExits', () => {
  const before = runningTasks([
    c('a', running(10)),
    c('b', running(11)),
    c('c', running(12)),
    c('d', stopped(13, 0, 5)),
  ]);

  it('only running tasks are remembered', () => {
    expect([...before.keys()]).toEqual([
      taskKey('default', 'a', 10),
      taskKey('default', 'b', 11),
      taskKey('default', 'c', 12),
    ]);
  });

  it('a task now stopped, with no exit seen, gets a TaskExit with its status and time', () => {
    const after = [c('a', running(10)), c('b', stopped(11, 137, 5000)), c('c', running(12))];
    expect(lostExits(before, after, new Set(), 9999)).toEqual([
      {
        at: 5000,
        namespace: 'default',
        topic: '/tasks/exit',
        type: 'containerd.events.TaskExit',
        containerId: 'b',
        pid: 11,
        exitStatus: 137,
        exitedAt: 5000,
      },
    ]);
  });

  it('an exit already seen (re-delivered by the shim) is not repeated', () => {
    const after = [c('a', running(10)), c('b', stopped(11, 137, 5000)), c('c', running(12))];
    expect(lostExits(before, after, new Set([taskKey('default', 'b', 11)]), 9999)).toEqual([]);
  });

  it('a container gone, or restarted with a new pid, still reports the old task exit (time unknown → now)', () => {
    const after = [c('a', running(99)), c('c', running(12))];
    const out = lostExits(before, after, new Set(), 9999);
    expect(out.map((e) => [e.containerId, e.pid, e.at, e.exitStatus])).toEqual([
      ['a', 10, 9999, undefined],
      ['b', 11, 9999, undefined],
    ]);
  });
});

describe('OutageExits', () => {
  it('reports an exit lost in the outage once, and drops the shim re-delivering it later', () => {
    const book = new OutageExits();
    book.begin(runningTasks([c('a', running(10)), c('b', running(11))]));
    // A later step of the same outage does not replace what ran when it began.
    book.begin(new Map());
    expect(book.exitArrived('default', 'b', 11)).toBe(true);
    const lost = book.end([c('a', stopped(10, 137, 5_000)), c('b', stopped(11, 0, 4_000))], 9_000);
    expect(lost.map((e) => [e.containerId, e.exitStatus])).toEqual([['a', 137]]);
    expect(book.exitArrived('default', 'a', 10)).toBe(false);
    // Only once: a second copy of the same exit is a new event again.
    expect(book.exitArrived('default', 'a', 10)).toBe(true);
    expect(book.end([], 10_000)).toEqual([]);
  });
});
