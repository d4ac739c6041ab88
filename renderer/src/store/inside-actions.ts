// What the user does from the inside views: stop, kill and delete rows, start containerd, apply a problem's fix.
import type { ContractError, Result, SettingsView } from '../../../common/contract';
import type { Problem } from '../../../common/containerd';
import type { DaemonStatus } from '../../../common/states';
import { call } from './inside-call';
import { rowKey, withEntry, type InsideCore, type RowAction } from './inside-state';

/** How a stop ended, in words: "killed after the 10 s grace (it ignored SIGTERM)". */
export function stopOutcome(
  r: { exitStatus: number | null; killed: boolean; graceMs?: number },
  killedByUser: boolean,
): string {
  const code = r.exitStatus === null ? '' : ` (exit ${r.exitStatus})`;
  if (r.killed) {
    const grace = r.graceMs !== undefined ? `the ${formatGrace(r.graceMs)} grace` : 'the grace';
    return `killed after ${grace}: it ignored SIGTERM${code}`;
  }
  if (killedByUser) return `killed by you while stopping${code}`;
  return `stopped by SIGTERM${code}`;
}

function formatGrace(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}

export class InsideActions {
  constructor(private readonly core: InsideCore) {}

  /** Mark the row busy, run the action, then show its error next to the row or clear it. */
  private async act<T>(
    key: string,
    action: RowAction,
    label: string,
    run: () => Promise<Result<T>>,
  ): Promise<Result<T>> {
    this.core.set((s) => ({
      busy: withEntry(s.busy, key, action),
      rowErrors: withEntry(s.rowErrors, key, undefined),
    }));
    const r = await run();
    this.core.set((s) => ({
      busy: withEntry(s.busy, key, undefined),
      ...(r.ok
        ? {}
        : { rowErrors: withEntry(s.rowErrors, key, { action: label, error: r.error }) }),
    }));
    return r;
  }

  /** Rows whose Kill came while their Stop still waited out the grace. */
  private readonly killedWhileStopping = new Set<string>();

  stop(namespace: string, id: string) {
    const key = rowKey(namespace, id);
    this.killedWhileStopping.delete(key);
    this.core.set((s) => ({ outcomes: withEntry(s.outcomes, key, undefined) }));
    return this.act(key, 'stop', 'Stop', async () => {
      const r = await call(this.core.client, 'task:stop', { namespace, id });
      if (r.ok) {
        this.markExited(namespace, id, r.value.exitStatus);
        const how = stopOutcome(r.value, this.killedWhileStopping.delete(key));
        this.core.set((s) => ({ outcomes: withEntry(s.outcomes, key, how) }));
      }
      return r;
    });
  }

  /** SIGKILL; while a Stop waits out its grace this escalates it (the Stop keeps its busy mark). */
  kill(namespace: string, id: string) {
    const key = rowKey(namespace, id);
    if (this.core.getState().busy.get(key) === 'stop') {
      this.killedWhileStopping.add(key);
      return call(this.core.client, 'task:kill', { namespace, id, signal: 'SIGKILL' }).then((r) => {
        if (!r.ok) {
          this.killedWhileStopping.delete(key);
          this.refuse(key, 'Kill', r.error);
        }
        return r;
      });
    }
    return this.act(key, 'kill', 'Kill', () =>
      call(this.core.client, 'task:kill', { namespace, id, signal: 'SIGKILL' }),
    );
  }

  deleteContainer(namespace: string, id: string) {
    return this.act(rowKey(namespace, id), 'delete', 'Delete', async () => {
      const r = await call(this.core.client, 'container:delete', { namespace, id });
      if (r.ok) this.removeContainer(namespace, id);
      return r;
    });
  }

  deleteImage(namespace: string, name: string) {
    return this.act(rowKey(namespace, name), 'delete', 'Delete', async () => {
      const r = await call(this.core.client, 'image:delete', { namespace, name });
      if (r.ok)
        this.core.set((s) =>
          s.images.value && s.images.namespace === namespace
            ? {
                images: {
                  ...s.images,
                  value: {
                    ...s.images.value,
                    images: s.images.value.images.filter((i) => i.name !== name),
                  },
                },
              }
            : {},
        );
      return r;
    });
  }

  /** Show a refusal next to a row without asking the server (e.g. an image in use). */
  refuse(key: string, action: string, error: ContractError): void {
    this.core.set((s) => ({ rowErrors: withEntry(s.rowErrors, key, { action, error }) }));
  }

  dismissError(key: string): void {
    this.core.set((s) =>
      s.rowErrors.has(key) ? { rowErrors: withEntry(s.rowErrors, key, undefined) } : {},
    );
  }

  async startDaemon(): Promise<void> {
    this.core.set(() => ({ starting: true, startError: null }));
    const r = await call(this.core.client, 'daemon:start', {});
    this.core.set(() => ({
      starting: false,
      ...(r.ok ? { daemon: r.value } : { startError: r.error }),
    }));
  }

  /** Apply a problem's fix (a settings patch). */
  applyFix(problem: Problem): Promise<Result<SettingsView>> {
    return call(this.core.client, 'settings:set', { patch: problem.fix?.settingsPatch ?? {} });
  }

  restartDaemon(): Promise<Result<DaemonStatus>> {
    return call(this.core.client, 'daemon:restart', {});
  }

  /** The stop result already says how it ended; the exit event may come later. */
  private markExited(namespace: string, id: string, exitStatus: number | null): void {
    this.core.set((s) => {
      const list = s.containers.value;
      if (!list || s.containers.namespace !== namespace) return {};
      const i = list.findIndex((c) => c.id === id);
      const c = list[i];
      if (!c?.task || c.task.status === 'stopped') return {};
      const next = list.slice();
      next[i] = {
        ...c,
        task: { ...c.task, status: 'stopped', exitStatus, exitedAt: c.task.exitedAt ?? Date.now() },
      };
      return { containers: { ...s.containers, value: next } };
    });
  }

  private removeContainer(namespace: string, id: string): void {
    this.core.set((s) => {
      const list = s.containers.value;
      if (!list || s.containers.namespace !== namespace || !list.some((c) => c.id === id))
        return {};
      return { containers: { ...s.containers, value: list.filter((c) => c.id !== id) } };
    });
  }
}
