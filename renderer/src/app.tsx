// The window: a sidebar of pages, a fixed top strip (badge, reason, controls) and the current page.
import { useEffect, useMemo, useRef, useState, useSyncExternalStore, type ReactNode } from 'react';
import type { ContractClient } from '../../common/contract';
import { LOCAL_HOST } from '../../common/hosts';
import { DiskTile } from './components/disk-tile';
import { HostBanner } from './components/host-banner';
import { LinkRefused } from './components/link-refused';
import { Sidebar } from './components/sidebar';
import { TopStrip } from './components/top-strip';
import { AppProvider, useDispatcher, useStore } from './store/context';
import { Dispatcher } from './store/dispatcher';
import {
  containerRouteFromHash,
  isOverviewHash,
  PAGES,
  pageFromHash,
  splitHostHash,
  withHost,
  type PageId,
} from './store/pages';
import { createStore, initialState } from './store/store';
import { HostsStore } from './store/hosts-store';
import { HostScopeProvider, HostsProvider, scopeOf, useHostScope } from './store/hosts-context';
import { InsideProvider, useInside } from './store/inside-context';
import { PreferNamespace } from './components/prefer-namespace';
import { hostClient } from './transport/host-client';
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
import { OverviewView } from './views/overview-view';
import { PageShownContext } from './components/hooks';

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
function useHashRoute(overview: boolean) {
  const dispatcher = useDispatcher();
  const page = useStore((s) => s.page);
  const { host } = useHostScope();
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
    if (overview) return;
    const want = withHost(host, `#/${page}`);
    // A page under this one (a container's page) keeps its own hash.
    if (pageFromHash(window.location.hash) !== page) {
      history.replaceState(null, '', `${window.location.pathname}${window.location.search}${want}`);
    }
  }, [page, host, overview]);
}

function Pages(props: { overview: boolean }) {
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
          hidden={props.overview || p.id !== page}
        >
          <PageShownContext.Provider value={!props.overview && p.id === page}>
            {(visited.has(p.id) || p.id === page) && CONTENT[p.id]()}
          </PageShownContext.Provider>
        </div>
      ))}
    </>
  );
}

function Shell(props: { overview: boolean }) {
  const dispatcher = useDispatcher();
  useEffect(() => dispatcher.start(), [dispatcher]);
  useHashRoute(props.overview);
  return (
    <InsideProvider client={dispatcher.client}>
      <PreferNamespace />
      <div className="app">
        <Sidebar overview={props.overview} />
        <div className="main-col">
          {!props.overview && <TopStrip />}
          <LinkRefused />
          {!props.overview && <HostBanner />}
          <main className="content">
            {props.overview && (
              <div className="page" data-testid="page-overview">
                <OverviewView />
              </div>
            )}
            <Pages overview={props.overview} />
          </main>
        </div>
      </div>
    </InsideProvider>
  );
}

/** One host's pages over its client: a new host is a new store, so nothing of the last one shows under its name. */
function HostApp(props: { client: ContractClient; maxLogLines?: number; overview: boolean }) {
  const dispatcher = useMemo(
    () => new Dispatcher(props.client, createStore(initialState(props.maxLogLines))),
    [props.client, props.maxLogLines],
  );
  return (
    <AppProvider client={props.client} dispatcher={dispatcher}>
      <Shell overview={props.overview} />
    </AppProvider>
  );
}

/** The host the address names; the Overview keeps the host whose pages were last shown. */
function useRouteHost(hash: string): { host: string; overview: boolean } {
  const overview = isOverviewHash(hash);
  const last = useRef<string>(LOCAL_HOST);
  if (!overview) last.current = splitHostHash(hash).host ?? LOCAL_HOST;
  return { host: last.current, overview };
}

/** The whole UI over one contract client (preload API or WebSocket), on any host the app reaches. */
export function App(props: { client: ContractClient; maxLogLines?: number }) {
  const hosts = useMemo(() => new HostsStore(props.client), [props.client]);
  useEffect(() => hosts.start(), [hosts]);
  const { host, overview } = useRouteHost(useHash());
  const readOnly = useSyncExternalStore(hosts.subscribe, () => hosts.get(host)?.readOnly ?? null);
  const scope = useMemo(() => scopeOf(host, readOnly), [host, readOnly]);
  const client = useMemo(
    // main runs an exec on the host its exec:start names, so the terminal works on any host.
    () => hostClient(props.client, host, { links: hosts, execRoutesHost: true }),
    [props.client, host, hosts],
  );
  return (
    <HostsProvider store={hosts}>
      <HostScopeProvider scope={scope}>
        <HostApp key={host} client={client} maxLogLines={props.maxLogLines} overview={overview} />
      </HostScopeProvider>
    </HostsProvider>
  );
}
