// Pure conversions from containerd's wire messages to the shared types every surface shows.
import type {
  ContainerInfo,
  ContainerdEvent,
  PluginInfo,
  TaskInfo,
  TaskStatus,
} from '../../common/containerd';
import {
  toMs,
  type WireContainer,
  type WireEnvelope,
  type WirePlugin,
  type WireProcess,
} from './wire';

/** A skipped plugin's init error ends with this (aufs, btrfs, zfs where they cannot run). */
const SKIP_SUFFIX = ': skip plugin';

export function toTaskInfo(p: WireProcess): TaskInfo {
  // A hung shim makes Tasks/List give up on that task after ~2 s: UNKNOWN with pid 0.
  const status: TaskStatus =
    p.status === 'UNKNOWN' && !p.pid ? 'not-responding' : (p.status.toLowerCase() as TaskStatus);
  const exitedAt = toMs(p.exited_at);
  return {
    pid: p.pid,
    status,
    exitStatus: status === 'stopped' ? p.exit_status : null,
    exitedAt: status === 'stopped' ? exitedAt : null,
  };
}

/** Containers joined with their tasks (Tasks/List names a task by `id`; its container_id is empty). */
export function joinContainers(
  namespace: string,
  containers: WireContainer[],
  tasks: WireProcess[],
): ContainerInfo[] {
  const byId = new Map(tasks.map((t) => [t.id || t.container_id, t]));
  return containers
    .map((c) => {
      const t = byId.get(c.id);
      return {
        namespace,
        id: c.id,
        image: c.image,
        runtime: c.runtime?.name ?? '',
        labels: c.labels ?? {},
        snapshotter: c.snapshotter,
        snapshotKey: c.snapshot_key,
        createdAt: toMs(c.created_at) ?? 0,
        updatedAt: toMs(c.updated_at) ?? 0,
        task: t ? toTaskInfo(t) : null,
      };
    })
    .sort((a, b) => a.id.localeCompare(b.id));
}

export function toPluginInfo(p: WirePlugin): PluginInfo {
  const err =
    p.init_err && (p.init_err.code !== 0 || p.init_err.message) ? p.init_err.message : null;
  return {
    type: p.type,
    id: p.id,
    status: err === null ? 'ok' : err.endsWith(SKIP_SUFFIX) ? 'skip' : 'error',
    initError: err,
    requires: p.requires ?? [],
    platforms: (p.platforms ?? []).map((x) =>
      [x.os, x.architecture, x.variant].filter(Boolean).join('/'),
    ),
    exports: p.exports ?? {},
  };
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);

/** Our own marker event (published to learn that a subscription is live); never shown. */
export const SUBSCRIBED_TOPIC = '/containerd-desktop/subscribed';

/** One envelope as a typed event; the payload's fields are picked by name, whatever its type. */
export function toContainerdEvent(env: WireEnvelope): ContainerdEvent {
  const e = env.event ?? {};
  const rawType = str(e['@type']) ?? str(e.type_url) ?? '';
  const type = rawType.slice(rawType.lastIndexOf('/') + 1);
  const out: ContainerdEvent = {
    at: toMs(env.timestamp) ?? Date.now(),
    namespace: env.namespace,
    topic: env.topic,
    type,
  };
  // Container events name it `id`; task events `container_id` (TaskDelete's `id` is the exec, empty).
  const containerId = type.startsWith('containerd.events.Container')
    ? str(e.id)
    : str(e.container_id);
  if (containerId) out.containerId = containerId;
  const image = type.startsWith('containerd.services.images.') ? str(e.name) : str(e.image);
  if (image) out.image = image;
  const key = str(e.key);
  if (key) out.key = key;
  const pid = num(e.pid);
  if (pid) out.pid = pid;
  if (type === 'containerd.events.TaskExit' || type === 'containerd.events.TaskDelete') {
    out.exitStatus = num(e.exit_status) ?? 0;
    const at = toMs(e.exited_at as WireEnvelope['timestamp']);
    if (at !== null) out.exitedAt = at;
  }
  return out;
}
