// Where the containers this app runs keep their runc state and logs, and removing the --rm ones once they exit.
import { join } from 'node:path';
import type { DaemonStatus } from '../../common/states';
import type { ContainerdClient } from './client';
import { deleteContainer } from './actions';
import { getContainer } from './container-info';
import { InsideError } from './errors';
import { LABELS, type RunContext } from './run';

const DEFAULT_LOG_MAX_BYTES = 10 * 1024 * 1024;
const DEFAULT_LOG_KEEP = 3;

/**
 * runc's root sits in the app's state dir (runtime state, like /run/containerd/runc) so another
 * containerd running the same namespace and id never shares it; logs sit in the root dir, which
 * outlives a reboot.
 */
export function runContextFor(
  paths: DaemonStatus['paths'],
  s: { containerLogMaxBytes?: number; containerLogKeep?: number },
  cniBinDirs?: string[],
): RunContext {
  return {
    ...(cniBinDirs ? { cniBinDirs } : {}),
    runcRoot: join(paths.state, 'runc'),
    logDir: join(paths.root, 'containers'),
    binDir: join(paths.state, 'bin'),
    stateDir: paths.state,
    logMaxBytes: s.containerLogMaxBytes ?? DEFAULT_LOG_MAX_BYTES,
    logKeep: s.containerLogKeep ?? DEFAULT_LOG_KEEP,
  };
}

/** After a task exit: delete the container when it was run with --rm -d (best effort; errors logged). */
export function autoRemoveOnExit(
  ready: () => ContainerdClient,
  namespace: string,
  id: string,
  ctx: RunContext,
  logError: (message: string, err: unknown) => void,
): void {
  void (async () => {
    const c = ready();
    const ct = await getContainer(c, namespace, id);
    if (ct.labels[LABELS.autoRemove] !== 'true') return;
    await deleteContainer(c, namespace, id, ctx);
  })().catch((err: unknown) => {
    if (err instanceof InsideError && (err.code === 'not-found' || err.code === 'in-use')) return;
    logError(`removing container ${id} after its exit failed`, err);
  });
}
