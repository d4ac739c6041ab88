// Removing --rm containers, as docker's daemon does: once the task has exited, unless an attached
// `cdesk run --rm` is still connected to read the last lines and remove it itself; and, after every
// (re)connect, the ones whose task exited while the app (or containerd) was away.
import type { ContainerInfo } from '../../common/containerd';
import { Status } from '../shared/api/types/task/task';
import { GetRequest, TasksService } from '../shared/api/services/tasks/v1/tasks';
import { deleteContainer } from './actions';
import type { ContainerdClient } from './client';
import { getContainer } from './container-info';
import { InsideError } from './errors';
import { LABELS, type RunContext } from './run';

export interface AutoRemoveDeps {
  /** The client when containerd may answer; throws a clear error otherwise. */
  ready(): ContainerdClient;
  runContext(): RunContext;
  logError(message: string, err: unknown): void;
  /** After a removal (the counts are re-read). */
  removed?(): void;
}

const key = (namespace: string, id: string) => `${namespace}/${id}`;
const isGone = (err: unknown) =>
  err instanceof InsideError && (err.code === 'not-found' || err.code === 'in-use');

export class AutoRemove {
  /** Attached runs' connections, by container: while one is open its CLI removes the container. */
  private readonly holders = new Map<string, { signal: AbortSignal; onAbort: () => void }>();
  /** Runs under way: their record may exist before their task does. */
  private readonly underWay = new Map<string, number>();

  constructor(private readonly d: AutoRemoveDeps) {}

  /**
   * A run has named its container (before the record exists). `heldBy`: the attached caller's
   * connection. Returns what to call once the run has answered (or failed).
   */
  running(namespace: string, id: string, heldBy?: AbortSignal): () => void {
    const k = key(namespace, id);
    this.underWay.set(k, (this.underWay.get(k) ?? 0) + 1);
    if (heldBy && !heldBy.aborted) {
      this.forget(namespace, id);
      const onAbort = () => {
        this.holders.delete(k);
        // A run still under way is looked at when it ends.
        if (!this.underWay.has(k)) this.removeIfExited(namespace, id);
      };
      this.holders.set(k, { signal: heldBy, onAbort });
      heldBy.addEventListener('abort', onAbort, { once: true });
    }
    let done = false;
    return () => {
      if (done) return;
      done = true;
      const n = (this.underWay.get(k) ?? 1) - 1;
      if (n > 0) this.underWay.set(k, n);
      else this.underWay.delete(k);
      // The caller left during the run: its task may have exited meanwhile, unseen by exited().
      if (heldBy?.aborted && !this.held(k)) this.removeIfExited(namespace, id);
    };
  }

  /** The container was removed (by its cdesk, say): its connection holds nothing now. */
  forget(namespace: string, id: string): void {
    const k = key(namespace, id);
    const h = this.holders.get(k);
    if (!h) return;
    h.signal.removeEventListener('abort', h.onAbort);
    this.holders.delete(k);
  }

  /** A task exited (its /tasks/exit event). */
  exited(namespace: string, id: string): void {
    if (!this.held(key(namespace, id))) this.removeIfExited(namespace, id);
  }

  /**
   * After a (re)connect's re-list: --rm containers whose task is not running (it exited while the
   * app or containerd was away; a reboot left none). Tasks keep running across a containerd
   * restart, so those stay.
   */
  sweep(all: ContainerInfo[]): void {
    for (const ct of all) {
      if (ct.labels[LABELS.autoRemove] !== 'true') continue;
      const k = key(ct.namespace, ct.id);
      if (this.held(k) || this.underWay.has(k)) continue;
      if (ct.task && ct.task.status !== 'stopped') continue;
      this.removeIfExited(ct.namespace, ct.id);
    }
  }

  private held(k: string): boolean {
    const h = this.holders.get(k);
    return !!h && !h.signal.aborted;
  }

  /** Delete it (record, snapshot, network, log folder) when it is --rm and its task is not running. */
  private removeIfExited(namespace: string, id: string): void {
    void (async () => {
      const c = this.d.ready();
      const ct = await getContainer(c, namespace, id);
      if (ct.labels[LABELS.autoRemove] !== 'true') return;
      // Only a task that really exited (or none): a not-responding shim is no exit.
      const t = await c
        .call(TasksService.get, GetRequest.create({ container_id: id }), { namespace })
        .then((r) => r.process ?? null)
        .catch((err: unknown) => {
          if (err instanceof InsideError && err.code === 'not-found') return null;
          throw err;
        });
      if (t && t.status !== Status.STOPPED) return;
      // The task exists while the run is under way; none yet is no exit.
      if (!t && this.underWay.has(key(namespace, id))) return;
      await deleteContainer(c, namespace, id, this.d.runContext());
      this.d.removed?.();
    })().catch((err: unknown) => {
      if (isGone(err)) return;
      if (err instanceof InsideError && err.code === 'containerd-api-unavailable') return;
      this.d.logError(`removing container ${id} after its exit failed`, err);
    });
  }
}
