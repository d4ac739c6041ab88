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
  type TaskStats,
  type ContainerdVersion,
} from './containerd';
import {
  containerCommandSchemas,
  containerId,
  imageName,
  namespaceName,
  type ContainerCommandResults,
} from './container-commands';

export { namespaceName };

const signalName = z.enum(TASK_SIGNALS);

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
  /** Resource use of running tasks: those of `ids`, or every one in the namespace. */
  'tasks:stats': z
    .object({ namespace: namespaceName, ids: z.array(containerId).max(1000).optional() })
    .strict(),
  /** Deletes a stopped task (if any) and the container; refused while the task runs. */
  'container:delete': z.object({ namespace: namespaceName, id: containerId }).strict(),
  /** Refused while a container uses the image. */
  'image:delete': z.object({ namespace: namespaceName, name: imageName }).strict(),
  ...containerCommandSchemas,
} as const;

/** Result types, one per inside-containerd command. */
export interface InsideCommandResults extends ContainerCommandResults {
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
  /** `killed`: SIGKILL after `graceMs` of ignored SIGTERM (so the page can say how it ended). */
  'task:stop': { id: string; exitStatus: number | null; killed: boolean; graceMs?: number };
  'task:kill': { id: string };
  /** `hostMemory`: the machine's memory, what a task without a limit may use (docker's LIMIT). */
  'tasks:stats': { namespace: string; stats: TaskStats[]; hostMemory: number };
  'container:delete': { id: string };
  'image:delete': { name: string };
}

/** Events about what runs inside containerd. */
export interface InsideEventPayloads {
  /** containerd events, batched like log lines. */
  'containerd:events': { events: ContainerdEvent[] };
  /** The API connection changed (connected after a respawn, lost on a crash) or problems changed. */
  'inside:status': { inside: InsideStatus; problems: Problem[] };
}
