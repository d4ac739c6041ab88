// The window: a sidebar of pages, a fixed top strip (badge, reason, controls) and the current page.
import { useEffect, useMemo, useState, type ReactNode } from 'react';
import type { ContractClient } from '../../common/contract';
import { DiskTile } from './components/disk-tile';
import { LinkRefused } from './components/link-refused';
import { Sidebar } from './components/sidebar';
import { TopStrip } from './components/top-strip';
import { AppProvider, useDispatcher, useStore } from './store/context';
import { Dispatcher } from './store/dispatcher';
import { containerRouteFromHash, PAGES, pageFromHash, type PageId } from './store/pages';
import { createStore, initialState } from './store/store';
import { InsideProvider, useInside } from './store/inside-context';
import {
  ActivityView,
  ContainerPage,
  ContainersView,
  ImagesView,
  LogView,
  PluginsView,
  SettingsForm,
  StatusPanel,
} from './views';

/** The settings form (SETTINGS' module) carries the config preview inside it. */
function SettingsPage() {
  return (
    <div className="page-body settings-page">
      <SettingsForm />
    </div>
  );
}

/** Status with the frame's disk tile and the namespace the inside pages chose. */
function StatusPage() {
  const namespace = useInside((s) => s.namespace);
  return <StatusPanel namespace={namespace} extraTile={(stale) => <DiskTile stale={stale} />} />;
}

const CONTENT: Record<PageId, () => ReactNode> = {
  status: () => <StatusPage />,
  containers: () => <ContainersRoute />,
  images: () => <ImagesView />,
  plugins: () => <PluginsView />,
  activity: () => <ActivityView />,
  logs: () => <LogView />,
  settings: () => <SettingsPage />,
};

/** The current URL hash, live. */
function useHash(): string {
  const [hash, setHash] = useState(() => window.location.hash);
  useEffect(() => {
    const on = () => setHash(window.location.hash);
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return hash;
}

/** The Containers page, or one container's page when the hash names one (the list stays mounted). */
function ContainersRoute() {
  const route = containerRouteFromHash(useHash());
  return (
    <>
      <div className="page-fill" hidden={route !== null}>
        <ContainersView />
      </div>
      {route && <ContainerPage key={`${route.namespace}/${route.id}`} route={route} />}
    </>
  );
}

/** Keeps the page in the URL hash, so a reload or a bookmark opens the same page. */
function useHashRoute() {
  const dispatcher = useDispatcher();
  const page = useStore((s) => s.page);
  useEffect(() => {
    const sync = () => {
      const p = pageFromHash(window.location.hash);
      if (p && p !== dispatcher.store.getState().page) dispatcher.navigate(p);
    };
    sync();
    window.addEventListener('hashchange', sync);
    return () => window.removeEventListener('hashchange', sync);
  }, [dispatcher]);
  useEffect(() => {
    const want = `#/${page}`;
    // A page under this one (a container's page) keeps its own hash.
    if (pageFromHash(window.location.hash) !== page) {
      history.replaceState(null, '', `${window.location.pathname}${window.location.search}${want}`);
    }
  }, [page]);
}

function Pages() {
  const page = useStore((s) => s.page);
  // Pages mount on first visit and stay mounted (the log view keeps its scroll and selection).
  const [visited, setVisited] = useState<ReadonlySet<PageId>>(() => new Set([page]));
  useEffect(() => {
    setVisited((v) => (v.has(page) ? v : new Set([...v, page])));
  }, [page]);
  return (
    <>
      {PAGES.map((p) => (
        <div
          key={p.id}
          role="tabpanel"
          id={`panel-${p.id}`}
          aria-labelledby={`tab-${p.id}`}
          className="page"
          data-testid={`page-${p.id}`}
          hidden={p.id !== page}
        >
          {(visited.has(p.id) || p.id === page) && CONTENT[p.id]()}
        </div>
      ))}
    </>
  );
}

function Shell() {
  const dispatcher = useDispatcher();
  useEffect(() => dispatcher.start(), [dispatcher]);
  useHashRoute();
  return (
    <InsideProvider client={dispatcher.client}>
      <div className="app">
        <Sidebar />
        <div className="main-col">
          <TopStrip />
          <LinkRefused />
          <main className="content">
            <Pages />
          </main>
        </div>
      </div>
    </InsideProvider>
  );
}

/** The whole UI over one contract client (preload API or WebSocket). */
export function App(props: { client: ContractClient; maxLogLines?: number }) {
  const dispatcher = useMemo(
    () => new Dispatcher(props.client, createStore(initialState(props.maxLogLines))),
    [props.client, props.maxLogLines],
  );
  return (
    <AppProvider client={props.client} dispatcher={dispatcher}>
      <Shell />
    </AppProvider>
  );
}
