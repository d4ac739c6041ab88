// Container counts for daemon:status and the stop notice: re-counted after changes, at most once a second.
import { isLiveTask, type ContainerInfo } from '../../common/containerd';
import type { ContainerdClient } from './client';
import { runningTasks, taskKey, type SeenTask } from './lost-exits';
import { mapLimit } from './map-limit';
import { listContainers, listNamespaceNames } from './reads';

/**
 * Event-driven recounts wait this long: a recount lists every container (~3 KB each on the wire),
 * so a burst of events (a script creating 1,000 containers) costs one list a second, not one each.
 */
const RECOUNT_DELAY_MS = 1_000;

export class ContainerCounts {
  /** Containers in every namespace; null while containerd's API is unreachable. */
  counts: { running: number; total: number } | null = null;
  /** Running tasks at the last count: what an outage compares against. */
  tasks = new Map<string, SeenTask>();
  /** Survives a disconnect: containers keep running while containerd is down. */
  private lastRunning = 0;
  private timer: NodeJS.Timeout | null = null;
  private gen = 0;
  private disposed = false;
  /** One set per list in flight: the exits seen meanwhile, which that list may still show running. */
  private readonly exitedWhileListing = new Set<Set<string>>();

  constructor(
    private readonly o: {
      /** The client when containerd may answer; throws a clear error otherwise. */
      ready(): ContainerdClient;
      /** The counts moved: surfaces show them from the status. */
      onChange(): void;
      /** A task's start time from its pid (default: this machine's /proc; another machine's containerd passes its own). */
      startedAt?: (pid: number) => number | null;
    },
  ) {}

  /** Count now; resolves with every container listed. */
  async refresh(): Promise<ContainerInfo[]> {
    const gen = ++this.gen;
    const c = this.o.ready();
    const exited = new Set<string>();
    this.exitedWhileListing.add(exited);
    try {
      const names = await listNamespaceNames(c);
      const all = (
        await mapLimit(names, 4, (n) => listContainers(c, n.name, this.o.startedAt))
      ).flat();
      const running = all.filter((x) => isLiveTask(x.task?.status)).length;
      if (gen === this.gen) {
        const changed = this.counts?.running !== running || this.counts?.total !== all.length;
        this.counts = { running, total: all.length };
        if (changed) this.o.onChange();
        this.lastRunning = running;
        this.tasks = runningTasks(all);
        for (const key of exited) this.tasks.delete(key);
      }
      return all;
    } finally {
      this.exitedWhileListing.delete(exited);
    }
  }

  /** A task's exit was reported: it is not running, whatever a count in flight still says. */
  exited(namespace: string, id: string, pid: number): void {
    const key = taskKey(namespace, id, pid);
    this.tasks.delete(key);
    for (const set of this.exitedWhileListing) set.add(key);
  }

  /** Count again soon (after an event or an action); a burst makes one count. */
  schedule(): void {
    if (this.timer || this.disposed) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.refresh().catch(() => undefined);
    }, RECOUNT_DELAY_MS);
    this.timer.unref?.();
  }

  /** containerd is gone: no counts, but the running ones are remembered for the stop notice. */
  unreachable(): void {
    this.counts = null;
  }

  /** "N containers keep running…", from the last count; null when none run. */
  notice(): string | null {
    const running = this.counts?.running ?? this.lastRunning;
    if (running === 0) return null;
    return running === 1
      ? '1 container keeps running; it cannot be managed until containerd is back'
      : `${running} containers keep running; they cannot be managed until containerd is back`;
  }

  dispose(): void {
    this.disposed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
