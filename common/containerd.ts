// What runs inside containerd, as every surface sees it: namespaces, containers, images, plugins, events.
// Types, and the one rule for a live task (the engine side lives in main/containerd/, the views in renderer/, the CLI in main/cli/).

/** A task's status as containerd reports it; 'not-responding' = its shim timed out on list. */
export type TaskStatus =
  'created' | 'running' | 'stopped' | 'paused' | 'pausing' | 'unknown' | 'not-responding';

/** The signals a task may be sent (`cdesk stop-task --signal`, the tasks:kill payload). */
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
