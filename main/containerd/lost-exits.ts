// Exits that happened while containerd was down and whose event never came: found by comparing task lists.
import type { ContainerInfo, ContainerdEvent } from '../../common/containerd';

/** A running task as last seen: namespace, container id, pid. */
export interface SeenTask {
  namespace: string;
  id: string;
  pid: number;
}

export const taskKey = (namespace: string, id: string, pid: number) => `${namespace}/${id}/${pid}`;

/** Running (or paused) tasks in a re-list, by key. */
export function runningTasks(containers: ContainerInfo[]): Map<string, SeenTask> {
  const out = new Map<string, SeenTask>();
  for (const c of containers) {
    const t = c.task;
    if (t && t.pid && (t.status === 'running' || t.status === 'paused' || t.status === 'pausing'))
      out.set(taskKey(c.namespace, c.id, t.pid), { namespace: c.namespace, id: c.id, pid: t.pid });
  }
  return out;
}

/**
 * Tasks running before the outage that are no longer running after it, with no /tasks/exit seen
 * for them: one synthesized TaskExit each (exit status and time from the re-list when it has them).
 * A shim re-delivers the exit only after a short outage; after ~15 s it gives up.
 */
export function lostExits(
  before: Map<string, SeenTask>,
  after: ContainerInfo[],
  exitsSeen: ReadonlySet<string>,
  now: number,
): ContainerdEvent[] {
  const still = runningTasks(after);
  const byId = new Map(after.map((c) => [`${c.namespace}/${c.id}`, c]));
  const out: ContainerdEvent[] = [];
  for (const [key, t] of before) {
    if (still.has(key) || exitsSeen.has(key)) continue;
    const c = byId.get(`${t.namespace}/${t.id}`);
    const task = c?.task && c.task.pid === t.pid ? c.task : null;
    out.push({
      at: task?.exitedAt ?? now,
      namespace: t.namespace,
      topic: '/tasks/exit',
      type: 'containerd.events.TaskExit',
      containerId: t.id,
      pid: t.pid,
      ...(task?.exitStatus !== null && task?.exitStatus !== undefined
        ? { exitStatus: task.exitStatus }
        : {}),
      ...(task?.exitedAt ? { exitedAt: task.exitedAt } : {}),
    });
  }
  return out;
}

/**
 * The exits of one outage: what ran when containerd went away, the exits seen since, and the ones
 * synthesized after the re-list (so a shim's late re-delivery of the same exit is dropped).
 */
export class OutageExits {
  private before: Map<string, SeenTask> | null = null;
  private seen = new Set<string>();
  private readonly synthesized = new Set<string>();

  /** containerd went away with `running` tasks; later steps of the same outage change nothing. */
  begin(running: Map<string, SeenTask>): void {
    if (this.before) return;
    this.before = running;
    this.seen = new Set();
  }

  /** A /tasks/exit from the stream; false when it repeats one already synthesized. */
  exitArrived(namespace: string, containerId: string, pid: number): boolean {
    const key = taskKey(namespace, containerId, pid);
    this.seen.add(key);
    return !this.synthesized.delete(key);
  }

  /** After the re-list that ends an outage: the exits whose event never came. */
  end(after: ContainerInfo[], now: number): ContainerdEvent[] {
    if (!this.before) return [];
    const lost = lostExits(this.before, after, this.seen, now);
    for (const e of lost) this.synthesized.add(taskKey(e.namespace, e.containerId!, e.pid!));
    this.before = null;
    return lost;
  }
}
