// The store for what runs inside containerd: lists per namespace, live events, actions in flight, and their errors.
import type { ContractError, Result } from '../../../common/contract';
import type {
  ContainerInfo,
  ContainerdEvent,
  InsideStatus,
  NamespaceInfo,
  Problem,
} from '../../../common/containerd';
import type {
  InsideCommandResults,
  InsideEventPayloads,
} from '../../../common/containerd-commands';
import type { DaemonStatus } from '../../../common/states';
import type { ConnectionAware, ConnectionState } from '../transport/connection';
import { callInside, callOther, type LooseClient, type LooseEvent } from './inside-client';
import {
  appendBounded,
  applyContainerEvent,
  applyNamespaceEvent,
  touchesImages,
  type LastExit,
} from './inside-reduce';

/** The Activity feed keeps this many events (oldest dropped). */
export const MAX_EVENTS = 2000;
/** Events arriving in a burst cost one re-list, this long after the last of them. */
export const RELIST_DEBOUNCE_MS = 250;
/** How long a row that appeared live stays highlighted. */
export const FRESH_MS = 2500;
export const NAMESPACE_KEY = 'cdesk.inside.namespace';

export type RowAction = 'stop' | 'kill' | 'delete';
export type ImagesResult = InsideCommandResults['images:list'];
export type PluginsResult = InsideCommandResults['plugins:list'];

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
  /** ns/id (or ns/image name) → the action in flight. */
  busy: ReadonlyMap<string, RowAction>;
  /** ns/id (or ns/image name) → the last failed action and its error, shown next to the row. */
  rowErrors: ReadonlyMap<string, { action: string; error: ContractError }>;
  /** A failed daemon start from an empty state. */
  startError: ContractError | null;
  starting: boolean;
}

const emptyLoadable = <T>(namespace = ''): Loadable<T> => ({
  value: null,
  error: null,
  loading: false,
  namespace,
});

export const rowKey = (namespace: string, id: string) => `${namespace}/${id}`;

function rememberedNamespace(): string {
  try {
    return globalThis.localStorage?.getItem(NAMESPACE_KEY) || 'default';
  } catch {
    return 'default';
  }
}

function withEntry<K, V>(m: ReadonlyMap<K, V>, k: K, v: V | undefined): Map<K, V> {
  const next = new Map(m);
  if (v === undefined) next.delete(k);
  else next.set(k, v);
  return next;
}

export function initialInsideState(namespace = rememberedNamespace()): InsideState {
  return {
    link: 'open',
    daemon: null,
    inside: null,
    problems: [],
    namespace,
    namespaces: null,
    containers: emptyLoadable(namespace),
    images: emptyLoadable(namespace),
    plugins: emptyLoadable(),
    startedAt: new Map(),
    lastExit: new Map(),
    fresh: new Map(),
    events: [],
    busy: new Map(),
    rowErrors: new Map(),
    startError: null,
    starting: false,
  };
}

/** containerd's API is reachable, as far as we know. */
export function isConnected(s: InsideState): boolean {
  if (s.link === 'closed') return false;
  if (s.inside) return s.inside.state === 'connected';
  if (s.daemon) return s.daemon.state === 'running' || s.daemon.state === 'unhealthy';
  return true;
}

/** containerd is down on purpose or for good: show "containerd is stopped · Start". */
export function isDaemonDown(s: InsideState): boolean {
  // Over a dropped link the last daemon state is old news: say nothing about it.
  if (s.link === 'closed') return false;
  return s.daemon?.state === 'stopped' || s.daemon?.state === 'failed';
}

export class InsideStore {
  private state: InsideState;
  private readonly listeners = new Set<() => void>();
  private timers = new Map<string, ReturnType<typeof setTimeout>>();
  /** Lists in flight, so events during one schedule another. */
  private inflight = new Set<string>();
  private dirty = new Set<string>();
  /** Parts a view has asked for; only those are re-listed on reconnect. */
  private wanted = new Set<'containers' | 'images' | 'plugins'>();
  private started = false;

  constructor(
    readonly client: LooseClient,
    init: InsideState = initialInsideState(),
  ) {
    this.state = init;
  }

  getState = (): InsideState => this.state;

  subscribe = (l: () => void): (() => void) => {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  };

  private set(fn: (s: InsideState) => Partial<InsideState>): void {
    const patch = fn(this.state);
    if (Object.keys(patch).length === 0) return;
    this.state = { ...this.state, ...patch };
    for (const l of [...this.listeners]) l();
  }

  /** Subscribe to events and load namespaces, daemon status and recent events; returns the undo. */
  start(): () => void {
    this.started = true;
    const off = this.client.subscribe((e) => this.apply(e));
    const offLink = this.watchLink();
    void this.loadDaemon();
    void this.loadNamespaces();
    void this.loadRecentEvents();
    for (const w of this.wanted) void this.reload(w);
    return () => {
      this.started = false;
      off();
      offLink();
      for (const t of this.timers.values()) clearTimeout(t);
      this.timers.clear();
    };
  }

  /** Over a link that can drop (WebSocket): freeze while it is down, start over when it is back. */
  private watchLink(): () => void {
    const c = this.client as Partial<ConnectionAware>;
    if (typeof c.onConnection !== 'function') return () => {};
    return c.onConnection((link) => {
      const was = this.state.link;
      this.set(() => ({ link }));
      if (link === 'open' && was === 'closed') {
        // Events were missed while away.
        this.reloadAll();
        void this.loadRecentEvents();
      }
    });
  }

  /** Feed one event (from the client's subscription). */
  apply(e: LooseEvent): void {
    if (e.event === 'daemon:state') {
      const { status } = e.payload as { status: DaemonStatus };
      const wasDown = this.state.daemon && !isLive(this.state.daemon);
      this.set(() => ({ daemon: status }));
      // Without inside:status events (older app), a daemon coming back is our reconnect cue.
      if (wasDown && isLive(status) && !this.state.inside) this.reloadAll();
    } else if (e.event === 'inside:status') {
      const { inside, problems } = e.payload as InsideEventPayloads['inside:status'];
      const was = this.state.inside?.state;
      this.set(() => ({ inside, problems }));
      if (inside.state === 'connected' && was !== 'connected') this.reloadAll();
    } else if (e.event === 'containerd:events') {
      this.applyEvents((e.payload as InsideEventPayloads['containerd:events']).events);
    }
  }

  private applyEvents(events: ContainerdEvent[]): void {
    if (!events.length) return;
    let relistContainers = false;
    let relistImages = false;
    let relistNamespaces = false;
    const now = Date.now();
    this.set((s) => {
      const patch: Partial<InsideState> = { events: appendBounded(s.events, events, MAX_EVENTS) };
      let list = s.containers.value;
      let startedAt = s.startedAt;
      let lastExit = s.lastExit;
      let fresh = s.fresh;
      let namespaces = s.namespaces;
      for (const ev of events) {
        if (namespaces) namespaces = applyNamespaceEvent(namespaces, ev);
        if (ev.topic.startsWith('/namespaces/')) relistNamespaces = true;
        if (touchesImages(ev) && ev.namespace === s.images.namespace && s.images.value)
          relistImages = true;
        if (ev.topic === '/tasks/start' && ev.containerId)
          startedAt = withEntry(startedAt, rowKey(ev.namespace, ev.containerId), ev.at);
        if (!list || ev.namespace !== s.containers.namespace) continue;
        const r = applyContainerEvent(list, s.containers.namespace, ev);
        list = r.list;
        if (r.relist) relistContainers = true;
        if (r.added) fresh = withEntry(fresh, rowKey(ev.namespace, r.added), now);
        if (r.exited)
          lastExit = withEntry(lastExit, rowKey(ev.namespace, r.exited.id), r.exited.exit);
      }
      if (list !== s.containers.value) patch.containers = { ...s.containers, value: list };
      if (namespaces !== s.namespaces) patch.namespaces = namespaces;
      if (startedAt !== s.startedAt) patch.startedAt = startedAt;
      if (lastExit !== s.lastExit) patch.lastExit = lastExit;
      if (fresh !== s.fresh) patch.fresh = fresh;
      return patch;
    });
    if (relistContainers) this.later('containers');
    if (relistImages) this.later('images');
    if (relistNamespaces) this.later('namespaces');
    if (this.state.fresh.size) this.later('fresh', FRESH_MS);
  }

  /** Debounce a re-list (or the highlight expiry). */
  private later(what: 'containers' | 'images' | 'namespaces' | 'fresh', ms = RELIST_DEBOUNCE_MS) {
    const t = this.timers.get(what);
    if (t) clearTimeout(t);
    this.timers.set(
      what,
      setTimeout(() => {
        this.timers.delete(what);
        if (what === 'fresh') this.expireFresh();
        else if (what === 'namespaces') void this.loadNamespaces();
        else void this.reload(what);
      }, ms),
    );
  }

  private expireFresh(): void {
    const cutoff = Date.now() - FRESH_MS + 50;
    this.set((s) => {
      const fresh = new Map([...s.fresh].filter(([, at]) => at > cutoff));
      return fresh.size === s.fresh.size ? {} : { fresh };
    });
    if (this.state.fresh.size) this.later('fresh', FRESH_MS);
  }

  private reloadAll(): void {
    void this.loadDaemon();
    void this.loadNamespaces();
    for (const w of this.wanted) void this.reload(w);
  }

  /** A view mounted: load its list once (later changes come from events). */
  want(part: 'containers' | 'images' | 'plugins'): void {
    const first = !this.wanted.has(part);
    this.wanted.add(part);
    if (first && this.started) void this.reload(part);
  }

  reload(part: 'containers' | 'images' | 'plugins'): Promise<void> {
    if (part === 'containers') return this.loadContainers();
    if (part === 'images') return this.loadImages();
    return this.loadPlugins();
  }

  /** Run a list call once at a time; events during it ask for one more. */
  private async guarded(key: string, run: () => Promise<void>): Promise<void> {
    if (this.inflight.has(key)) {
      this.dirty.add(key);
      return;
    }
    this.inflight.add(key);
    try {
      await run();
    } finally {
      this.inflight.delete(key);
    }
    if (this.dirty.delete(key)) await this.guarded(key, run);
  }

  async loadDaemon(): Promise<void> {
    const r = await callOther<DaemonStatus>(this.client, 'daemon:status', {});
    if (r.ok) this.set(() => ({ daemon: r.value }));
  }

  loadNamespaces(): Promise<void> {
    return this.guarded('namespaces', async () => {
      const r = await callInside(this.client, 'namespaces:list', {});
      if (r.ok) this.set(() => ({ namespaces: r.value.namespaces }));
    });
  }

  private async loadRecentEvents(): Promise<void> {
    const r = await callInside(this.client, 'events:recent', { limit: 1000 });
    if (!r.ok) return;
    this.set((s) => {
      // Live events may have arrived first: keep those newer than the snapshot's last.
      const last = r.value.events.at(-1)?.at ?? 0;
      const newer = s.events.filter((e) => e.at > last);
      let startedAt = s.startedAt;
      for (const ev of r.value.events)
        if (
          ev.topic === '/tasks/start' &&
          ev.containerId &&
          !startedAt.has(rowKey(ev.namespace, ev.containerId))
        )
          startedAt = withEntry(startedAt, rowKey(ev.namespace, ev.containerId), ev.at);
      return { events: appendBounded(r.value.events, newer, MAX_EVENTS), startedAt };
    });
  }

  loadContainers(): Promise<void> {
    return this.guarded('containers', async () => {
      const namespace = this.state.namespace;
      this.set((s) => ({ containers: { ...s.containers, loading: true } }));
      const r = await callInside(this.client, 'containers:list', { namespace });
      if (namespace !== this.state.namespace) return;
      this.set((s) => {
        const patch: Partial<InsideState> = {
          containers: r.ok
            ? { value: r.value.containers, error: null, loading: false, namespace }
            : { ...s.containers, error: r.error, loading: false },
        };
        if (r.ok && s.namespaces)
          patch.namespaces = withCount(s.namespaces, namespace, r.value.containers.length);
        return patch;
      });
    });
  }

  loadImages(): Promise<void> {
    return this.guarded('images', async () => {
      const namespace = this.state.namespace;
      this.set((s) => ({ images: { ...s.images, loading: true } }));
      const r = await callInside(this.client, 'images:list', { namespace });
      if (namespace !== this.state.namespace) return;
      this.set((s) => ({
        images: r.ok
          ? { value: r.value, error: null, loading: false, namespace }
          : { ...s.images, error: r.error, loading: false },
      }));
    });
  }

  loadPlugins(): Promise<void> {
    return this.guarded('plugins', async () => {
      this.set((s) => ({ plugins: { ...s.plugins, loading: true } }));
      const r = await callInside(this.client, 'plugins:list', {});
      this.set((s) => ({
        plugins: r.ok
          ? { value: r.value, error: null, loading: false, namespace: '' }
          : { ...s.plugins, error: r.error, loading: false },
        ...(r.ok && !s.inside ? { problems: r.value.problems } : {}),
      }));
    });
  }

  /** Switch namespace (remembered); lists of the old one are dropped, not shown under the new name. */
  setNamespace(namespace: string): void {
    if (namespace === this.state.namespace) return;
    try {
      globalThis.localStorage?.setItem(NAMESPACE_KEY, namespace);
    } catch {
      // Private mode or no storage: the choice lasts for this page only.
    }
    this.set(() => ({
      namespace,
      containers: emptyLoadable(namespace),
      images: emptyLoadable(namespace),
    }));
    for (const w of this.wanted) if (w !== 'plugins') void this.reload(w);
  }

  private async act<T>(
    key: string,
    action: RowAction,
    label: string,
    run: () => Promise<Result<T>>,
  ): Promise<Result<T>> {
    this.set((s) => ({
      busy: withEntry(s.busy, key, action),
      rowErrors: withEntry(s.rowErrors, key, undefined),
    }));
    const r = await run();
    this.set((s) => ({
      busy: withEntry(s.busy, key, undefined),
      ...(r.ok
        ? {}
        : { rowErrors: withEntry(s.rowErrors, key, { action: label, error: r.error }) }),
    }));
    return r;
  }

  stop(namespace: string, id: string) {
    return this.act(rowKey(namespace, id), 'stop', 'Stop', async () => {
      const r = await callInside(this.client, 'task:stop', { namespace, id });
      if (r.ok) this.markExited(namespace, id, r.value.exitStatus);
      return r;
    });
  }

  kill(namespace: string, id: string) {
    return this.act(rowKey(namespace, id), 'kill', 'Kill', () =>
      callInside(this.client, 'task:kill', { namespace, id, signal: 'SIGKILL' }),
    );
  }

  deleteContainer(namespace: string, id: string) {
    return this.act(rowKey(namespace, id), 'delete', 'Delete', async () => {
      const r = await callInside(this.client, 'container:delete', { namespace, id });
      if (r.ok) this.removeContainer(namespace, id);
      return r;
    });
  }

  deleteImage(namespace: string, name: string) {
    return this.act(rowKey(namespace, name), 'delete', 'Delete', async () => {
      const r = await callInside(this.client, 'image:delete', { namespace, name });
      if (r.ok)
        this.set((s) =>
          s.images.value && s.images.namespace === namespace
            ? {
                images: {
                  ...s.images,
                  value: {
                    ...s.images.value,
                    images: s.images.value.images.filter((i) => i.name !== name),
                  },
                },
              }
            : {},
        );
      return r;
    });
  }

  /** Show a refusal next to a row without asking the server (e.g. an image in use). */
  refuse(key: string, action: string, error: ContractError): void {
    this.set((s) => ({ rowErrors: withEntry(s.rowErrors, key, { action, error }) }));
  }

  dismissError(key: string): void {
    this.set((s) =>
      s.rowErrors.has(key) ? { rowErrors: withEntry(s.rowErrors, key, undefined) } : {},
    );
  }

  async startDaemon(): Promise<void> {
    this.set(() => ({ starting: true, startError: null }));
    const r = await callOther<DaemonStatus>(this.client, 'daemon:start', {});
    this.set(() => ({
      starting: false,
      ...(r.ok ? { daemon: r.value } : { startError: r.error }),
    }));
  }

  /** Apply a problem's fix (a settings patch). */
  applyFix(problem: Problem): Promise<Result<unknown>> {
    return callOther(this.client, 'settings:set', { patch: problem.fix?.settingsPatch ?? {} });
  }

  restartDaemon(): Promise<Result<unknown>> {
    return callOther(this.client, 'daemon:restart', {});
  }

  /** The stop result already says how it ended; the exit event may come later. */
  private markExited(namespace: string, id: string, exitStatus: number | null): void {
    this.set((s) => {
      const list = s.containers.value;
      if (!list || s.containers.namespace !== namespace) return {};
      const i = list.findIndex((c) => c.id === id);
      const c = list[i];
      if (!c?.task || c.task.status === 'stopped') return {};
      const next = list.slice();
      next[i] = {
        ...c,
        task: { ...c.task, status: 'stopped', exitStatus, exitedAt: c.task.exitedAt ?? Date.now() },
      };
      return { containers: { ...s.containers, value: next } };
    });
  }

  private removeContainer(namespace: string, id: string): void {
    this.set((s) => {
      const list = s.containers.value;
      if (!list || s.containers.namespace !== namespace || !list.some((c) => c.id === id))
        return {};
      return { containers: { ...s.containers, value: list.filter((c) => c.id !== id) } };
    });
  }
}

function isLive(d: DaemonStatus): boolean {
  return d.state === 'running' || d.state === 'unhealthy';
}

function withCount(list: NamespaceInfo[], name: string, containers: number): NamespaceInfo[] {
  const i = list.findIndex((n) => n.name === name);
  if (i < 0 || list[i]!.containers === containers) return list;
  const next = list.slice();
  next[i] = { ...list[i]!, containers };
  return next;
}
