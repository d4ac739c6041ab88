// React bindings for the store: a provider and selector hooks over useSyncExternalStore.
import { createContext, useContext, useMemo, useSyncExternalStore, type ReactNode } from 'react';
import type { ContractClient } from '../../../common/contract';
import { Dispatcher } from './dispatcher';
import { createStore, type StoreState } from './store';

const AppContext = createContext<Dispatcher | null>(null);

export function AppProvider(props: {
  client: ContractClient;
  children: ReactNode;
  dispatcher?: Dispatcher;
}) {
  const dispatcher = useMemo(
    () => props.dispatcher ?? new Dispatcher(props.client, createStore()),
    [props.client, props.dispatcher],
  );
  return <AppContext.Provider value={dispatcher}>{props.children}</AppContext.Provider>;
}

export function useDispatcher(): Dispatcher {
  const d = useContext(AppContext);
  if (!d) throw new Error('useDispatcher: wrap the component in <AppProvider>');
  return d;
}

/** Re-render when the selected part of the state changes (selectors must return stored references). */
export function useStore<T>(select: (s: StoreState) => T): T {
  const { store } = useDispatcher();
  return useSyncExternalStore(store.subscribe, () => select(store.getState()));
}
