// Pure conversions from containerd's wire messages to the shared types every surface shows.
import type {
  ContainerInfo,
  ContainerdEvent,
  PluginInfo,
  TaskInfo,
  TaskStatus,
} from '../../common/containerd';
import * as containerEvents from '../shared/api/events/container';
import * as contentEvents from '../shared/api/events/content';
import * as imageEvents from '../shared/api/events/image';
import * as namespaceEvents from '../shared/api/events/namespace';
import * as snapshotEvents from '../shared/api/events/snapshot';
import * as taskEvents from '../shared/api/events/task';
import type { Timestamp } from '../shared/api/google/protobuf/timestamp';
import type { Container } from '../shared/api/services/containers/v1/containers';
import type { Plugin } from '../shared/api/services/introspection/v1/introspection';
import { Status, type Process } from '../shared/api/types/task/task';
import type { Envelope } from '../shared/api/types/event';

/** Go's zero time.Time, which containerd sends for "never" (e.g. a running task's exited_at). */
const GO_ZERO_SECONDS = -62135596800;

/** Epoch ms, or null for an unset or zero timestamp. */
export function toMs(t: Timestamp | null | undefined): number | null {
  if (!t) return null;
  const s = Number(t.seconds);
  if (!Number.isFinite(s) || s <= GO_ZERO_SECONDS) return null;
  if (s === 0 && !t.nanos) return null;
  return s * 1000 + Math.floor((t.nanos ?? 0) / 1e6);
}

/** A skipped plugin's init error ends with this (aufs, btrfs, zfs where they cannot run). */
const SKIP_SUFFIX = ': skip plugin';

/** containerd's task status as ours; one a newer containerd adds reads as unknown. */
const TASK_STATUS: Record<Status, TaskStatus> = {
  [Status.UNKNOWN]: 'unknown',
  [Status.CREATED]: 'created',
  [Status.RUNNING]: 'running',
  [Status.STOPPED]: 'stopped',
  [Status.PAUSED]: 'paused',
  [Status.PAUSING]: 'pausing',
  [Status.UNRECOGNIZED]: 'unknown',
};

/** When a live task's process started (epoch ms), or null; injectable for tests. */
export type StartedAtReader = (pid: number) => number | null;

export function toTaskInfo(p: Process, startedAt: StartedAtReader = () => null): TaskInfo {
  // A hung shim makes Tasks/List give up on that task after ~2 s: UNKNOWN with pid 0.
  const status: TaskStatus =
    p.status === Status.UNKNOWN && !p.pid ? 'not-responding' : TASK_STATUS[p.status];
  const exitedAt = toMs(p.exited_at);
  const info: TaskInfo = {
    pid: p.pid,
    status,
    exitStatus: status === 'stopped' ? p.exit_status : null,
    exitedAt: status === 'stopped' ? exitedAt : null,
  };
  const live = status === 'running' || status === 'paused' || status === 'pausing';
  const started = live && p.pid > 0 ? startedAt(p.pid) : null;
  if (started !== null) info.startedAt = started;
  return info;
}

/** Containers joined with their tasks (Tasks/List names a task by `id`; its container_id is empty). */
export function joinContainers(
  namespace: string,
  containers: Container[],
  tasks: Process[],
  startedAt?: StartedAtReader,
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
        task: t ? toTaskInfo(t, startedAt) : null,
      };
    })
    .sort((a, b) => a.id.localeCompare(b.id));
}

export function toPluginInfo(p: Plugin): PluginInfo {
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

interface Decoder {
  decode(input: Uint8Array): object;
}

/** containerd's event messages by type name, as an Any names them (image events keep their 1.x package). */
const EVENT_TYPES = new Map<string, Decoder>(
  Object.entries({
    'containerd.events': {
      ...containerEvents,
      ...contentEvents,
      ...namespaceEvents,
      ...snapshotEvents,
      ...taskEvents,
    },
    'containerd.services.images.v1': imageEvents,
  }).flatMap(([pkg, fns]) =>
    Object.entries(fns as Record<string, unknown>)
      .filter(
        (e): e is [string, Decoder] =>
          /^[A-Z][A-Za-z]+$/.test(e[0]) && typeof (e[1] as Decoder).decode === 'function',
      )
      .map(([name, fns]) => [`${pkg}.${name}`, fns]),
  ),
);

/** The payload's fields, or none when its type is not one we know or it does not decode. */
function decodePayload(type: string, value: Uint8Array): Record<string, unknown> {
  const fns = EVENT_TYPES.get(type);
  if (!fns) return {};
  try {
    return fns.decode(value) as Record<string, unknown>;
  } catch {
    return {};
  }
}

/** One envelope as a typed event; the payload's fields are picked by name, whatever its type. */
export function toContainerdEvent(env: Envelope): ContainerdEvent {
  const rawType = env.event?.type_url ?? '';
  const type = rawType.slice(rawType.lastIndexOf('/') + 1);
  const e = env.event ? decodePayload(type, env.event.value) : {};
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
    const at = toMs(e.exited_at as Timestamp | undefined);
    if (at !== null) out.exitedAt = at;
  }
  return out;
}
