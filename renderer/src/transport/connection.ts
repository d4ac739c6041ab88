// Connection state for transports that can drop (the WebSocket); the preload API is always connected.
import type { ContractClient, ContractError } from '../../../common/contract';
import { disconnectedError as rpcDisconnected } from '../../../common/rpc';

/** `refused`: the server is up but turned our token away (it restarted with a new one). */
export type ConnectionState = 'connecting' | 'open' | 'closed' | 'refused';

/** The link is down for now (dropped, or refused until the page gets a valid link). */
export function linkDown(s: ConnectionState): boolean {
  return s === 'closed' || s === 'refused';
}

/** A client that reports its connection state (optional extension of ContractClient). */
export interface ConnectionAware {
  onConnection(listener: (state: ConnectionState) => void): () => void;
}

export function isConnectionAware(c: ContractClient): c is ContractClient & ConnectionAware {
  return typeof (c as Partial<ConnectionAware>).onConnection === 'function';
}

/** The error every call still pending gets when the socket drops. */
export function disconnectedError(detail: string): ContractError {
  return rpcDisconnected(
    detail,
    'the page reconnects by itself; if it does not, check that the app (or `cdesk` headless mode) is still running, then try again',
  );
}
