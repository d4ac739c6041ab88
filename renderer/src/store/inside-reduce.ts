// Pure updates of the inside lists from containerd events: what changed in place, and whether to re-list.
import type { ContainerInfo, ContainerdEvent, NamespaceInfo } from '../../../common/containerd';

/** The namespace picker's "All namespaces": not a valid containerd namespace name, so never a real one. */
export const ALL_NAMESPACES = '*';

/** Does a list of `namespace` (maybe all of them) hold things of `ns`? */
export function coversNamespace(namespace: string, ns: string): boolean {
  return namespace === ALL_NAMESPACES || namespace === ns;
}

/** How a container last exited, remembered after its task is deleted (a re-list no longer says). */
export interface LastExit {
  exitStatus: number;
  exitedAt: number | null;
}

export interface ContainerPatch {
  list: ContainerInfo[];
  /** The event lacks facts a row shows (image, runtime…): fetch the list again soon. */
  relist: boolean;
  /** A container that appeared live (for the brief highlight). */
  added?: string;
  /** A task that started live, with when (for the uptime column). */
  started?: { id: string; at: number };
  /** An init process that exited or whose task was deleted. */
  exited?: { id: string; exit: LastExit };
}

function replace(list: ContainerInfo[], i: number, c: ContainerInfo): ContainerInfo[] {
  const next = list.slice();
  next[i] = c;
  return next;
}

/** Whether an exit/delete event is about the container's init process (not an exec inside it). */
function isInit(c: ContainerInfo, ev: ContainerdEvent): boolean {
  if (!c.task || !ev.pid || !c.task.pid) return true;
  return c.task.pid === ev.pid;
}

/** Apply one event to the containers of `namespace` (events from other namespaces change nothing). */
export function applyContainerEvent(
  list: ContainerInfo[],
  namespace: string,
  ev: ContainerdEvent,
): ContainerPatch {
  const none: ContainerPatch = { list, relist: false };
  if (!coversNamespace(namespace, ev.namespace) || !ev.containerId) return none;
  const id = ev.containerId;
  // Over all namespaces one id can be in several: a row is its namespace and id.
  const i = list.findIndex((c) => c.id === id && c.namespace === ev.namespace);
  const c = i >= 0 ? list[i] : undefined;
  switch (ev.topic) {
    case '/containers/create': {
      if (c) return { list, relist: true };
      const created: ContainerInfo = {
        namespace: ev.namespace,
        id,
        image: ev.image ?? '',
        runtime: '',
        labels: {},
        snapshotter: '',
        snapshotKey: '',
        createdAt: ev.at,
        updatedAt: ev.at,
        task: null,
      };
      return { list: [...list, created], relist: true, added: id };
    }
    case '/containers/update':
      return { list, relist: true };
    case '/containers/delete':
      return c ? { list: list.filter((x) => x.id !== id), relist: false } : none;
    case '/tasks/create':
      if (!c) return { list, relist: true };
      return {
        list: replace(list, i, {
          ...c,
          task: { pid: ev.pid ?? 0, status: 'created', exitStatus: null, exitedAt: null },
        }),
        relist: false,
      };
    case '/tasks/start':
      if (!c) return { list, relist: true };
      return {
        list: replace(list, i, {
          ...c,
          task: {
            pid: ev.pid ?? c.task?.pid ?? 0,
            status: 'running',
            exitStatus: null,
            exitedAt: null,
          },
        }),
        relist: false,
        started: { id, at: ev.at },
      };
    case '/tasks/exit': {
      if (!c || !isInit(c, ev)) return c ? none : { list, relist: true };
      const exit: LastExit = { exitStatus: ev.exitStatus ?? 0, exitedAt: ev.exitedAt ?? ev.at };
      return {
        list: replace(list, i, {
          ...c,
          task: {
            pid: c.task?.pid ?? ev.pid ?? 0,
            status: 'stopped',
            exitStatus: exit.exitStatus,
            exitedAt: exit.exitedAt,
          },
        }),
        relist: false,
        exited: { id, exit },
      };
    }
    case '/tasks/delete': {
      if (!c || !isInit(c, ev)) return none;
      const status = ev.exitStatus ?? c.task?.exitStatus ?? null;
      const patch: ContainerPatch = { list: replace(list, i, { ...c, task: null }), relist: false };
      if (status !== null)
        patch.exited = {
          id,
          exit: { exitStatus: status, exitedAt: ev.exitedAt ?? c.task?.exitedAt ?? null },
        };
      return patch;
    }
    case '/tasks/paused':
    case '/tasks/resumed':
      if (!c?.task) return { list, relist: true };
      return {
        list: replace(list, i, {
          ...c,
          task: { ...c.task, status: ev.topic === '/tasks/paused' ? 'paused' : 'running' },
        }),
        relist: false,
      };
    default:
      return none;
  }
}

/** Keep the picker's counts right between re-lists. */
export function applyNamespaceEvent(list: NamespaceInfo[], ev: ContainerdEvent): NamespaceInfo[] {
  const delta =
    ev.topic === '/containers/create'
      ? { containers: 1, images: 0 }
      : ev.topic === '/containers/delete'
        ? { containers: -1, images: 0 }
        : ev.topic === '/images/create'
          ? { containers: 0, images: 1 }
          : ev.topic === '/images/delete'
            ? { containers: 0, images: -1 }
            : null;
  if (!delta) return list;
  const i = list.findIndex((n) => n.name === ev.namespace);
  if (i < 0) {
    if (delta.containers < 0 || delta.images < 0) return list;
    return [...list, { name: ev.namespace, labels: {}, ...delta }];
  }
  const n = list[i]!;
  const next = list.slice();
  next[i] = {
    ...n,
    containers: Math.max(0, n.containers + delta.containers),
    images: Math.max(0, n.images + delta.images),
  };
  return next;
}

/** Events that can change the image list (names, sizes, who uses them). */
export function touchesImages(ev: ContainerdEvent): boolean {
  return (
    ev.topic.startsWith('/images/') ||
    ev.topic === '/containers/create' ||
    ev.topic === '/containers/delete' ||
    ev.topic === '/containers/update' ||
    ev.topic === '/snapshot/commit' ||
    ev.topic === '/snapshot/remove' ||
    ev.topic === '/content/delete'
  );
}

/** Append to a bounded ring (oldest dropped), returning a new array for React. */
export function appendBounded<T>(arr: readonly T[], add: readonly T[], max: number): T[] {
  const next = arr.concat(add);
  return next.length > max ? next.slice(next.length - max) : next;
}
