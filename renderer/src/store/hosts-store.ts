// Every host the app knows, live: one hosts:list, then hosts:changed replaces a row in place.
import type { AnyEvent, ContractClient, ContractError } from '../../../common/contract';
import { LOCAL_HOST, type HostView } from '../../../common/hosts';
import { isConnectionAware, linkDown } from '../transport/connection';
import type { HostLinkSource } from '../transport/host-client';
import { COUNTDOWN_STEP_MS, localRowFrom } from './host-truth';

export interface HostsState {
  /** null until the first list arrives (or when this app has no hosts:list: then local only). */
  hosts: readonly HostView[] | null;
  error: ContractError | null;
}

/** Rows as hosts:changed leaves them: the named row replaced where it stands, a new name appended. */
export function withHostRow(hosts: readonly HostView[] | null, row: HostView): HostView[] {
  const list = hosts ?? [];
  const i = list.findIndex((h) => h.name === row.name);
  if (i === -1) return [...list, row];
  const next = list.slice();
  next[i] = row;
  return next;
}

/** A well-formed row from an event payload (the wire is checked at main; a stray shape is still skipped). */
function rowOf(payload: unknown): HostView | null {
  const h = (payload as { host?: unknown } | null)?.host as Partial<HostView> | undefined;
  if (!h || typeof h.name !== 'string' || typeof h.phase !== 'string') return null;
  return h as HostView;
}

/**
 * Listeners hear of row changes at most this often, on the wall clock's whole seconds: a fleet
 * whose links flap (48 hosts backing off) sends many hosts:changed a second, the window needs only
 * the latest rows, and the Overview's countdowns tick on the same boundary, so one frame paints both.
 */
export const HOSTS_NOTIFY_MS = 1000;

/**
 * Whether `next` only moves a down host's next attempt (its retry failed as the one before: same
 * error, same last answer). The window shows that time as a countdown stepping every
 * COUNTDOWN_STEP_MS, so such a change is told on that step, with every other host's, in one frame.
 */
export function onlyRetryMoved(prev: HostView | undefined, next: HostView): boolean {
  if (!prev || prev.phase !== 'down' || next.phase !== 'down') return false;
  for (const k of Object.keys(next) as (keyof HostView)[]) {
    if (k === 'retryAt' || prev[k] === next[k]) continue;
    if (k === 'error' && JSON.stringify(prev.error) === JSON.stringify(next.error)) continue;
    if (k === 'containers' && JSON.stringify(prev.containers) === JSON.stringify(next.containers))
      continue;
    return false;
  }
  return Object.keys(prev).length === Object.keys(next).length;
}

/** When listeners hear of a change: at once, with the others within notifyMs, or on the countdowns' step. */
type When = 'now' | 'soon' | 'step';

export class HostsStore implements HostLinkSource {
  private state: HostsState = { hosts: null, error: null };
  private readonly listeners = new Set<() => void>();
  private byName = new Map<string, HostView>();
  private readonly downAt = new Map<string, number>();

  private notifyTimer: ReturnType<typeof setTimeout> | null = null;
  private notifyDue = Infinity;

  constructor(
    readonly client: ContractClient,
    private readonly notifyMs = HOSTS_NOTIFY_MS,
    private readonly stepMs = notifyMs > 0 ? COUNTDOWN_STEP_MS : 0,
  ) {}

  getState = (): HostsState => this.state;

  subscribe = (l: () => void): (() => void) => {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  };

  get = (name: string): HostView | undefined => this.byName.get(name);

  /**
   * `soon`: a row change, told with the others that arrive within notifyMs (on a whole second);
   * `step`: a retry time alone, told on the countdowns' next step; `now`: at once.
   */
  private set(patch: Partial<HostsState>, when: When = 'now'): void {
    this.state = { ...this.state, ...patch };
    if (patch.hosts) this.byName = new Map(patch.hosts.map((h) => [h.name, h]));
    const every = when === 'step' ? this.stepMs : when === 'soon' ? this.notifyMs : 0;
    if (every <= 0) return this.notify();
    const now = Date.now();
    const due = now + every - (now % every);
    if (due >= this.notifyDue) return;
    if (this.notifyTimer) clearTimeout(this.notifyTimer);
    this.notifyDue = due;
    this.notifyTimer = setTimeout(() => this.notify(), due - now);
  }

  private notify(): void {
    if (this.notifyTimer) clearTimeout(this.notifyTimer);
    this.notifyTimer = null;
    this.notifyDue = Infinity;
    for (const l of [...this.listeners]) l();
  }

  /** When each host was first seen not up, this time round (the banner's "unreachable since"). */
  downSince(name: string): number | null {
    return this.downAt.get(name) ?? null;
  }

  apply(e: AnyEvent): void {
    if (e.event === 'daemon:state') {
      // This machine's own row follows the status every surface shows.
      const local = this.byName.get(LOCAL_HOST);
      if (local)
        this.setRows(
          withHostRow(this.state.hosts, localRowFrom(local, e.payload.status, Date.now())),
          'soon',
        );
      return;
    }
    if (e.event === 'hosts:retries') {
      // New retry times of down hosts, sent just before the countdowns' step: shown on it.
      let hosts = this.state.hosts;
      for (const r of Array.isArray(e.payload?.retries) ? e.payload.retries : []) {
        const h = typeof r?.name === 'string' ? this.byName.get(r.name) : undefined;
        if (!h || h.phase !== 'down' || typeof r.retryAt !== 'number') continue;
        hosts = withHostRow(hosts, { ...h, retryAt: r.retryAt });
      }
      if (hosts !== this.state.hosts) this.setRows(hosts as HostView[], 'step');
      return;
    }
    if (e.event !== 'hosts:changed') return;
    const row = rowOf(e.payload);
    if (!row) return;
    if (e.payload.removed === true) {
      this.downAt.delete(row.name);
      this.setRows(
        (this.state.hosts ?? []).filter((h) => h.name !== row.name),
        'soon',
      );
    } else
      this.setRows(
        withHostRow(this.state.hosts, row),
        onlyRetryMoved(this.byName.get(row.name), row) ? 'step' : 'soon',
      );
  }

  private setRows(hosts: HostView[], when: When = 'now'): void {
    const now = Date.now();
    for (const h of hosts) {
      if (h.phase === 'up') this.downAt.delete(h.name);
      else if (!this.downAt.has(h.name)) this.downAt.set(h.name, now);
    }
    this.set({ hosts, error: null }, when);
  }

  async load(): Promise<void> {
    let r: Awaited<ReturnType<ContractClient['invoke']>>;
    try {
      r = await this.client.invoke('hosts:list', {});
    } catch (e) {
      r = {
        ok: false,
        error: {
          code: 'transport-failed',
          message: `hosts:list failed: ${e instanceof Error ? e.message : String(e)}`,
          hint: 'check that Containerd Desktop is still running',
        },
      };
    }
    if (r.ok) this.setRows((r.value as { hosts: HostView[] }).hosts);
    else this.set({ error: r.error });
  }

  /** Follow hosts:changed and load the list; after a dropped link, load it again (events were missed). */
  start(): () => void {
    const off = this.client.subscribe((e) => this.apply(e));
    let lost = false;
    const offLink = isConnectionAware(this.client)
      ? this.client.onConnection((c) => {
          if (linkDown(c)) lost = true;
          else if (c === 'open' && lost) {
            lost = false;
            void this.load();
          }
        })
      : () => {};
    void this.load();
    return () => {
      off();
      offLink();
      if (this.notifyTimer) clearTimeout(this.notifyTimer);
      this.notifyTimer = null;
      this.notifyDue = Infinity;
    };
  }
}

/** The hosts a switcher offers: the list when there is one, else this machine alone. */
export function switchableHosts(s: HostsState): readonly { name: string; view: HostView | null }[] {
  if (!s.hosts?.length) return [{ name: LOCAL_HOST, view: null }];
  return s.hosts.map((h) => ({ name: h.name, view: h }));
}
