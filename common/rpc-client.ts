// The client half of the envelope, shared by the CLI's socket client and the page's WebSocket client:
// ids, pending calls, matching replies, and the events in between.
import type {
  AnyEvent,
  CommandName,
  CommandPayload,
  CommandResults,
  ContractError,
  Result,
} from './contract';
import { fitsBytes, MAX_REQUEST_BYTES, parseMessage, rpcError, type RequestId } from './rpc';

export interface StartedCall {
  id: number;
  /** The request to write; null when it could not be built (the result is already settled). */
  frame: string | null;
  result: Promise<Result<unknown>>;
}

export class RpcCalls {
  private nextId = 1;
  private readonly pending = new Map<RequestId, (r: Result<unknown>) => void>();

  /** Number a request and remember it until its reply (or failAll). */
  start(cmd: string, payload: unknown): StartedCall {
    const id = this.nextId++;
    let frame: string | null = null;
    let early: ContractError | null = null;
    try {
      frame = JSON.stringify({ id, cmd, payload });
      if (!fitsBytes(frame, MAX_REQUEST_BYTES))
        early = rpcError(
          'request-too-large',
          `${cmd}: the request is over ${MAX_REQUEST_BYTES} bytes`,
          'send a smaller payload',
        );
    } catch (err) {
      early = rpcError(
        'bad-payload',
        `${cmd}: the payload cannot be encoded as JSON (${err instanceof Error ? err.message : String(err)})`,
        'pass plain JSON values (strings, numbers, booleans, arrays, objects)',
      );
    }
    if (early) return { id, frame: null, result: Promise.resolve({ ok: false, error: early }) };
    const result = new Promise<Result<unknown>>((resolve) => this.pending.set(id, resolve));
    return { id, frame, result };
  }

  /** Settle one call (e.g. its frame could not be written). */
  fail(id: RequestId, error: ContractError): void {
    const r = this.pending.get(id);
    this.pending.delete(id);
    r?.({ ok: false, error });
  }

  /** Settle every pending call with `error` (connection lost, client closed). */
  failAll(error: ContractError): void {
    const all = [...this.pending.values()];
    this.pending.clear();
    for (const r of all) r({ ok: false, error });
  }

  get size(): number {
    return this.pending.size;
  }

  /** Handle one message from the app: settle its call, or return it when it is an event. */
  receive(text: string): AnyEvent | null {
    const msg = parseMessage(text);
    if (!msg) return null;
    if ('event' in msg) return msg;
    if (msg.id === null) {
      // An error about the connection itself (an unreadable request): no call can expect its answer now.
      if (!msg.result.ok) this.failAll(msg.result.error);
      return null;
    }
    const r = this.pending.get(msg.id);
    this.pending.delete(msg.id);
    r?.(msg.result);
    return null;
  }
}

/**
 * The reply to `name`, typed as the contract says. The one place a client trusts the wire: the app
 * we connected to answered this command with its own result type.
 */
export function asResult<C extends CommandName>(
  _name: C,
  _payload: CommandPayload<C>,
  r: Promise<Result<unknown>>,
): Promise<Result<CommandResults[C]>> {
  return r as Promise<Result<CommandResults[C]>>;
}
