// The engine's public surface: what the service layer, CLI and shells may call.
import type { CommandResults } from '../../common/contract';
import type { Settings } from '../../common/settings';
import type { DaemonStatus, EngineEvent, LogLevel, LogLine } from '../../common/states';
import type { DaemonChannel } from '../shared/daemon-channel';

export interface LogQuery {
  sinceSeq?: number;
  sinceTime?: number;
  level?: LogLevel;
  text?: string;
  limit?: number;
  /** Upper bound on the reply's line text in bytes (the rest comes with the next page). */
  maxBytes?: number;
}

/** One page of log lines: `nextSeq` is the sinceSeq to ask next when the reply was cut, else null. */
export interface LogPage {
  lines: LogLine[];
  lastSeq: number;
  nextSeq: number | null;
}

/** The supervisor engine as the rest of the app sees it. */
export interface Engine {
  status(): DaemonStatus;
  /**
   * The running daemon's gRPC connection (health, version and the containerd API share it; a
   * respawned daemon gets a new one); null while no daemon answers.
   */
  channel(): DaemonChannel | null;
  /**
   * Take the state directory's lock now (idempotent). Throws an EngineError ('busy') naming the
   * other owner's pid and what to do. A process without the lock never touches the dir's files.
   */
  claim(): Promise<void>;
  /** Start (or adopt) containerd; resolves once it is running, failed or stopped again. */
  start(): Promise<DaemonStatus>;
  /** Stop containerd (SIGTERM, grace, SIGKILL) and cancel any pending respawn. */
  stop(): Promise<DaemonStatus>;
  restart(): Promise<DaemonStatus>;
  readLogs(q: LogQuery): LogPage;
  healthHistory(): CommandResults['health:history'];
  /** New settings take effect at the next spawn (paths) or at once (policy and log knobs). */
  applySettings(s: Settings): void;
  configPreview(): Promise<CommandResults['config:preview']>;
  /** Subscribe to every engine event; returns the unsubscribe function. */
  onEvent(fn: (e: EngineEvent) => void): () => void;
  /** Stop watching; stop containerd unless leaveRunning (then it stays adoptable). */
  shutdown(opts: { leaveRunning: boolean }): Promise<void>;
}
