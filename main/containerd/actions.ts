// Changing state inside containerd: stop/kill a task, delete a container (safely), remove an image (when unused).
import { removeEmptyCgroupParents } from './cgroup-dirs';
import { cgroupParentFor } from './oci-spec';
import { rm } from 'node:fs/promises';
import { constants } from 'node:os';
import { basename, dirname } from 'node:path';
import type { InsideCommandResults } from '../../common/containerd-commands';
import {
  DeleteContainerRequest,
  ContainersService,
  GetContainerRequest,
} from '../shared/api/services/containers/v1/containers';
import { DeleteImageRequest, ImagesService } from '../shared/api/services/images/v1/images';
import {
  RemoveSnapshotRequest,
  SnapshotsService,
} from '../shared/api/services/snapshots/v1/snapshots';
import {
  DeleteTaskRequest,
  GetRequest,
  KillRequest,
  TasksService,
  WaitRequest,
} from '../shared/api/services/tasks/v1/tasks';
import { Status, type Process } from '../shared/api/types/task/task';
import type { ContainerdClient } from './client';
import { detachNetwork, type NetContext } from './container-network';
import { noContainer } from './container-info';
import { InsideError } from './errors';

const DEFAULT_GRACE_MS = 10_000;
/** After SIGKILL a task ends within milliseconds unless its shim is stuck. */
const KILL_WAIT_MS = 10_000;

function signalNumber(name: string): number {
  const n = (constants.signals as Record<string, number>)[name];
  if (typeof n !== 'number')
    throw new InsideError(
      'bad-payload',
      `unknown signal ${name}`,
      'Use a signal name such as SIGTERM or SIGKILL.',
    );
  return n;
}

async function getTask(
  c: ContainerdClient,
  namespace: string,
  id: string,
): Promise<Process | null> {
  try {
    const r = await c.call(TasksService.get, GetRequest.create({ container_id: id }), {
      namespace,
    });
    return r.process ?? null;
  } catch (err) {
    if (err instanceof InsideError && err.code === 'not-found') return null;
    throw err;
  }
}

/** Kill, ignoring "already gone" (a finished task answers NOT_FOUND). */
async function killQuiet(
  c: ContainerdClient,
  namespace: string,
  id: string,
  signal: number,
): Promise<void> {
  try {
    await c.call(TasksService.kill, KillRequest.create({ container_id: id, signal }), {
      namespace,
    });
  } catch (err) {
    if (!(
      err instanceof InsideError &&
      (err.code === 'not-found' || err.code === 'failed-precondition')
    ))
      throw err;
  }
}

/** Wait for the task's exit within `ms`; null on deadline. Started before the kill so no exit is missed. */
function waitExit(
  c: ContainerdClient,
  namespace: string,
  id: string,
  ms: number,
): Promise<number | null> {
  return c
    .call(TasksService.wait, WaitRequest.create({ container_id: id }), {
      namespace,
      timeoutMs: ms,
    })
    .then((r) => r.exit_status)
    .catch((err: unknown) => {
      if (err instanceof InsideError && err.code === 'containerd-timeout') return null;
      // containerd passes our deadline on to the shim, whose expiry can come back first as
      // code UNKNOWN "context deadline exceeded": that is the same timeout.
      if (err instanceof InsideError && /context deadline exceeded/.test(err.message)) return null;
      throw err;
    });
}

/**
 * The kill's outcome, then the wait's (started first, so no exit is missed). When the kill fails
 * the wait no longer matters: its own failure must not surface later as an unhandled rejection.
 */
async function afterKill<T>(waiting: Promise<T>, kill: Promise<void>): Promise<T> {
  try {
    await kill;
  } catch (err) {
    waiting.catch(() => undefined);
    throw err;
  }
  return waiting;
}

/** The task is not there: say whether the container is, since that is usually the mistake. */
async function noTask(c: ContainerdClient, namespace: string, id: string): Promise<InsideError> {
  const exists = await c
    .call(ContainersService.get, GetContainerRequest.create({ id }), { namespace })
    .then(
      () => true,
      (err: unknown) => !(err instanceof InsideError && err.code === 'not-found'),
    );
  if (!exists) return noContainer(c, namespace, id);
  return new InsideError(
    'not-found',
    `container ${id} has no task in namespace ${namespace}`,
    'It is not running; list containers with cdesk ps -a -n NAMESPACE.',
  );
}

/** SIGTERM, up to `graceMs` for the exit, then SIGKILL and wait. */
export async function stopTask(
  c: ContainerdClient,
  namespace: string,
  id: string,
  graceMs = DEFAULT_GRACE_MS,
): Promise<InsideCommandResults['task:stop']> {
  const t = await getTask(c, namespace, id);
  if (!t) throw await noTask(c, namespace, id);
  if (t.status === Status.STOPPED) return { id, exitStatus: t.exit_status, killed: false };
  const status = await afterKill(
    waitExit(c, namespace, id, Math.max(graceMs, 1)),
    killQuiet(c, namespace, id, signalNumber('SIGTERM')),
  );
  if (status !== null) return { id, exitStatus: status, killed: false, graceMs };
  const after = await afterKill(
    waitExit(c, namespace, id, KILL_WAIT_MS),
    killQuiet(c, namespace, id, signalNumber('SIGKILL')),
  );
  if (after === null) {
    throw new InsideError(
      'containerd-timeout',
      `task ${id} did not exit within ${KILL_WAIT_MS} ms of SIGKILL`,
      "Its shim may be hung; check containerd's log (cdesk daemon logs --level warn).",
    );
  }
  return { id, exitStatus: after, killed: true, graceMs };
}

export async function killTask(
  c: ContainerdClient,
  namespace: string,
  id: string,
  signal: string,
): Promise<InsideCommandResults['task:kill']> {
  try {
    await c.call(
      TasksService.kill,
      KillRequest.create({ container_id: id, signal: signalNumber(signal) }),
      { namespace },
    );
  } catch (err) {
    if (err instanceof InsideError && err.code === 'not-found')
      throw await noTask(c, namespace, id);
    throw err;
  }
  return { id };
}

const LIVE = new Set([Status.RUNNING, Status.PAUSED, Status.PAUSING]);

/**
 * Containers/Delete does not check for a running task (it would leave an orphan nobody can
 * reach), so: refuse while it runs; otherwise Kill → Wait → Tasks/Delete → Containers/Delete.
 */
export async function deleteContainer(
  c: ContainerdClient,
  namespace: string,
  id: string,
  net?: NetContext,
): Promise<InsideCommandResults['container:delete']> {
  const t = await getTask(c, namespace, id);
  if (t && (LIVE.has(t.status) || (t.status === Status.UNKNOWN && !t.pid))) {
    const what =
      t.status === Status.UNKNOWN
        ? 'a task that is not responding'
        : `a ${t.status.toLowerCase()} task (pid ${t.pid})`;
    throw new InsideError(
      'in-use',
      `container ${id} has ${what}; deleting it now would orphan the task`,
      `Stop it first: cdesk stop ${id}${namespace === 'default' ? '' : ` -n ${namespace}`} (or Stop in the window), then delete; or cdesk rm -f ${id} stops it first.`,
    );
  }
  if (t) {
    if (t.status !== Status.STOPPED) {
      await afterKill(
        waitExit(c, namespace, id, KILL_WAIT_MS),
        killQuiet(c, namespace, id, signalNumber('SIGKILL')),
      );
    }
    try {
      await c.call(TasksService.delete, DeleteTaskRequest.create({ container_id: id }), {
        namespace,
      });
    } catch (err) {
      if (!(err instanceof InsideError && err.code === 'not-found')) throw err;
    }
  }
  const record = await c
    .call(ContainersService.get, GetContainerRequest.create({ id }), { namespace })
    .then((r) => r.container)
    .catch(() => undefined);
  try {
    await c.call(ContainersService.delete, DeleteContainerRequest.create({ id }), { namespace });
  } catch (err) {
    // Say it as stop, start and logs do (and name the namespace that has it), not containerd's words.
    if (err instanceof InsideError && err.code === 'not-found')
      throw await noContainer(c, namespace, id);
    throw err;
  }
  if (record) await removeLeftovers(c, namespace, id, record, net);
  return { id };
}

/**
 * What a deleted container leaves behind: its rootfs snapshot (as ctr's `containers rm` removes
 * it; GC would, later) and, for ours, the log folder (only the one named after the container).
 */
async function removeLeftovers(
  c: ContainerdClient,
  namespace: string,
  id: string,
  record: { snapshotter: string; snapshot_key: string; labels: Record<string, string> },
  net?: NetContext,
): Promise<void> {
  // CNI DEL: the veth, iptables rules, address lease and netns mount go with the container.
  if (net && record.labels['containerd-desktop/net'] === 'bridge')
    await detachNetwork(net, namespace, id);
  if (record.snapshot_key && record.snapshotter) {
    await c
      .call(
        SnapshotsService.remove,
        RemoveSnapshotRequest.create({ snapshotter: record.snapshotter, key: record.snapshot_key }),
        { namespace },
      )
      .catch(() => undefined);
  }
  const log = record.labels['containerd-desktop/log-file'];
  if (log?.startsWith('/') && basename(log) === `${id}-json.log` && basename(dirname(log)) === id)
    await rm(dirname(log), { recursive: true, force: true });
  if (net) await removeEmptyCgroupParents(cgroupParentFor(net.stateDir), namespace);
}

/** Images/Delete succeeds even while containers use the image: refuse that here. */
export async function deleteImage(
  c: ContainerdClient,
  namespace: string,
  name: string,
  users: string[],
): Promise<InsideCommandResults['image:delete']> {
  if (users.length) {
    const shown =
      users.slice(0, 5).join(', ') + (users.length > 5 ? `, … (${users.length} in all)` : '');
    throw new InsideError(
      'in-use',
      `image ${name} is used by container${users.length === 1 ? '' : 's'} ${shown}`,
      'Delete those containers first (cdesk rm ID), then remove the image.',
    );
  }
  await c.call(ImagesService.delete, DeleteImageRequest.create({ name }), { namespace });
  return { name };
}
