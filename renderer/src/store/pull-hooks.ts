// React binding for the window's pulls (held by the inside store, so every page sees the same ones).
import { useSyncExternalStore } from 'react';
import { useInsideStore } from './inside-context';
import type { PullStore, PullStoreState } from './pull-store';

export function usePullStore(): PullStore {
  return useInsideStore().pulls;
}

/** Re-render when the selected part changes (selectors must return stored references or primitives). */
export function usePulls<T>(select: (s: PullStoreState) => T): T {
  const store = usePullStore();
  return useSyncExternalStore(store.subscribe, () => select(store.getState()));
}
