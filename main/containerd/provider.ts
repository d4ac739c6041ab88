// What the service needs from the containerd API client (implemented in main/containerd/): the
// inside-containerd commands as a handler map, their events, and the facts daemon:status and stop add.
import type { InsideStatus, Problem } from '../../common/containerd';
import type { InsideCommandResults, InsideEventPayloads } from '../../common/containerd-commands';
import type { CommandPayload } from '../../common/contract';
import type { ExecProcess, ExecSpec, ExecStart } from './exec';

export type InsideCommandName = keyof InsideCommandResults;

/** Who sent a request: for a command whose effect lasts as long as its sender is there. */
export interface Caller {
  /** Aborted once the connection that sent the request has closed. */
  gone: AbortSignal;
}

/**
 * One handler per inside command; payloads arrive validated by the contract's schemas. `caller`
 * comes from transports with connections (the control socket), never from the others.
 */
export type InsideHandlers = {
  [C in InsideCommandName]: (
    payload: CommandPayload<C>,
    caller?: Caller,
  ) => Promise<InsideCommandResults[C]>;
};

export type InsideEvent = {
  [E in keyof InsideEventPayloads]: { event: E; payload: InsideEventPayloads[E] };
}[keyof InsideEventPayloads];

/** What daemon:status (and every daemon:state event) merges into the engine's status. */
export interface InsideSummary {
  problems: Problem[];
  /** Containers in every namespace; null while containerd's API is unreachable. */
  containers: { running: number; total: number } | null;
  inside: InsideStatus;
}

/** Passed to createService as `inside`; without it, inside commands answer `containerd-api-unavailable`. */
export interface InsideProvider {
  handlers: InsideHandlers;
  /** Subscribe to containerd:events and inside:status; returns the unsubscribe function. */
  onEvent(fn: (e: InsideEvent) => void): () => void;
  /** Cheap and synchronous: from what the client already knows (no call to containerd). */
  summary(): InsideSummary;
  /**
   * Asked right before a stop or restart: e.g. "3 containers keep running; they cannot be managed
   * until containerd is back", or null when nothing runs. Must settle quickly (it has a deadline).
   */
  stopNotice(): Promise<string | null>;
  /** Start a process in a running container (stdio through the app's own FIFOs). */
  exec?(spec: ExecSpec, io: Pick<ExecStart, 'onOutput'>): Promise<ExecProcess>;
}
