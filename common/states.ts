// The daemon's states and the events the engine emits: shared by the engine and every surface.
import type { Problem } from './containerd';
import type { LogLevel } from './log-levels';

/**
 * Every state the supervised daemon can be in: stopped; starting (spawned or adopted, waiting for
 * the first healthy check); running; unhealthy (alive, checks failing); backoff (exited, waiting to
 * respawn); stopping; failed (needs the user: crash loop, missing binary, rejected config).
 */
export const DAEMON_STATES = [
  'stopped',
  'starting',
  'running',
  'unhealthy',
  'backoff',
  'stopping',
  'failed',
] as const;
export type DaemonState = (typeof DAEMON_STATES)[number];

/** How a daemon process ended. */
export interface ExitInfo {
  code: number | null;
  signal: string | null;
  /** Wall-clock time of the exit, epoch ms. */
  at: number;
}

/** One state transition. */
export interface StateEvent {
  type: 'state';
  state: DaemonState;
  prev: DaemonState;
  /** Human-readable reason, e.g. "containerd exited (signal SIGKILL)". */
  reason: string;
  /** Machine-readable reason code, e.g. "exited", "healthy", "hung", "exec-error". */
  code: string;
  /** Wall-clock time, epoch ms. */
  at: number;
  pid: number | null;
  exit?: ExitInfo;
  /** Milliseconds until the next respawn when state is `backoff`. */
  retryInMs?: number;
  /** What the user should do next, when state is `failed`. */
  hint?: string;
}

/** Result of one gRPC health probe. */
export type HealthResult =
  | 'SERVING'
  | 'NOT_SERVING'
  | 'UNKNOWN'
  | 'SERVICE_UNKNOWN'
  | 'UNIMPLEMENTED'
  | 'TIMEOUT'
  | 'UNAVAILABLE'
  | 'ERROR';

/** One health sample (startup probes are not emitted one by one, only the first success). */
export interface HealthEvent {
  type: 'health';
  at: number;
  phase: 'startup' | 'liveness';
  ok: boolean;
  result: HealthResult;
  latencyMs: number;
  /** Consecutive liveness failures so far (0 after a success). */
  failures: number;
  detail?: string;
}

/** Derived from the one list in log-levels.ts (re-exported here for existing importers). */
export type { LogLevel };

/** One parsed line of containerd's log. */
export interface LogLine {
  /** Monotonic sequence number, unique within one log file history. */
  seq: number;
  /** Time of the line, epoch ms (containerd's own timestamp, else the time we read it). */
  time: number;
  level: LogLevel;
  msg: string;
  /** Other key/value fields (module, error, …). */
  fields: Record<string, string>;
  /** The raw line as containerd wrote it. */
  raw: string;
}

export interface LogEvent {
  type: 'log';
  lines: LogLine[];
}

export type EngineEvent = StateEvent | HealthEvent | LogEvent;

/** A snapshot of everything a surface shows about the daemon. */
export interface DaemonStatus {
  state: DaemonState;
  reason: string;
  code: string;
  pid: number | null;
  adopted: boolean;
  /** Epoch ms when the current daemon became running, null if not running. */
  runningSince: number | null;
  /** Epoch ms of the last state change. */
  since: number;
  restarts: number;
  lastExit: ExitInfo | null;
  lastHealth: { at: number; ok: boolean; result: HealthResult; latencyMs: number } | null;
  version: { version: string; revision: string } | null;
  hint: string | null;
  retryInMs: number | null;
  /** Restarts in the last 24 h by cause: crashes, hangs, and restarts the user asked for. */
  restartCauses?: { crash: number; hang: number; user: number };
  /** Problems that matter (plugin errors, CRI without CNI…), from the containerd API; set by the service. */
  problems?: Problem[];
  /** Containers in every namespace, from the containerd API; null while it is unreachable. Set by the service. */
  containers?: { running: number; total: number } | null;
  /** Set by stop/restart/quit while tasks run: "3 containers keep running; …". */
  notice?: string;
  paths: {
    socket: string;
    config: string;
    pidfile: string;
    log: string;
    root: string;
    state: string;
  };
}
