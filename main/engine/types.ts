// The engine's public surface: what the service layer, CLI and shells may call.
import type { CommandResults } from '../../common/contract';
import type { Settings } from '../../common/settings';
import type { DaemonStatus, EngineEvent, LogLevel } from '../../common/states';

export interface LogQuery {
  sinceSeq?: number;
  sinceTime?: number;
  level?: LogLevel;
  text?: string;
  limit?: number;
}

/** The supervisor engine as the rest of the app sees it. */
export interface Engine {
  status(): DaemonStatus;
  /** Start (or adopt) containerd; resolves once it is running, failed or stopped again. */
  start(): Promise<DaemonStatus>;
  /** Stop containerd (SIGTERM, grace, SIGKILL) and cancel any pending respawn. */
  stop(): Promise<DaemonStatus>;
  restart(): Promise<DaemonStatus>;
  readLogs(q: LogQuery): CommandResults['logs:read'];
  healthHistory(): CommandResults['health:history'];
  /** New settings take effect at the next spawn (paths) or at once (policy knobs). */
  applySettings(s: Settings): void;
  configPreview(): Promise<CommandResults['config:preview']>;
  /** Subscribe to every engine event; returns the unsubscribe function. */
  onEvent(fn: (e: EngineEvent) => void): () => void;
  /** Stop watching; stop containerd unless leaveRunning (then it stays adoptable). */
  shutdown(opts: { leaveRunning: boolean }): Promise<void>;
}
