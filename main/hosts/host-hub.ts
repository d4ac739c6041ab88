// The main process's view of the saved hosts: one link each (host-links), rows for hosts:list,
// commands forwarded over the links, and the remotes' events passed on, all from hosts.json.
import { watch, type FSWatcher } from 'node:fs';
import * as fsp from 'node:fs/promises';
import path from 'node:path';
import type {
  AnyEvent,
  CommandName,
  ContractError,
  EventName,
  Result,
} from '../../common/contract';
import {
  RETRY_STEP_MS,
  targetOf,
  type HostView,
  type SavedHost,
  type SshTarget,
} from '../../common/hosts';
import type { ControlClient } from '../control-socket/control-client';
import { formatDuration } from '../../common/duration';
import { AppError, toContractError } from '../shared/app-error';
import { createHostLinks } from './host-links';
import type { HostsProvider } from '../service/service';
import { remoteExec } from './remote-exec';
import { readOnlyReason } from './agentless';
import { readHosts } from './hosts-file';
import { linkBadge, type LinkState } from './link-state';

/** A quick command's answer over a link; past it the caller gets an error, not a spinner forever. */
export const INVOKE_TIMEOUT_MS = 30_000;
/** A row's changes reach the window at most this often (a flapping fleet cannot flood it). */
export const HOSTS_CHANGED_EVERY_MS = 100;
/** Commands that wait on the far side run over their own connections, at most this many per host. */
export const MAX_LANES_PER_HOST = 8;
/** A spare connection left idle this long is closed. */
export const LANE_IDLE_MS = 30_000;

/**
 * The remote app's events that are passed on as host:event: every contract event but the hosts'
 * own (a remote's view of *its* hosts is not ours). A Record, so a new event must be listed here.
 */
const FORWARDED: Record<
  Exclude<EventName, 'hosts:changed' | 'hosts:retries' | 'host:event'>,
  true
> = {
  'daemon:state': true,
  'health:sample': true,
  'logs:lines': true,
  'settings:changed': true,
  'containerd:events': true,
  'inside:status': true,
  'image:pull-progress': true,
};
const isForwarded = (name: unknown): boolean =>
  typeof name === 'string' && Object.prototype.hasOwnProperty.call(FORWARDED, name);

/**
 * How long a command may wait on the far side beyond INVOKE_TIMEOUT_MS; 0 for a quick one (sent
 * over the link itself). 'progress': no limit while its progress keeps coming (a pull).
 */
export function waitAllowance(cmd: CommandName, payload: unknown): number | 'progress' {
  const p = (typeof payload === 'object' && payload !== null ? payload : {}) as Record<
    string,
    unknown
  >;
  const num = (k: string) => (typeof p[k] === 'number' ? (p[k] as number) : 0);
  switch (cmd) {
    case 'image:pull':
      return 'progress';
    case 'task:stop':
      return p.graceMs === undefined ? 10_000 : num('graceMs');
    case 'task:wait':
      return num('timeoutMs');
    case 'container:logs':
      return num('waitMs');
    case 'daemon:start':
    case 'daemon:stop':
    case 'daemon:restart':
    case 'system:prune':
    case 'container:run':
    case 'container:delete':
    case 'image:delete':
      return 5 * 60_000;
    // Walks the snapshots' disk use: seconds on a big host, longer than a status sample may wait.
    case 'system:df':
      return 60_000;
    default:
      return 0;
  }
}

export interface HostHubOptions {
  /** hosts.json (defaultHostsFile()); read at start and whenever it changes. */
  file: string;
  /** How to reach a host (createHostConnector in the app; fixture sockets in tests). */
  connect: (t: SshTarget) => Promise<ControlClient>;
  logError?: (message: string, err: unknown) => void;
  /** A bad hosts file is reported here (the last good list stays). */
  logWarn?: (message: string) => void;
  sampleEveryMs?: number;
  sampleTimeoutMs?: number;
  invokeTimeoutMs?: number;
  coalesceMs?: number;
  /** Changes to the file are read after it has been quiet this long. */
  reloadDebounceMs?: number;
  /** While the file's folder does not exist, look for it this often. */
  folderPollMs?: number;
  laneIdleMs?: number;
}

/** The service's HostsProvider, with exec always there, and the hosts file's life. */
export interface HostHub extends Required<HostsProvider> {
  /** Settles once the file has been read the first time. */
  readonly ready: Promise<void>;
  /** Read the file again now (the watcher does it by itself). */
  reload(): Promise<void>;
  dispose(): void;
}

interface Row {
  saved: SavedHost;
  target: SshTarget | null;
  /** Why the saved entry cannot be reached at all (its URL no longer parses). */
  invalid: ContractError | null;
}

interface Lane {
  client: ControlClient;
  busy: boolean;
  idle: NodeJS.Timeout | null;
}

const ago = (ms: number) => formatDuration(Math.max(0, ms), { smallest: 's', parts: 2 });

/** A row as hosts:list shows it: the link's phase, and containerd's state only while the link is up. */
export function hostView(row: Row, s: LinkState | undefined): HostView {
  const agentless = row.target?.socket !== undefined;
  const base = {
    name: row.saved.name,
    url: row.saved.url,
    kind: agentless ? ('agentless' as const) : ('app' as const),
    readOnly: row.target && agentless ? readOnlyReason(row.target) : null,
  };
  if (!s)
    return {
      ...base,
      phase: row.invalid ? 'down' : 'connecting',
      state: 'unknown',
      lastSeen: null,
      latencyMs: null,
      version: null,
      containers: null,
      problems: 0,
      error: row.invalid,
      retryAt: null,
    };
  const badge = linkBadge(s);
  const d = s.daemon;
  return {
    ...base,
    phase: s.phase,
    state: badge.state,
    lastSeen: badge.lastSeen,
    latencyMs: s.latencyMs === null ? null : Math.round(s.latencyMs * 10) / 10,
    version: d?.version?.version ?? null,
    containers: d?.containers ?? null,
    problems: d?.problems?.length ?? 0,
    error: s.error,
    retryAt: s.retryAt,
  };
}

/**
 * What decides whether a row changed for the window: everything but the time of the last answer
 * while up (it moves on every sample) and the latency (latencyMoved decides that one).
 */
function visibleKey(v: HostView): string {
  return JSON.stringify({
    ...v,
    lastSeen: v.phase === 'up' ? null : v.lastSeen,
    latencyMs: null,
  });
}

/** A latency sample alone reaches the window at most this often, unless it moved a lot. */
export const LATENCY_EVERY_MS = 30_000;

/**
 * Whether a new latency is worth a hosts:changed of its own: it appeared or went, or it moved by
 * half or more and by 5 ms or more (12 → 18 ms does, 12 → 15 ms or 200 → 260 ms does not).
 */
export function latencyMoved(sent: number | null, now: number | null): boolean {
  if (sent === null || now === null) return sent !== now;
  const d = Math.abs(now - sent);
  return d >= 5 && d >= 0.5 * Math.min(sent, now);
}

/**
 * A retry of a link that is down goes out only if it is still under way this long (an attempt
 * that fails at once is one change, down again with its next retry time, not two): the row says
 * "reconnecting now" meanwhile, which is true.
 */
export const RETRY_QUIET_MS = 2000;

/**
 * hosts:retries goes out this long before each RETRY_STEP_MS boundary of the wall clock, so the
 * window has the new times when its countdowns move (one frame for both).
 */
export const RETRIES_LEAD_MS = 250;

export function createHostHub(opts: HostHubOptions): HostHub {
  const logError = opts.logError ?? ((m, e) => console.error(m, e));
  const logWarn = opts.logWarn ?? ((m) => console.warn(m));
  const invokeTimeoutMs = opts.invokeTimeoutMs ?? INVOKE_TIMEOUT_MS;
  const coalesceMs = opts.coalesceMs ?? HOSTS_CHANGED_EVERY_MS;
  const debounceMs = opts.reloadDebounceMs ?? 150;
  const folderPollMs = opts.folderPollMs ?? 2000;
  const laneIdleMs = opts.laneIdleMs ?? LANE_IDLE_MS;
  const links = createHostLinks({
    connect: opts.connect,
    ...(opts.sampleEveryMs !== undefined ? { sampleEveryMs: opts.sampleEveryMs } : {}),
    ...(opts.sampleTimeoutMs !== undefined ? { sampleTimeoutMs: opts.sampleTimeoutMs } : {}),
  });
  const listeners = new Set<(e: AnyEvent) => void>();
  let rows: Row[] = [];
  let disposed = false;

  const emit = (e: AnyEvent) => {
    for (const fn of [...listeners]) {
      try {
        fn(e);
      } catch (err) {
        logError('hosts event listener failed', err);
      }
    }
  };

  const rowOf = (name: string) => rows.find((r) => r.saved.name === name);
  const viewOf = (row: Row) => hostView(row, links.states().get(row.saved.name));

  // hosts:changed, per host: the first change goes out at once, later ones within coalesceMs are
  // folded into one sent when the window ends (with the row as it is then). A latency sample alone
  // is no change unless it moved a lot or the window's figure is LATENCY_EVERY_MS old. `sent`:
  // each row as last sent, and when (which also paces the next).
  const sent = new Map<
    string,
    { key: string; quiet: string; down: boolean; latency: number | null; at: number }
  >();
  const pending = new Map<string, { timer: NodeJS.Timeout; due: number }>();
  // A down host's failed retry (only its next attempt moved) waits for the next step with the
  // others': a fleet of hosts backing off is one hosts:retries every few seconds, not a message per
  // attempt (each one a task in the window, ~1 ms of its main thread on a busy machine).
  const retries = new Map<string, number>();
  let retriesTimer: NodeJS.Timeout | null = null;
  const sendRetries = () => {
    retriesTimer = null;
    if (disposed || retries.size === 0) return;
    const list = [...retries].map(([name, retryAt]) => ({ name, retryAt }));
    retries.clear();
    emit({ event: 'hosts:retries', payload: { retries: list } });
  };
  const queueRetry = (name: string, retryAt: number) => {
    retries.set(name, retryAt);
    if (retriesTimer) return;
    const now = Date.now();
    const due = now - (now % RETRY_STEP_MS) + RETRY_STEP_MS - RETRIES_LEAD_MS;
    retriesTimer = setTimeout(sendRetries, Math.max(0, due - now));
  };
  const forget = (name: string) => {
    sent.delete(name);
    retries.delete(name);
    clearTimeout(pending.get(name)?.timer);
    pending.delete(name);
  };
  const flush = (name: string) => {
    pending.delete(name);
    const row = rowOf(name);
    if (!row || disposed) return;
    const view = viewOf(row);
    const key = visibleKey(view);
    const at = performance.now();
    const was = sent.get(name);
    if (
      was &&
      was.key === key &&
      (Math.round(was.latency ?? -1) === Math.round(view.latencyMs ?? -1) ||
        (!latencyMoved(was.latency, view.latencyMs) && at - was.at < LATENCY_EVERY_MS))
    )
      return;
    const quiet = visibleKey({ ...view, retryAt: null });
    const down = view.phase === 'down';
    sent.set(name, { key, quiet, down, latency: view.latencyMs, at });
    if (was?.down && down && was.quiet === quiet && view.retryAt !== null)
      return queueRetry(name, view.retryAt);
    // A whole row says everything a queued retry time would.
    retries.delete(name);
    emit({ event: 'hosts:changed', payload: { host: view } });
  };
  const changed = (name: string) => {
    if (disposed) return;
    const at = performance.now();
    const s = links.states().get(name);
    const retrying = s?.phase === 'connecting' && s.attempt > 0;
    const due = Math.max(
      at + (retrying ? RETRY_QUIET_MS : 0),
      (sent.get(name)?.at ?? -Infinity) + coalesceMs,
    );
    const p = pending.get(name);
    if (p && p.due <= due) return;
    if (p) clearTimeout(p.timer);
    if (due <= at) return flush(name);
    pending.set(name, { timer: setTimeout(() => flush(name), due - at), due });
  };

  const offChange = links.onChange((name) => changed(name));
  const offEvents = links.onEvent((name, e) => {
    if (!isForwarded(e.event) || !rowOf(name)) return;
    emit({ event: 'host:event', payload: { host: name, event: e.event, payload: e.payload } });
  });

  // Spare connections for commands that wait on the far side (the link's own connection answers
  // one request at a time, and its status samples must not queue behind a 10 s stop).
  const lanes = new Map<string, Set<Lane>>();
  const openingLanes = new Map<string, number>();
  /** Each running exec's own connection, per host (closed with the host or the hub). */
  const execClients = new Map<string, Set<ControlClient>>();
  const closeLanes = (name: string) => {
    for (const lane of lanes.get(name) ?? []) {
      if (lane.idle) clearTimeout(lane.idle);
      lane.client.close();
    }
    lanes.delete(name);
    for (const c of execClients.get(name) ?? []) c.close();
    execClients.delete(name);
  };
  const takeLane = async (row: Row): Promise<Lane | ContractError> => {
    const name = row.saved.name;
    const set = lanes.get(name) ?? new Set<Lane>();
    lanes.set(name, set);
    for (const lane of set)
      if (!lane.busy) {
        lane.busy = true;
        if (lane.idle) clearTimeout(lane.idle);
        lane.idle = null;
        return lane;
      }
    // Connections being opened count too, so a burst cannot open more than the bound.
    const opening = openingLanes.get(name) ?? 0;
    if (set.size + opening >= MAX_LANES_PER_HOST)
      return {
        code: 'busy',
        message: `${name}: ${MAX_LANES_PER_HOST} long commands are already running there`,
        hint: 'Wait for one to finish (or cancel it), then try again.',
      };
    let client: ControlClient;
    openingLanes.set(name, opening + 1);
    try {
      client = await opts.connect(row.target!);
    } catch (err) {
      return toContractError(err);
    } finally {
      const left = (openingLanes.get(name) ?? 1) - 1;
      if (left > 0) openingLanes.set(name, left);
      else openingLanes.delete(name);
    }
    const lane: Lane = { client, busy: true, idle: null };
    if (disposed || lanes.get(name) !== set) {
      client.close();
      return {
        code: 'disconnected',
        message: `${name}: the host was removed from the saved hosts; nothing was sent`,
        hint: 'cdesk host ls lists the saved hosts.',
      };
    }
    set.add(lane);
    client.onClose(() => {
      if (lane.idle) clearTimeout(lane.idle);
      set.delete(lane);
    });
    return lane;
  };
  const releaseLane = (name: string, lane: Lane) => {
    lane.busy = false;
    if (!lanes.get(name)?.has(lane)) return;
    lane.idle = setTimeout(() => {
      lanes.get(name)?.delete(lane);
      lane.client.close();
    }, laneIdleMs);
  };

  const linkDown = (name: string, s: LinkState | undefined): ContractError => {
    if (!s || s.phase === 'connecting') {
      const attempt = s && s.attempt > 0 ? ` (attempt ${s.attempt + 1})` : '';
      return {
        code: 'disconnected',
        message: `${name}: the link is still connecting${attempt}; nothing was sent`,
        hint: s?.error?.hint ?? 'Try again in a moment.',
      };
    }
    const now = Date.now();
    const why = s.error ? ` (${s.error.message})` : '';
    const next = s.retryAt !== null ? `; next attempt in ${ago(s.retryAt - now)}` : '';
    return {
      code: s.error?.code === 'ssh-unreachable' ? 'ssh-unreachable' : 'disconnected',
      message: `${name}: the link is down, for ${ago(now - s.since)}${why}${next}; nothing was sent`,
      hint: s.error?.hint ?? 'The link reconnects by itself; try again once it is up.',
    };
  };

  /** Send over `client` with a deadline that 'progress' pushes back while the pull's progress flows. */
  const send = (
    name: string,
    client: ControlClient,
    cmd: CommandName,
    payload: unknown,
    allowance: number | 'progress',
  ): Promise<Result<unknown>> =>
    new Promise((resolve) => {
      let done = false;
      let timer: NodeJS.Timeout | null = null;
      let offProgress = () => {};
      const finish = (r: Result<unknown>) => {
        if (done) return;
        done = true;
        if (timer) clearTimeout(timer);
        offProgress();
        resolve(r);
      };
      const limit = invokeTimeoutMs + (allowance === 'progress' ? 0 : allowance);
      const arm = () => {
        if (timer) clearTimeout(timer);
        timer = setTimeout(
          () =>
            finish({
              ok: false,
              error: {
                code: 'disconnected',
                message: `${name}: ${cmd} got no answer over the link within ${Math.round(limit / 1000)} s${allowance === 'progress' ? ' (and no progress)' : ''}`,
                hint: 'The command may still finish there; check the host, then try again.',
              },
            }),
          limit,
        );
      };
      arm();
      if (allowance === 'progress') {
        const pullId = (payload as { pullId?: unknown } | null)?.pullId;
        offProgress = links.onEvent((host, e) => {
          if (host === name && e.event === 'image:pull-progress' && e.payload.pullId === pullId)
            arm();
        });
      }
      (client.invoke as (c: string, p: unknown) => Promise<Result<unknown>>)(cmd, payload).then(
        finish,
        (err: unknown) => finish({ ok: false, error: toContractError(err) }),
      );
    });

  const apply = (hosts: SavedHost[]) => {
    const states = links.states();
    const before = new Map(rows.map((r) => [r.saved.name, hostView(r, states.get(r.saved.name))]));
    rows = hosts.map((saved) => {
      try {
        return { saved, target: targetOf(saved), invalid: null };
      } catch (err) {
        return {
          saved,
          target: null,
          invalid: {
            code: 'invalid-host',
            message: `${saved.name}: ${err instanceof Error ? err.message : String(err)}`,
            hint: `Fix its URL: cdesk host rm ${saved.name}, then cdesk host add ${saved.name} URL.`,
          },
        };
      }
    });
    const names = new Set(rows.map((r) => r.saved.name));
    for (const [name, last] of before)
      if (!names.has(name)) {
        closeLanes(name);
        forget(name);
        // The window drops the row now, not at its next hosts:list.
        emit({ event: 'hosts:changed', payload: { host: last, removed: true } });
      }
    links.set(rows.flatMap((r) => (r.target ? [r.target] : [])));
    for (const r of rows) changed(r.saved.name);
  };

  let lastText: string | null = null;
  let reading: Promise<void> | null = null;
  let again = false;
  const readOnce = async () => {
    let hosts: SavedHost[];
    try {
      hosts = await readHosts(opts.file);
    } catch (err) {
      // The last good list stays: a half-edited file must not drop every link.
      const e = toContractError(err);
      logWarn(`hosts: ${e.message}; keeping the last good list (${rows.length} hosts). ${e.hint}`);
      return;
    }
    if (disposed) return;
    const text = JSON.stringify(hosts);
    if (text === lastText) return;
    const prev = lastText === null ? null : (JSON.parse(lastText) as SavedHost[]);
    lastText = text;
    // A host whose URL or key changed is dropped by links.set; its spare connections go too.
    for (const h of hosts) {
      const p = prev?.find((x) => x.name === h.name);
      if (p && (p.url !== h.url || p.identity !== h.identity)) closeLanes(h.name);
    }
    apply(hosts);
  };
  const reload = (): Promise<void> => {
    if (reading) {
      again = true;
      return reading;
    }
    reading = (async () => {
      do {
        again = false;
        await readOnce();
      } while (again && !disposed);
    })().finally(() => (reading = null));
    return reading;
  };

  // Watch the folder, not the file: `host add` replaces the file by a rename.
  const dir = path.dirname(opts.file);
  const base = path.basename(opts.file);
  let watcher: FSWatcher | null = null;
  let debounce: NodeJS.Timeout | null = null;
  let poll: NodeJS.Timeout | null = null;
  const soon = () => {
    if (debounce) clearTimeout(debounce);
    debounce = setTimeout(() => {
      debounce = null;
      void reload();
    }, debounceMs);
  };
  const startWatching = () => {
    if (disposed || watcher) return;
    try {
      watcher = watch(dir, { persistent: false }, (_type, name) => {
        if (name === null || name === base || name.startsWith(`${base}.`)) soon();
      });
      watcher.on('error', () => {
        // The folder went away: look for it again, and read what is there (nothing: an empty list).
        watcher?.close();
        watcher = null;
        soon();
        waitForFolder();
      });
    } catch {
      waitForFolder();
    }
  };
  const waitForFolder = () => {
    if (disposed || poll) return;
    poll = setInterval(() => {
      void fsp.stat(dir).then(
        (st) => {
          if (!st.isDirectory() || disposed) return;
          if (poll) clearInterval(poll);
          poll = null;
          startWatching();
          soon();
        },
        () => undefined,
      );
    }, folderPollMs);
    poll.unref();
  };
  const unknownHost = (host: string): ContractError => {
    const known = rows.map((r) => r.saved.name);
    return {
      code: 'unknown-host',
      message: `no saved host named ${JSON.stringify(host).slice(0, 100)}${known.length ? ` (saved: ${known.join(', ')})` : ''}`,
      hint: `Save it first (cdesk host add NAME ssh://user@host[:port]); cdesk host ls lists the saved hosts.`,
    };
  };
  const thrown = (e: ContractError) => new AppError(e.code, e.message, e.hint);

  startWatching();
  const ready = reload();

  return {
    ready,
    reload,
    list: () => {
      const states = links.states();
      return rows.map((r) => hostView(r, states.get(r.saved.name)));
    },
    async invoke(host, cmd, payload) {
      const row = rowOf(host);
      if (!row) return { ok: false, error: unknownHost(host) };
      if (row.invalid) return { ok: false, error: row.invalid };
      if (cmd === 'image:load' || cmd === 'image:save')
        return {
          ok: false,
          error: {
            code: 'bad-request',
            message: `${cmd} on ${host}: the app there would use its own files, not this machine's`,
            hint: `Copy the archive over and run \`cdesk ${cmd === 'image:load' ? 'load' : 'save'}\` on ${host}.`,
          },
        };
      const client = links.client(host);
      if (!client) return { ok: false, error: linkDown(host, links.states().get(host)) };
      const allowance = waitAllowance(cmd, payload);
      if (allowance === 0) return send(host, client, cmd, payload, 0);
      const lane = await takeLane(row);
      if (!('client' in lane)) return { ok: false, error: lane };
      try {
        return await send(host, lane.client, cmd, payload, allowance);
      } finally {
        releaseLane(host, lane);
      }
    },
    onEvent(fn) {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
    async exec(host, spec, onOutput) {
      const row = rowOf(host);
      if (!row) throw thrown(unknownHost(host));
      if (row.invalid) throw thrown(row.invalid);
      if (!links.client(host)) throw thrown(linkDown(host, links.states().get(host)));
      // Its own connection: a terminal may stay open for hours, and ends with its connection.
      const client = await opts.connect(row.target!);
      const set = execClients.get(host) ?? new Set<ControlClient>();
      execClients.set(host, set);
      if (disposed) {
        client.close();
        throw thrown(linkDown(host, undefined));
      }
      set.add(client);
      client.onClose(() => set.delete(client));
      return remoteExec(client, spec, onOutput, `${host} (${row.saved.url})`);
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      watcher?.close();
      watcher = null;
      if (debounce) clearTimeout(debounce);
      if (poll) clearInterval(poll);
      for (const p of pending.values()) clearTimeout(p.timer);
      pending.clear();
      if (retriesTimer) clearTimeout(retriesTimer);
      retries.clear();
      for (const name of [...lanes.keys()]) closeLanes(name);
      offChange();
      offEvents();
      links.dispose();
      listeners.clear();
    },
  };
}
