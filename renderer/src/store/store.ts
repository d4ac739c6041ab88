// The renderer's one store: holds what the server told us and applies its events.
import type {
  AnyEvent,
  AppInfo,
  CommandResults,
  ContractError,
  SettingsView,
} from '../../../common/contract';
import type { DaemonStatus, HealthEvent, StateEvent } from '../../../common/states';
import type { ConnectionState } from '../transport/connection';
import { LogBuffer } from './log-buffer';
import type { PageId } from './pages';

export const MAX_HEALTH_SAMPLES = 600;
export const MAX_TRANSITIONS = 100;

export type ControlCommand = 'daemon:start' | 'daemon:stop' | 'daemon:restart';
export type ConfigPreview = CommandResults['config:preview'];

export interface StoreState {
  connection: ConnectionState;
  status: DaemonStatus | null;
  /** Recent transitions, oldest first. */
  transitions: readonly StateEvent[];
  health: readonly HealthEvent[];
  /** Wall-clock times of restarts, for the chart. */
  restarts: readonly number[];
  logs: LogBuffer;
  /** Bumped on every change to `logs` (the buffer itself is mutated in place). */
  logsVersion: number;
  settings: SettingsView | null;
  appInfo: AppInfo | null;
  config: { preview: ConfigPreview | null; error: ContractError | null; loading: boolean };
  /** The control command in flight, if any. */
  pending: ControlCommand | null;
  /** The last control command that failed, cleared by the next one. */
  commandError: { cmd: ControlCommand; error: ContractError } | null;
  /** A failed load (status, settings…) worth showing. */
  loadError: ContractError | null;
  /** The page the sidebar shows. */
  page: PageId;
  /** Epoch ms when the app was last heard from before the connection dropped (null while connected). */
  lastSeenAt: number | null;
  /** A moment the log view should scroll to (Activity's "show logs"); cleared once shown. */
  logFocus: { time: number } | null;
}

export interface Store {
  getState(): StoreState;
  subscribe(listener: () => void): () => void;
  update(fn: (s: StoreState) => Partial<StoreState>): void;
  apply(e: AnyEvent): void;
}

export function initialState(maxLogLines?: number): StoreState {
  return {
    connection: 'open',
    status: null,
    transitions: [],
    health: [],
    restarts: [],
    logs: new LogBuffer(maxLogLines),
    logsVersion: 0,
    settings: null,
    appInfo: null,
    config: { preview: null, error: null, loading: false },
    pending: null,
    commandError: null,
    loadError: null,
    page: 'status',
    lastSeenAt: null,
    logFocus: null,
  };
}

function bounded<T>(arr: readonly T[], add: readonly T[], max: number): T[] {
  const next = arr.concat(add);
  return next.length > max ? next.slice(next.length - max) : next;
}

/** What an event changes (logs are appended to the buffer as a side effect). */
export function reduceEvent(s: StoreState, e: AnyEvent): Partial<StoreState> {
  switch (e.event) {
    case 'daemon:state': {
      const { status, transition } = e.payload;
      const patch: Partial<StoreState> = { status };
      if (transition) patch.transitions = bounded(s.transitions, [transition], MAX_TRANSITIONS);
      if (s.status && status.restarts > s.status.restarts) {
        patch.restarts = bounded(s.restarts, [transition?.at ?? status.since], MAX_HEALTH_SAMPLES);
      }
      return patch;
    }
    case 'health:sample':
      return { health: bounded(s.health, [e.payload], MAX_HEALTH_SAMPLES) };
    case 'logs:lines': {
      const added = s.logs.append(e.payload.lines);
      return added ? { logsVersion: s.logsVersion + 1 } : {};
    }
    case 'settings:changed':
      return { settings: e.payload };
    default:
      return {};
  }
}

export function createStore(init: StoreState = initialState()): Store {
  let state = init;
  const listeners = new Set<() => void>();
  const update: Store['update'] = (fn) => {
    const patch = fn(state);
    if (Object.keys(patch).length === 0) return;
    state = { ...state, ...patch };
    for (const l of [...listeners]) l();
  };
  return {
    getState: () => state,
    subscribe(l) {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    update,
    apply: (e) => update((s) => reduceEvent(s, e)),
  };
}
