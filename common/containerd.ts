// What runs inside containerd, as every surface sees it: namespaces, containers, images, plugins, events.
// Types, and the one rule for a live task (the engine side lives in main/containerd/, the views in renderer/, the CLI in main/cli/).

/** A task's status as containerd reports it; 'not-responding' = its shim timed out on list. */
export type TaskStatus =
  'created' | 'running' | 'stopped' | 'paused' | 'pausing' | 'unknown' | 'not-responding';

/** The signals a task may be sent (`cdesk kill --signal`, the tasks:kill payload). */
export const TASK_SIGNALS = [
  'SIGTERM',
  'SIGKILL',
  'SIGINT',
  'SIGHUP',
  'SIGUSR1',
  'SIGUSR2',
  'SIGQUIT',
] as const;
export type TaskSignal = (typeof TASK_SIGNALS)[number];

/**
 * Whether a task counts as live (`cdesk ps` without -a, the status's running count, the confirm
 * before stopping containerd): it has a process, even paused, unanswering or of unknown status.
 */
export function isLiveTask(status: TaskStatus | undefined): boolean {
  return status !== undefined && status !== 'created' && status !== 'stopped';
}

export interface NamespaceInfo {
  name: string;
  labels: Record<string, string>;
  /** Counts for the namespace picker ("default (3)"). */
  containers: number;
  images: number;
}

/**
 * One running task's resource use at one moment (Tasks/Metrics, either cgroup version). Counters
 * are cumulative: CPU % comes from two samples (the change in `cpuNs` over the change in `at`).
 */
export interface TaskStats {
  id: string;
  /** When containerd took the sample, epoch ms. */
  at: number;
  cgroup: 'v1' | 'v2';
  /** CPU time used since the task started, ns. */
  cpuNs: number;
  memory: {
    /** Bytes charged to the cgroup, page cache included. */
    usage: number;
    /** Usage without the inactive page cache: docker's "MEM USAGE". */
    workingSet: number;
    /** The memory limit; null when there is none. */
    limit: number | null;
  };
  pids: number | null;
  /** Bytes read from and written to block devices since the task started. */
  blockIo: { read: number; write: number };
}

/**
 * CPU use between two samples of one task, in percent of one core (docker's CPU %: 200 % is two
 * cores busy); null when there is no earlier sample or no time passed.
 */
export function cpuPercent(prev: TaskStats | undefined, next: TaskStats): number | null {
  if (!prev || prev.id !== next.id) return null;
  const wallNs = (next.at - prev.at) * 1e6;
  if (wallNs <= 0) return null;
  return Math.max(0, ((next.cpuNs - prev.cpuNs) / wallNs) * 100);
}

export interface TaskInfo {
  pid: number;
  status: TaskStatus;
  /** Set once the task has exited. */
  exitStatus: number | null;
  /** Epoch ms, null until exited. */
  exitedAt: number | null;
  /** Epoch ms the task's process started (from /proc), when it runs and that is readable. */
  startedAt?: number;
}

export interface ContainerInfo {
  namespace: string;
  id: string;
  image: string;
  /** e.g. io.containerd.runc.v2 */
  runtime: string;
  labels: Record<string, string>;
  snapshotter: string;
  snapshotKey: string;
  /** Epoch ms. */
  createdAt: number;
  updatedAt: number;
  /** null = no task (container created, never started, or task deleted). */
  task: TaskInfo | null;
}

export interface ImageInfo {
  namespace: string;
  /** Full reference, e.g. docker.io/library/busybox:latest */
  name: string;
  /** Target descriptor digest (sha256:…). */
  digest: string;
  mediaType: string;
  /** Epoch ms. */
  createdAt: number;
  updatedAt: number;
  /** Bytes, as `ctr images ls` counts them (manifest + config + layers for the host platform); null if unreadable. */
  size: number | null;
  /** Ids of containers in this namespace whose image is this name. */
  usedBy: string[];
}

export interface SnapshotterUsage {
  snapshotter: string;
  /** Bytes on disk and inodes, summed over the namespace's snapshots; null when the snapshotter is unavailable. */
  bytes: number | null;
  inodes: number | null;
  snapshots: number;
}

export type PluginStatus = 'ok' | 'skip' | 'error';

export interface PluginInfo {
  type: string;
  id: string;
  status: PluginStatus;
  /** The init error's message (skip reason or real error), null when ok. */
  initError: string | null;
  requires: string[];
  platforms: string[];
  exports: Record<string, string>;
}

/** A problem that matters (not expected noise), with what to do about it. */
export interface Problem {
  /** Stable id, e.g. "cri-no-cni", "snapshotter-overlayfs". */
  id: string;
  severity: 'error' | 'warning';
  message: string;
  hint: string;
  /** One fix the app can apply, if any (e.g. turn CRI off). */
  fix?: { label: string; settingsPatch: Record<string, unknown> };
}

export interface ContainerdVersion {
  version: string;
  revision: string;
}

/**
 * containerd's version as every surface writes it: "1.7.2 (0cae528d)"; a git revision is cut to
 * 12 characters as git does, a packager's revision ("1.6.20~ds1-1+deb12u3") is kept whole.
 */
export function formatContainerdVersion(v: ContainerdVersion): string {
  const rev = /^[0-9a-f]{13,}$/.test(v.revision) ? v.revision.slice(0, 12) : v.revision;
  return rev && rev !== v.version ? `${v.version} (${rev})` : v.version;
}

/** One containerd event, typed from its envelope. */
export interface ContainerdEvent {
  /** Epoch ms (containerd's envelope timestamp). */
  at: number;
  namespace: string;
  /** e.g. /tasks/exit, /containers/create, /images/delete */
  topic: string;
  /** The protobuf type name of the payload, e.g. containerd.events.TaskExit */
  type: string;
  /** Container id where the payload names one. */
  containerId?: string;
  /** Image name for image events. */
  image?: string;
  /** Snapshot key, for snapshot events. */
  key?: string;
  pid?: number;
  exitStatus?: number;
  /** Epoch ms of an exit. */
  exitedAt?: number;
}

/** What the engine knows of containerd's API connection (for "Reconnecting…" states). */
export interface InsideStatus {
  /** connected: subscribed and lists fresh; connecting: containerd not (yet) reachable. */
  state: 'connected' | 'connecting' | 'unavailable';
  /** Epoch ms of the last successful full re-list. */
  listedAt: number | null;
  message: string | null;
}

/** Where one layer of a pull is: downloading, then extracting into the snapshotter. */
export type PullLayerStatus = 'waiting' | 'downloading' | 'extracting' | 'done' | 'exists';

export interface PullLayerProgress {
  digest: string;
  /** Bytes of the (compressed) blob in the content store so far. */
  current: number;
  total: number;
  status: PullLayerStatus;
}

export type PullPhase = 'resolving' | 'downloading' | 'unpacking' | 'done' | 'failed' | 'cancelled';

/** A pull's progress (throttled: a few times a second while it runs, and once at the end). */
export interface PullProgress {
  pullId: string;
  namespace: string;
  /** The normalised reference (docker.io/library/alpine:latest). */
  ref: string;
  phase: PullPhase;
  layers: PullLayerProgress[];
  /** Bytes of every blob (config, layers) written / to write. */
  current: number;
  total: number;
  /** Download speed over the last seconds (bytes/s). */
  bytesPerSecond: number;
  /** Set when phase is failed. */
  error?: { code: string; message: string; hint: string };
}

export interface PullResult {
  namespace: string;
  /** The image record's name. */
  name: string;
  /** The image's target digest, as the registry names it. */
  digest: string;
  mediaType: string;
  /** The platform pulled (os/architecture[/variant]). */
  platform: string;
  /** Bytes written this time (blobs already present are not counted). */
  downloaded: number;
}

/** What image:load created. */
export interface LoadResult {
  namespace: string;
  images: { name: string; digest: string; mediaType: string }[];
  /** Bytes written into the content store (blobs already there are not counted). */
  written: number;
}

/** Disk use of one namespace, as `cdesk system df` shows it. */
export interface DiskUsage {
  namespace: string;
  images: {
    count: number;
    /** Images no container uses. */
    unused: number;
    /** The namespace's content store: each blob once (what `ctr content ls` lists). */
    contentBytes: number;
    /** Committed (image) snapshots' own bytes, per snapshotter in use. */
    unpackedBytes: number;
    /** Content no container's image reaches: what prune --all would free (before unpacked bytes). */
    reclaimableBytes: number;
  };
  containers: {
    count: number;
    running: number;
    /** Writable layers' bytes. */
    bytes: number;
    /** Writable layers of stopped containers. */
    reclaimableBytes: number;
  };
}

/** What system:prune removed (or, dryRun, would remove). */
export interface PruneResult {
  namespace: string;
  dryRun: boolean;
  containers: string[];
  images: string[];
  /** Content and snapshot bytes freed (dryRun: the estimate). */
  bytes: number;
}
