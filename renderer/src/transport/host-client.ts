// One host's view of the app: every command goes through hosts:invoke and its events come unwrapped from host:event, so each page works on any host unchanged.
import type { AnyEvent, ContractClient, EventName } from '../../../common/contract';
import { isStreamClient, type StreamClient } from '../../../common/exec-stream';
import { LOCAL_HOST, type HostView } from '../../../common/hosts';
import { isConnectionAware, type ConnectionAware, type ConnectionState } from './connection';

/** Where a host client reads its host's link (the hosts store): its row now, and a change signal. */
export interface HostLinkSource {
  get(host: string): HostView | undefined;
  subscribe(listener: () => void): () => void;
}

export interface HostClientOptions {
  /** The host's row, so the client can say when that host's link is down (pages freeze then). */
  links?: HostLinkSource;
  /**
   * Terminals: the base routes an exec stream to another host by the `host` field of exec:start's
   * payload. Without it a remote host's client carries no streams, and the terminal says why
   * instead of opening a shell on this machine.
   */
  execRoutesHost?: boolean;
}

/** What a host's link means for its pages: the base link first (nothing is live without it), then the host's own. */
export function hostConnection(base: ConnectionState, view: HostView | undefined): ConnectionState {
  if (base !== 'open') return base;
  if (!view) return 'connecting';
  return view.phase === 'up' ? 'open' : view.phase === 'down' ? 'closed' : 'connecting';
}

/** host:event's payload, when it has the right shape; anything else is dropped, not guessed at. */
function unwrap(host: string, e: AnyEvent): AnyEvent | null {
  if (e.event !== 'host:event') return null;
  const p = e.payload as unknown;
  if (typeof p !== 'object' || p === null) return null;
  const { host: h, event, payload } = p as { host?: unknown; event?: unknown; payload?: unknown };
  if (h !== host || typeof event !== 'string' || event.length === 0) return null;
  // A host never speaks for the hosts list: those events are this app's own.
  if (event === 'hosts:changed' || event === 'hosts:retries' || event === 'host:event') return null;
  // The payload was the far app's own event; the pages' reducers read it as they read ours.
  return { event: event as EventName, payload } as AnyEvent;
}

/** The client the pages use for `host`: the base itself for this machine, else one that forwards. */
export function hostClient(
  base: ContractClient,
  host: string,
  opts: HostClientOptions = {},
): ContractClient {
  if (host === LOCAL_HOST) return base;
  const client: ContractClient & ConnectionAware & Partial<StreamClient> = {
    invoke: ((cmd: string, payload: unknown) =>
      base.invoke('hosts:invoke', { host, cmd, payload })) as ContractClient['invoke'],
    subscribe(listener) {
      return base.subscribe((e) => {
        const inner = unwrap(host, e);
        if (inner) listener(inner);
      });
    },
    onConnection(listener) {
      const links = opts.links;
      let baseState: ConnectionState = 'open';
      let last: ConnectionState | null = null;
      const emit = () => {
        const next = links ? hostConnection(baseState, links.get(host)) : baseState;
        if (next === last) return;
        last = next;
        listener(next);
      };
      const offBase = isConnectionAware(base)
        ? base.onConnection((s) => {
            baseState = s;
            emit();
          })
        : () => {};
      const offLinks = links ? links.subscribe(emit) : () => {};
      emit();
      return () => {
        offBase();
        offLinks();
      };
    },
  };
  if (opts.execRoutesHost && isStreamClient(base)) {
    client.openStream = (cmd, payload, onFrame) =>
      base.openStream(cmd, { ...(payload as object), host }, onFrame);
  }
  return client;
}
