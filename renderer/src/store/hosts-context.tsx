// React bindings for the hosts: the hosts store (the switcher and Overview read it) and the host the pages below are about.
import { createContext, useContext, useSyncExternalStore, type ReactNode } from 'react';
import { LOCAL_HOST, type HostView } from '../../../common/hosts';
import { HostsStore, type HostsState } from './hosts-store';
import { withHost } from './pages';

const HostsContext = createContext<HostsStore | null>(null);

export function HostsProvider(props: { store: HostsStore; children: ReactNode }) {
  return <HostsContext.Provider value={props.store}>{props.children}</HostsContext.Provider>;
}

/** The hosts store, or null outside a HostsProvider (pages rendered alone in tests). */
export function useOptionalHostsStore(): HostsStore | null {
  return useContext(HostsContext);
}

const NO_HOSTS: HostsState = { hosts: null, error: null };
const noop = () => () => {};

/** Re-render when the selected part of the hosts changes. */
export function useHosts<T>(select: (s: HostsState) => T): T {
  const store = useOptionalHostsStore();
  return useSyncExternalStore(store?.subscribe ?? noop, () =>
    select(store ? store.getState() : NO_HOSTS),
  );
}

/**
 * A host's next attempt, live, for a countdown inside a row that does not render for it (a down
 * host's failed retry moves only this); null while none is due or outside a HostsProvider.
 */
export function useHostRetryAt(name: string): number | null {
  const store = useOptionalHostsStore();
  return useSyncExternalStore(store?.subscribe ?? noop, () => store?.get(name)?.retryAt ?? null);
}

/** The host the pages below are about, and what cannot be done there. */
export interface HostScope {
  host: string;
  remote: boolean;
  /** Why nothing may be changed there (agentless hosts), or null. */
  readOnly: string | null;
  /**
   * Why this machine's own files and terminals do not reach it (Load/Save go through this
   * machine's dialogs and server; the terminal's stream is not forwarded), or null for local.
   */
  localOnly: string | null;
}

const LOCAL_SCOPE: HostScope = {
  host: LOCAL_HOST,
  remote: false,
  readOnly: null,
  localOnly: null,
};

const ScopeContext = createContext<HostScope>(LOCAL_SCOPE);

/** The scope for `host` given its row's read-only reason (pure, so its rules are a table in a test). */
export function scopeOf(host: string, readOnly: string | null): HostScope {
  if (host === LOCAL_HOST) return LOCAL_SCOPE;
  return {
    host,
    remote: true,
    readOnly,
    localOnly: `${host} is another machine: this works on this machine only for now; use \`cdesk -H ${host} …\` in a terminal`,
  };
}

export function HostScopeProvider(props: { scope: HostScope; children: ReactNode }) {
  return <ScopeContext.Provider value={props.scope}>{props.children}</ScopeContext.Provider>;
}

export function useHostScope(): HostScope {
  return useContext(ScopeContext);
}

/** The current host's row, live (undefined before the list arrives). */
export function useHostRow(): HostView | undefined {
  const { host } = useHostScope();
  return useHosts((s) => s.hosts?.find((h) => h.name === host));
}

/** A page route on the current host ("#/containers" → "#/@far/containers" on far). */
export function useHostHash(hash: string): string {
  return withHost(useHostScope().host, hash);
}

/** Why an action that changes something is disabled here, or null when it may run. */
export function useWriteBlock(): string | null {
  return useHostScope().readOnly;
}
