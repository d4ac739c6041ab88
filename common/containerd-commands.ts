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
  type PullProgress,
  type PullResult,
  type LoadResult,
  type DiskUsage,
  type PruneResult,
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
/** An absolute file path without NUL (the app opens it as its own user). */
const localPath = z
  .string()
  .max(4096)
  .regex(/^\/[^\0]*$/, { message: 'must be an absolute path' });
/**
 * Chosen by the caller, so it can follow the pull's progress events and cancel it (a load's
 * loadId too).
 */
const pullId = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,64}$/, { message: 'must be 1-64 letters, digits, _ or -' });

/** A load's id, the caller's choice (the window's Load… passes one through its file dialog). */
export const loadIdSchema = pullId;

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
  /**
   * Load a docker-save or OCI-layout tar the app reads from `path` (control socket only). With a
   * `loadId` (the caller's choice, as a pull's) image:load-cancel can stop it, and so does the
   * control connection closing while it runs.
   */
  'image:load': z
    .object({ namespace: namespaceName, path: localPath, loadId: pullId.optional() })
    .strict(),
  /** Stop a running load: the reading stops, its lease and ingests go, no image is created. */
  'image:load-cancel': z.object({ loadId: pullId }).strict(),
  /** Write the images as one OCI archive (with docker's manifest.json) to `path` (control socket only). */
  'image:save': z
    .object({
      namespace: namespaceName,
      names: z.array(imageName).min(1).max(100),
      path: localPath,
    })
    .strict(),
  /** Disk use of the namespace: images (content, unpacked), containers, what prune would free. */
  'system:df': z.object({ namespace: namespaceName }).strict(),
  /** Remove stopped containers and dangling (all: unused) images, then collect garbage. */
  'system:prune': z
    .object({
      namespace: namespaceName,
      all: z.boolean().optional(),
      dryRun: z.boolean().optional(),
    })
    .strict(),
} as const;

/**
 * Commands that name a file the app opens: served only on the 0600 control socket, whose peer is
 * the app's own user; the window and the WebSocket page refuse them (a page must not make the app
 * read or write arbitrary files).
 */
export const LOCAL_FILE_COMMANDS: ReadonlySet<string> = new Set(['image:load', 'image:save']);

/** The refusal of a LOCAL_FILE_COMMANDS command on another transport. */
export function localOnly(cmd: string): {
  ok: false;
  error: { code: 'forbidden-sender'; message: string; hint: string };
} {
  return {
    ok: false,
    error: {
      code: 'forbidden-sender',
      message: `${cmd} names a file on this machine and is served only on the control socket`,
      hint: `Use cdesk ${cmd === 'image:load' ? 'load -i FILE' : 'save -o FILE REF'} on the machine running the app.`,
    },
  };
}

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
  'image:pull': PullResult;
  'image:pull-cancel': { pullId: string; cancelled: boolean };
  'image:load': LoadResult;
  'image:load-cancel': { loadId: string; cancelled: boolean };
  'image:save': { namespace: string; path: string; images: LoadResult['images']; bytes: number };
  'system:df': DiskUsage;
  'system:prune': PruneResult;
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
