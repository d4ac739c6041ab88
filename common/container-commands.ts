// Commands that make and read containers (run, start, wait, logs, inspect): schemas and result types.
import * as z from 'zod';
import {
  ARGV_MAX,
  CONTAINER_ID_RULE,
  ENV_ENTRY_MAX,
  ENV_ENTRY_PATTERN,
  NAME_MAX,
  NAME_PATTERN,
  NAMESPACE_RULE,
  NETWORK_MODES,
  type NetworkMode,
  USER_PATTERN,
  USER_RULE,
} from './container-names';
import type { TaskInfo } from './containerd';

/** containerd's namespace rule: a DNS-label-like name. */
export const namespaceName = z
  .string()
  .min(1)
  .max(NAME_MAX)
  .regex(NAME_PATTERN, { message: NAMESPACE_RULE });

/** Container ids as containerd accepts them. */
export const containerId = z
  .string()
  .min(1)
  .max(NAME_MAX)
  .regex(NAME_PATTERN, { message: CONTAINER_ID_RULE });

export const imageName = z.string().min(1).max(4096);

/** An absolute path without NUL (for bind mounts and working dirs). */
const absPath = z
  .string()
  .min(1)
  .max(4096)
  .regex(/^\/[^\0]*$/, { message: 'must be an absolute path (starting with /)' });

/** `KEY=VALUE` as docker's `-e` takes it; the key is non-empty and has no '='. */
export const envEntry = z
  .string()
  .max(ENV_ENTRY_MAX)
  .regex(ENV_ENTRY_PATTERN, { message: 'must be KEY=VALUE' });

/** One bind mount (`-v /host:/ctr[:ro]`). */
export const bindMount = z
  .object({ source: absPath, destination: absPath, readonly: z.boolean() })
  .strict();

export { NETWORK_MODES, type NetworkMode };

/** Arguments of a command line: bounded in count and size. */
const argv = z
  .array(
    z
      .string()
      .max(128 * 1024)
      .regex(/^[^\0]*$/),
  )
  .max(ARGV_MAX);

export const runPayload = z
  .object({
    namespace: namespaceName,
    image: imageName,
    /** Generated from the image's name when absent. */
    name: containerId.optional(),
    /** Replaces the image's Entrypoint (docker's --entrypoint: one program; [] clears it). */
    entrypoint: argv.optional(),
    /** Replaces the image's Cmd. */
    args: argv.optional(),
    env: z.array(envEntry).max(4096).optional(),
    workdir: absPath.optional(),
    /** `uid[:gid]`, or names (`name[:group]`) looked up in the image's /etc/passwd and /etc/group. */
    user: z.string().regex(USER_PATTERN, { message: USER_RULE }).optional(),
    mounts: z.array(bindMount).max(256).optional(),
    labels: z
      .record(z.string().min(1).max(1024), z.string().max(3072))
      .refine((l) => Object.keys(l).length <= 256, { message: 'at most 256 labels' })
      .optional(),
    /** Default: bridge where the CNI plugins are installed (and we run as root), else host. */
    net: z.enum(NETWORK_MODES).optional(),
    /** Published ports (`-p [IP:]HOST:CTR[/tcp|udp]`); bridge only. */
    ports: z
      .array(
        z
          .object({
            hostIp: z.ipv4().optional(),
            hostPort: z.number().int().min(1).max(65535),
            containerPort: z.number().int().min(1).max(65535),
            protocol: z.enum(['tcp', 'udp']),
          })
          .strict(),
      )
      .max(256)
      .optional(),
    /** Remove the container (and its log) once its task exits; the app does it, even after a restart. */
    rm: z.boolean().optional(),
    /**
     * With rm: the caller follows the output and removes the container itself once it has read the
     * last lines (`cdesk run --rm` without -d). The app then waits for the caller's connection to
     * close before it removes an exited container; a transport without connections ignores it.
     */
    attached: z.boolean().optional(),
    /** docker's --restart: no | always | unless-stopped | on-failure[:N]. */
    restart: z
      .string()
      .regex(/^(no|always|unless-stopped|on-failure(:\d{1,6})?)$/, {
        message: 'must be no, always, unless-stopped or on-failure[:N]',
      })
      .optional(),
  })
  .strict()
  .refine((p) => !(p.ports?.length && p.net && p.net !== 'bridge'), {
    message: 'published ports need the bridge network (--net bridge)',
    path: ['ports'],
  })
  .refine((p) => !(p.rm && p.restart && p.restart !== 'no'), {
    message: 'rm and restart conflict: a container removed on exit cannot be restarted',
    path: ['restart'],
  });

export type RunPayload = z.infer<typeof runPayload>;

/** One line of a container's output. */
export interface ContainerLogLine {
  stream: 'stdout' | 'stderr';
  /** Epoch ms (from the log's RFC 3339 time). */
  time: number;
  /** The RFC 3339 time as written (nanoseconds kept for -t). */
  timestamp: string;
  /** Without the trailing newline; `partial` when the writer had not ended the line. */
  text: string;
  partial?: boolean;
}

/** Where the lines of container:logs came from. */
export type LogSource = 'app' | 'nerdctl' | 'cri';

export const LOGS_MAX_BYTES = 4 * 1024 * 1024;
/** The longest a follower's container:logs may wait for a new line before answering empty. */
export const LOGS_MAX_WAIT_MS = 5000;

export const containerCommandSchemas = {
  /** Create a container from a local image and start its task. */
  'container:run': runPayload,
  /** Start a stopped (or never started) container's task again. */
  'container:start': z.object({ namespace: namespaceName, id: containerId }).strict(),
  /** Wait up to timeoutMs for the task to exit; exitStatus null while it still runs. */
  'task:wait': z
    .object({
      namespace: namespaceName,
      id: containerId,
      timeoutMs: z.number().int().min(0).max(60_000),
    })
    .strict(),
  /**
   * A container's output: the newest `tail` lines (all when absent) since `sinceMs`, or, with
   * `cursor`, the lines written after the previous page (follow); a cursor naming no file kept
   * now (`0:0`) starts at the oldest line kept.
   */
  'container:logs': z
    .object({
      namespace: namespaceName,
      id: containerId,
      tail: z.number().int().min(0).max(1_000_000).optional(),
      sinceMs: z.number().min(0).optional(),
      cursor: z.string().max(256).optional(),
      maxBytes: z.number().int().min(1024).max(LOGS_MAX_BYTES).optional(),
      /**
       * With `cursor`: when nothing new is there yet, answer as soon as the file grows, or after
       * this long with no lines (a long poll: a follower sees a line when it is written).
       */
      waitMs: z.number().int().min(0).max(LOGS_MAX_WAIT_MS).optional(),
    })
    .strict(),
  /** The container record, its OCI spec, runtime options and task. */
  'container:inspect': z.object({ namespace: namespaceName, id: containerId }).strict(),
} as const;

export interface ContainerCommandResults {
  'container:run': {
    id: string;
    namespace: string;
    pid: number;
    net: NetworkMode;
    /** The bridge address, when on the bridge. */
    ip?: string;
  };
  'container:start': { id: string; pid: number };
  'task:wait': { id: string; exitStatus: number | null };
  'container:logs': {
    source: LogSource;
    lines: ContainerLogLine[];
    /** Pass back to read what is written next. */
    cursor: string;
    /** The page stopped at maxBytes: ask again with the cursor for the rest. */
    more: boolean;
    /**
     * Without a cursor or tail: older lines did not fit in maxBytes (the page holds the newest).
     * Every line is read from the start with cursor `0:0`, a page at a time while `more`.
     */
    truncated?: boolean;
  };
  'container:inspect': {
    id: string;
    namespace: string;
    image: string;
    labels: Record<string, string>;
    runtime: { name: string; options: Record<string, unknown> | null };
    snapshotter: string;
    snapshotKey: string;
    createdAt: number | null;
    updatedAt: number | null;
    /** The OCI runtime spec as stored (JSON), null when absent or unreadable. */
    spec: unknown;
    task: TaskInfo | null;
  };
}
