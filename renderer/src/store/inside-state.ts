// The shape of the inside store's state, its starting value, and what the views may conclude from it.
import type { ContractClient, ContractError } from '../../../common/contract';
import type {
  ContainerInfo,
  ContainerdEvent,
  InsideStatus,
  NamespaceInfo,
  Problem,
} from '../../../common/containerd';
import type { InsideCommandResults } from '../../../common/containerd-commands';
import type { DaemonStatus, StateEvent } from '../../../common/states';
import { linkDown, type ConnectionState } from '../transport/connection';
import type { LastExit } from './inside-reduce';
export { ALL_NAMESPACES, coversNamespace } from './inside-reduce';

/** The Activity feed keeps this many events (oldest dropped). */
export const MAX_EVENTS = 2000;
/** And this many of the supervisor's state changes. */
export const MAX_SUPERVISOR_EVENTS = 500;
/** How long a row that appeared live stays highlighted. */
export const FRESH_MS = 2500;
export const NAMESPACE_KEY = 'cdesk.inside.namespace';

export type RowAction = 'stop' | 'kill' | 'delete';
export type ImagesResult = InsideCommandResults['images:list'];
export type PluginsResult = InsideCommandResults['plugins:list'];
/** The lists a view can ask for. */
export type ListPart = 'containers' | 'images' | 'plugins';

export interface Loadable<T> {
  value: T | null;
  error: ContractError | null;
  loading: boolean;
  /** Namespace the value belongs to ('' for plugins). */
  namespace: string;
}

export interface InsideState {
  /** The window's link to the app (WebSocket in headless mode); 'closed' freezes everything. */
  link: ConnectionState;
  /** When the link dropped (epoch ms), null while it is up: the moment every counter stops at. */
  linkLostAt: number | null;
  daemon: DaemonStatus | null;
  /** null until the first inside:status event: then only list results tell us. */
  inside: InsideStatus | null;
  problems: Problem[];
  namespace: string;
  namespaces: NamespaceInfo[] | null;
  containers: Loadable<ContainerInfo[]>;
  images: Loadable<ImagesResult>;
  plugins: Loadable<PluginsResult>;
  /** ns/id → epoch ms a task was seen starting (uptime). */
  startedAt: ReadonlyMap<string, number>;
  /** ns/id → how it exited, kept after its task is deleted. */
  lastExit: ReadonlyMap<string, LastExit>;
  /** ns/id → when it appeared live (highlight). */
  fresh: ReadonlyMap<string, number>;
  /** Activity feed, oldest first. */
  events: readonly ContainerdEvent[];
  /** The supervisor's own state changes seen by this window (Activity shows them with the events), oldest first. */
  supervisor: readonly StateEvent[];
  /** ns/id (or ns/image name) → the action in flight. */
  busy: ReadonlyMap<string, RowAction>;
  /** ns/id (or ns/image name) → the last failed action and its error, shown next to the row. */
  rowErrors: ReadonlyMap<string, { action: string; error: ContractError }>;
  /** ns/id → how its last stop ended ("killed after the 10 s grace"), until it runs again. */
  outcomes: ReadonlyMap<string, string>;
  /** A failed daemon start from an empty state. */
  startError: ContractError | null;
  starting: boolean;
}

/** What the loaders and actions share with the store: the client, the state, and the one way to change it. */
export interface InsideCore {
  readonly client: ContractClient;
  getState(): InsideState;
  /** Apply a patch (an empty one changes nothing and notifies no one). */
  set(fn: (s: InsideState) => Partial<InsideState>): void;
}

export const emptyLoadable = <T>(namespace = ''): Loadable<T> => ({
  value: null,
  error: null,
  loading: false,
  namespace,
});

export const rowKey = (namespace: string, id: string) => `${namespace}/${id}`;

/** The page address's `ns` parameter: a link or a reload opens the namespace it was on. */
export const NAMESPACE_PARAM = 'ns';

/** A namespace as containerd names them (or "*" for all): anything else in a URL is ignored. */
const NAMESPACE_RE = /^(\*|[A-Za-z0-9]([A-Za-z0-9._-]{0,74}[A-Za-z0-9])?)$/;

export function validNamespace(v: string | null | undefined): v is string {
  return !!v && NAMESPACE_RE.test(v);
}

/** The address's namespace, else the one chosen last time, else `default`. */
function rememberedNamespace(): string {
  try {
    const fromUrl = new URLSearchParams(globalThis.location?.search ?? '').get(NAMESPACE_PARAM);
    if (validNamespace(fromUrl)) return fromUrl;
  } catch {
    // No address to read (tests): fall through.
  }
  try {
    const kept = globalThis.localStorage?.getItem(NAMESPACE_KEY);
    return validNamespace(kept) ? kept : 'default';
  } catch {
    return 'default';
  }
}

/** A copy of the map with k set to v, or removed when v is undefined. */
export function withEntry<K, V>(m: ReadonlyMap<K, V>, k: K, v: V | undefined): Map<K, V> {
  const next = new Map(m);
  if (v === undefined) next.delete(k);
  else next.set(k, v);
  return next;
}

export function initialInsideState(namespace = rememberedNamespace()): InsideState {
  return {
    link: 'open',
    linkLostAt: null,
    daemon: null,
    inside: null,
    problems: [],
    namespace,
    namespaces: null,
    containers: emptyLoadable(namespace),
    images: emptyLoadable(namespace),
    plugins: emptyLoadable(),
    startedAt: new Map(),
    outcomes: new Map(),
    lastExit: new Map(),
    fresh: new Map(),
    events: [],
    supervisor: [],
    busy: new Map(),
    rowErrors: new Map(),
    startError: null,
    starting: false,
  };
}

export function isLive(d: DaemonStatus): boolean {
  return d.state === 'running' || d.state === 'unhealthy';
}

/** Running and total of a container list: the one count the sidebar and the page's filter show. */
export function listCounts(list: readonly ContainerInfo[]): { running: number; total: number } {
  let running = 0;
  for (const c of list) if (c.task?.status === 'running') running++;
  return { running, total: list.length };
}

/** Errors that say containerd (or the app) could not be reached: over once it answers again. */
const UNREACHABLE: ReadonlySet<string> = new Set([
  'containerd-api-unavailable',
  'containerd-timeout',
  'disconnected',
  'transport-failed',
]);

/** Row errors without those that only said containerd was away (it is back). */
export function withoutUnreachable(s: InsideState): Partial<InsideState> {
  const kept = [...s.rowErrors].filter(([, e]) => !UNREACHABLE.has(e.error.code));
  return kept.length === s.rowErrors.size ? {} : { rowErrors: new Map(kept) };
}

/** The window's link to the app is down (dropped, or our token refused). */
export function isLinkDown(s: InsideState): boolean {
  return linkDown(s.link);
}

/** containerd's API is reachable, as far as we know. */
export function isConnected(s: InsideState): boolean {
  if (linkDown(s.link)) return false;
  if (s.inside) return s.inside.state === 'connected';
  if (s.daemon) return isLive(s.daemon);
  return true;
}

/** containerd is down on purpose or for good: show "containerd is stopped · Start". */
export function isDaemonDown(s: InsideState): boolean {
  // Over a dropped link the last daemon state is old news: say nothing about it.
  if (linkDown(s.link)) return false;
  return s.daemon?.state === 'stopped' || s.daemon?.state === 'failed';
}
