// Calls commands for the components and feeds the results and events into the store.
import type {
  CommandName,
  CommandPayload,
  CommandResults,
  ContractClient,
  ContractError,
  Result,
  SettingsView,
} from '../../../common/contract';
import { isConnectionAware, linkDown } from '../transport/connection';
import type { PageId } from './pages';
import type { ControlCommand, Store } from './store';

/** How many past log lines to fetch when the page (re)connects. */
export const INITIAL_LOG_LINES = 20_000;
/** At most this many byte-bounded pages of history (logs:read replies are ≤ 1 MiB each by default). */
export const MAX_LOG_PAGES = 32;

function thrownError(name: CommandName, e: unknown): ContractError {
  return {
    code: 'transport-failed',
    message: `${name} failed: ${e instanceof Error ? e.message : String(e)}`,
    hint: 'check that Containerd Desktop is still running, then try again',
  };
}

export class Dispatcher {
  constructor(
    readonly client: ContractClient,
    readonly store: Store,
  ) {}

  /** Subscribe to events and load the first snapshot; returns the function that undoes it. */
  start(): () => void {
    const offEvents = this.client.subscribe((e) => this.store.apply(e));
    let offConn = () => {};
    if (isConnectionAware(this.client)) {
      let wasClosed = false;
      offConn = this.client.onConnection((c) => {
        this.store.update((s) => ({
          connection: c,
          // The moment we stop hearing from the app is its "last seen"; reconnect attempts keep it.
          lastSeenAt: c === 'open' ? null : (s.lastSeenAt ?? (s.status ? Date.now() : null)),
        }));
        if (linkDown(c)) wasClosed = true;
        if (c === 'open' && wasClosed) {
          // Events were missed while away: start over from a fresh snapshot.
          wasClosed = false;
          void this.load(true);
        }
      });
    }
    void this.load(false);
    return () => {
      offEvents();
      offConn();
    };
  }

  /** Invoke a command; a thrown transport error comes back as a failed Result. */
  async call<C extends CommandName>(
    name: C,
    payload: CommandPayload<C>,
  ): Promise<Result<CommandResults[C]>> {
    try {
      return await this.client.invoke(name, payload);
    } catch (e) {
      return { ok: false, error: thrownError(name, e) };
    }
  }

  /** Read the log history page by page (each reply is byte-bounded), oldest page first. */
  private async readLogHistory(): Promise<Result<CommandResults['logs:read']>> {
    const first = await this.call('logs:read', { limit: INITIAL_LOG_LINES });
    if (!first.ok) return first;
    const lines = [...first.value.lines];
    let next = first.value.nextSeq;
    for (let page = 1; next !== null && page < MAX_LOG_PAGES; page++) {
      const r = await this.call('logs:read', { sinceSeq: next });
      if (!r.ok) break;
      lines.push(...r.value.lines);
      next = r.value.nextSeq;
    }
    return { ok: true, value: { ...first.value, lines, nextSeq: null } };
  }

  async load(resetLogs: boolean): Promise<void> {
    // Start the log over before reading, so live lines that arrive meanwhile are kept.
    if (resetLogs)
      this.store.update((s) => {
        s.logs.reset();
        return { logsVersion: s.logsVersion + 1 };
      });
    const [status, info, settings, health, logs] = await Promise.all([
      this.call('daemon:status', {}),
      this.call('app:info', {}),
      this.call('settings:get', {}),
      this.call('health:history', {}),
      this.readLogHistory(),
    ]);
    this.store.update((s) => {
      const patch: Partial<ReturnType<Store['getState']>> = {};
      if (status.ok) patch.status = status.value;
      if (info.ok) patch.appInfo = info.value;
      if (settings.ok) patch.settings = settings.value;
      if (health.ok) {
        patch.health = health.value.samples;
        patch.restarts = health.value.restarts;
      }
      if (logs.ok) {
        s.logs.merge(logs.value.lines);
        patch.logsVersion = s.logsVersion + 1;
      }
      const failed = [status, info, settings, health, logs].find((r) => !r.ok);
      patch.loadError = failed && !failed.ok ? failed.error : null;
      return patch;
    });
  }

  /** Start, stop or restart; one at a time, with the error kept for the controls to show. */
  async control(cmd: ControlCommand): Promise<void> {
    if (this.store.getState().pending) return;
    this.store.update(() => ({ pending: cmd, commandError: null }));
    const r = await this.call(cmd, {});
    this.store.update(() =>
      r.ok
        ? { pending: null, status: r.value }
        : { pending: null, commandError: { cmd, error: r.error } },
    );
  }

  /** Show a page; `logTime` makes the log view jump to that moment. */
  navigate(page: PageId, opts: { logTime?: number } = {}): void {
    this.store.update(() => ({
      page,
      ...(opts.logTime !== undefined ? { logFocus: { time: opts.logTime } } : {}),
    }));
  }

  clearLogFocus(): void {
    this.store.update((s) => (s.logFocus ? { logFocus: null } : {}));
  }

  clearCommandError(): void {
    this.store.update(() => ({ commandError: null }));
  }

  /** Send a validated patch; the store takes the saved settings on success. */
  async saveSettings(patch: Record<string, unknown>): Promise<Result<SettingsView>> {
    const r = await this.call('settings:set', { patch });
    if (r.ok) this.store.update(() => ({ settings: r.value }));
    return r;
  }

  async loadConfig(): Promise<void> {
    this.store.update((s) => ({ config: { ...s.config, loading: true } }));
    const r = await this.call('config:preview', {});
    this.store.update((s) => ({
      config: r.ok
        ? { preview: r.value, error: null, loading: false }
        : { preview: s.config.preview, error: r.error, loading: false },
    }));
  }
}
