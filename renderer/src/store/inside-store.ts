// The store for what runs inside containerd: holds the state, feeds it the app's events, and re-lists what they leave stale.
import type { ContainerdEvent } from '../../../common/containerd';
import type { AnyEvent, ContractClient } from '../../../common/contract';
import { isConnectionAware, linkDown } from '../transport/connection';
import { InsideActions } from './inside-actions';
import { applyInsideEvents } from './inside-events';
import { appendBounded } from './inside-reduce';
import { InsideLoaders, type LoadKey } from './inside-loaders';
import { PullStore } from './pull-store';
import { TransferStore } from './transfer-store';
import {
  emptyLoadable,
  FRESH_MS,
  initialInsideState,
  isLive,
  MAX_SUPERVISOR_EVENTS,
  NAMESPACE_PARAM,
  NAMESPACE_KEY,
  type InsideCore,
  type InsideState,
  type ListPart,
  withoutUnreachable,
} from './inside-state';
import { Relister } from './relist';
import { SmallStore } from './small-store';

export class InsideStore extends SmallStore<InsideState> {
  private readonly relister = new Relister<LoadKey | 'fresh'>();
  /** Parts a view has asked for; only those are re-listed on reconnect. */
  private readonly wanted = new Set<ListPart>();
  private started = false;
  private readonly core: InsideCore;
  private readonly load: InsideLoaders;
  /** Row and daemon actions for the views (stop, kill, delete, start, apply a fix). */
  readonly actions: InsideActions;
  /** Running and recent pulls: kept here, above the pages, so a pull outlives the Images page. */
  readonly pulls: PullStore;
  /** Load and Save of image archives (the Images page's Load… and each row's Save). */
  readonly transfers: TransferStore;

  constructor(
    readonly client: ContractClient,
    init: InsideState = initialInsideState(),
  ) {
    super(init);
    this.core = { client, getState: this.getState, set: (fn) => this.set(fn) };
    this.load = new InsideLoaders(this.core, this.relister);
    this.actions = new InsideActions(this.core);
    this.pulls = new PullStore(client);
    this.transfers = new TransferStore(undefined, client);
  }

  /** Subscribe to events and load namespaces, daemon status and recent events; returns the undo. */
  start(): () => void {
    this.started = true;
    keepInAddress(this.state.namespace);
    const off = this.client.subscribe((e) => this.apply(e));
    const offPulls = this.pulls.start();
    const offLink = this.watchLink();
    void this.load.daemon();
    void this.load.namespaces();
    void this.load.recentEvents();
    for (const w of this.wanted) void this.load.list(w);
    return () => {
      this.started = false;
      off();
      offPulls();
      offLink();
      this.relister.cancel();
    };
  }

  /** Over a link that can drop (WebSocket): freeze while it is down, start over when it is back. */
  private watchLink(): () => void {
    if (!isConnectionAware(this.client)) return () => {};
    let lost = false;
    return this.client.onConnection((link) => {
      if (linkDown(link)) lost = true;
      // Retries after a drop pass through 'connecting': the link stays down until it opens.
      this.set((s) => ({
        link: lost && link === 'connecting' ? s.link : link,
        linkLostAt: lost && link !== 'open' ? (s.linkLostAt ?? Date.now()) : null,
      }));
      if (link === 'open' && lost) {
        lost = false;
        this.set(withoutUnreachable);
        // Events were missed while away.
        this.reloadAll();
        void this.load.recentEvents();
      }
    });
  }

  /** Feed one event (from the client's subscription). */
  apply(e: AnyEvent): void {
    if (e.event === 'daemon:state') {
      const { status, transition } = e.payload;
      const wasDown = this.state.daemon && !isLive(this.state.daemon);
      this.set((s) => ({
        daemon: status,
        ...(transition
          ? {
              supervisor: appendBounded(s.supervisor, [transition], MAX_SUPERVISOR_EVENTS),
            }
          : {}),
      }));
      // Without inside:status events (older app), a daemon coming back is our reconnect cue.
      if (wasDown && isLive(status) && !this.state.inside) this.reloadAll();
    } else if (e.event === 'inside:status') {
      const { inside, problems } = e.payload;
      const was = this.state.inside?.state;
      this.set(() => ({ inside, problems }));
      if (inside.state === 'connected' && was !== 'connected') {
        this.set(withoutUnreachable);
        this.reloadAll();
      }
    } else if (e.event === 'containerd:events') {
      this.applyEvents(e.payload.events);
    }
  }

  private applyEvents(events: readonly ContainerdEvent[]): void {
    if (!events.length) return;
    let relist = { containers: false, images: false, namespaces: false };
    this.set((s) => {
      const r = applyInsideEvents(s, events, Date.now());
      relist = r.relist;
      return r.patch;
    });
    if (relist.containers) this.relister.later('containers', () => void this.load.containers());
    if (relist.images) this.relister.later('images', () => void this.load.images());
    if (relist.namespaces) this.relister.later('namespaces', () => void this.load.namespaces());
    if (this.state.fresh.size) this.relister.later('fresh', () => this.expireFresh(), FRESH_MS);
  }

  private expireFresh(): void {
    const cutoff = Date.now() - FRESH_MS + 50;
    this.set((s) => {
      const fresh = new Map([...s.fresh].filter(([, at]) => at > cutoff));
      return fresh.size === s.fresh.size ? {} : { fresh };
    });
    if (this.state.fresh.size) this.relister.later('fresh', () => this.expireFresh(), FRESH_MS);
  }

  private reloadAll(): void {
    void this.load.daemon();
    void this.load.namespaces();
    for (const w of this.wanted) void this.load.list(w);
  }

  /** A view mounted: load its list once (later changes come from events). */
  want(part: ListPart): void {
    const first = !this.wanted.has(part);
    this.wanted.add(part);
    if (first && this.started) void this.load.list(part);
  }

  /** Images and disk use summed over every namespace (the Status page's disk tile). */
  allImages() {
    return this.load.allImages();
  }

  /** Fetch a list again now (the view's Retry). */
  reload(part: ListPart): Promise<void> {
    return this.load.list(part);
  }

  /** Switch namespace (remembered); lists of the old one are dropped, not shown under the new name. */
  setNamespace(namespace: string): void {
    if (namespace === this.state.namespace) return;
    try {
      globalThis.localStorage?.setItem(NAMESPACE_KEY, namespace);
    } catch {
      // Private mode or no storage: the choice lasts for this page only.
    }
    keepInAddress(namespace);
    this.set(() => ({
      namespace,
      containers: emptyLoadable(namespace),
      images: emptyLoadable(namespace),
    }));
    for (const w of this.wanted) if (w !== 'plugins') void this.load.list(w);
  }
}

/** Put the namespace in the page address (`?ns=`, beside the token), so a reload or a link keeps it. */
function keepInAddress(namespace: string): void {
  const loc = globalThis.location;
  if (!loc || typeof history === 'undefined') return;
  const params = new URLSearchParams(loc.search);
  if (params.get(NAMESPACE_PARAM) === namespace) return;
  params.set(NAMESPACE_PARAM, namespace);
  try {
    history.replaceState(history.state, '', `${loc.pathname}?${params.toString()}${loc.hash}`);
  } catch {
    // An address that cannot change (a file: page in some shells): localStorage still keeps it.
  }
}
