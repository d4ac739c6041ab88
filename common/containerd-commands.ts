// Commands and events about what runs inside containerd: schemas and result types, spread into the contract.
import * as z from 'zod';
import {
  TASK_SIGNALS,
  type ContainerInfo,
  type ContainerdEvent,
  type ImageInfo,
  type InsideStatus,
  type NamespaceInfo,
  type PluginInfo,
  type Problem,
  type SnapshotterUsage,
  type ContainerdVersion,
  type PullProgress,
  type PullResult,
} from './containerd';

/** containerd's namespace rule: a DNS-label-like name. */
export const namespaceName = z
  .string()
  .min(1)
  .max(76)
  .regex(/^[A-Za-z0-9]([A-Za-z0-9_.-]*[A-Za-z0-9])?$/, {
    message: 'must be a containerd namespace name (letters, digits, . _ -), e.g. default',
  });
/** Container ids as containerd accepts them. */
const containerId = z
  .string()
  .min(1)
  .max(76)
  .regex(/^[A-Za-z0-9]([A-Za-z0-9_.-]*[A-Za-z0-9])?$/, {
    message: 'must be a container id (letters, digits, . _ -)',
  });
const imageName = z.string().min(1).max(4096);
const signalName = z.enum(TASK_SIGNALS);
/** Chosen by the caller, so it can follow the pull's progress events and cancel it. */
const pullId = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,64}$/, { message: 'must be 1-64 letters, digits, _ or -' });

/** Request payload schemas for the inside-containerd commands. */
export const insideCommandSchemas = {
  'namespaces:list': z.object({}).strict(),
  'containers:list': z.object({ namespace: namespaceName }).strict(),
  'images:list': z.object({ namespace: namespaceName }).strict(),
  'plugins:list': z.object({}).strict(),
  'events:recent': z
    .object({
      namespace: namespaceName.optional(),
      limit: z.number().int().min(1).max(1000).optional(),
    })
    .strict(),
  /** SIGTERM, grace, SIGKILL; resolves with the exit status. */
  'task:stop': z
    .object({
      namespace: namespaceName,
      id: containerId,
      graceMs: z.number().int().min(0).max(120_000).optional(),
    })
    .strict(),
  'task:kill': z.object({ namespace: namespaceName, id: containerId, signal: signalName }).strict(),
  /** Deletes a stopped task (if any) and the container; refused while the task runs. */
  'container:delete': z.object({ namespace: namespaceName, id: containerId }).strict(),
  /** Refused while a container uses the image. */
  'image:delete': z.object({ namespace: namespaceName, name: imageName }).strict(),
  /**
   * Pull REF from its registry into the namespace, unpacked; progress comes as
   * image:pull-progress events with this pullId. `auth` is the caller's stored login (the CLI
   * reads its user's docker config); without it the app reads its own.
   */
  'image:pull': z
    .object({
      namespace: namespaceName,
      ref: imageName,
      platform: z.string().max(100).optional(),
      pullId,
      auth: z
        .object({ username: z.string().min(1).max(1024), password: z.string().max(65_536) })
        .strict()
        .optional(),
    })
    .strict(),
  /** Stop a running pull: downloads stop, its lease goes, no image is created. */
  'image:pull-cancel': z.object({ pullId }).strict(),
} as const;

/** Result types, one per inside-containerd command. */
export interface InsideCommandResults {
  'namespaces:list': { namespaces: NamespaceInfo[] };
  'containers:list': { namespace: string; containers: ContainerInfo[] };
  'images:list': {
    namespace: string;
    images: ImageInfo[];
    totalSize: number;
    snapshotters: SnapshotterUsage[];
  };
  'plugins:list': { plugins: PluginInfo[]; problems: Problem[]; version: ContainerdVersion | null };
  'events:recent': { events: ContainerdEvent[] };
  'task:stop': { id: string; exitStatus: number | null; killed: boolean };
  'task:kill': { id: string };
  'container:delete': { id: string };
  'image:delete': { name: string };
  'image:pull': PullResult;
  'image:pull-cancel': { pullId: string; cancelled: boolean };
}

/** Events about what runs inside containerd. */
export interface InsideEventPayloads {
  /** containerd events, batched like log lines. */
  'containerd:events': { events: ContainerdEvent[] };
  /** The API connection changed (connected after a respawn, lost on a crash) or problems changed. */
  'inside:status': { inside: InsideStatus; problems: Problem[] };
  /** A pull's progress, a few times a second while it runs, then its end (done/failed/cancelled). */
  'image:pull-progress': PullProgress;
}
