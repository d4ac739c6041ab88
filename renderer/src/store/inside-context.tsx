// React bindings for the inside store: its own provider (WINDOW wraps the app in it) and selector hooks.
import {
  createContext,
  useContext,
  useEffect,
  useMemo,
  useSyncExternalStore,
  type ReactNode,
} from 'react';
import type { ContractClient } from '../../../common/contract';
import { isConnected, isDaemonDown, type InsideState } from './inside-state';
import { InsideStore } from './inside-store';

const InsideContext = createContext<InsideStore | null>(null);

/** Provides one InsideStore over the client and starts it (subscribe + first loads) while mounted. */
export function InsideProvider(props: {
  client: ContractClient;
  store?: InsideStore;
  children: ReactNode;
}) {
  const store = useMemo(
    () => props.store ?? new InsideStore(props.client),
    [props.client, props.store],
  );
  useEffect(() => store.start(), [store]);
  return <InsideContext.Provider value={store}>{props.children}</InsideContext.Provider>;
}

export function useInsideStore(): InsideStore {
  const s = useContext(InsideContext);
  if (!s) throw new Error('useInsideStore: wrap the component in <InsideProvider>');
  return s;
}

/** The inside store, or null outside an InsideProvider (parts of the frame also render without one). */
export function useOptionalInsideStore(): InsideStore | null {
  return useContext(InsideContext);
}

/** Re-render when the selected part changes (selectors must return stored references or primitives). */
export function useInside<T>(select: (s: InsideState) => T): T {
  const store = useInsideStore();
  return useSyncExternalStore(store.subscribe, () => select(store.getState()));
}

/** What every list page reads: the namespace, rows in flight and their errors, and the link. */
export function useListPage() {
  return {
    store: useInsideStore(),
    namespace: useInside((s) => s.namespace),
    busy: useInside((s) => s.busy),
    rowErrors: useInside((s) => s.rowErrors),
    connected: useInside(isConnected),
    down: useInside(isDaemonDown),
    socket: useInside((s) => s.daemon?.paths.socket),
  };
}
