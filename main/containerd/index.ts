// What runs inside the supervised containerd, for the service: command handlers, live events, status and a summary.
import { dirname, join } from 'node:path';
import type { ContainerdEvent, InsideStatus, PluginInfo, Problem } from '../../common/containerd';
import type { InsideEvent, InsideProvider } from './provider';
import type { DaemonState } from '../../common/states';
import type { Engine } from '../engine/types';
import { ContainerdClient } from './client';
import { ContainerCounts } from './counts';
import { InsideError, notRunning } from './errors';
import { EventFeed } from './event-feed';
import { startExec } from './exec';
import { createHandlers } from './handlers';
import { OutageExits } from './lost-exits';
import { deriveProblems, hasCniConfig, DEFAULT_CNI_CONF_DIR } from './problems';
import { Pulls } from './pull/pulls';
import { Loads } from './images/loads';
import { listPlugins } from './reads';
import { runContextFor } from './run-context';
import { AutoRemove } from './auto-remove';
import { onFailureAfterExit } from './restart-policy';
import { startContainer } from './run';
import { collectNetworks } from './container-network';
import { repairNetworks } from './network-repair';
import { getContainer } from './container-info';

/** Whether the container exists; unknown (an error other than not-found) counts as there. */
async function containerStillThere(c: ContainerdClient, namespace: string, id: string) {
  try {
    await getContainer(c, namespace, id);
    return true;
  } catch (err) {
    return !(err instanceof InsideError && err.code === 'not-found');
  }
}

export { ContainerdClient } from './client';
export { InsideError } from './errors';

export type { InsideEvent, InsideHandlers, InsideProvider, InsideSummary } from './provider';

/** The service's InsideProvider, plus what the shells need to manage it. */
export interface Inside extends InsideProvider {
  status(): InsideStatus;
  /** From the last count, without asking containerd (e.g. when it is already gone). */
  cachedStopNotice(): string | null;
  dispose(): void;
}

export interface InsideOptions {
  engine: Engine;
  /** The settings the daemon runs with (cri decides which CRI problems matter; stopGraceMs is task:stop's default). */
  settings?: () => {
    cri: 'on' | 'off';
    stopGraceMs?: number;
    containerLogMaxBytes?: number;
    containerLogKeep?: number;
    /** Registries pulled from over plain HTTP (besides localhost). */
    insecureRegistries?: readonly string[];
  };
  cniConfDir?: string;
  /** Where the bridge network's CNI plugins may be (default: /usr/lib/cni, /opt/cni/bin). */
  cniBinDirs?: string[];
  /** Where unexpected errors go (defaults to console.error). */
  logError?: (message: string, err: unknown) => void;
  /** Events are batched this long before 'containerd:events' goes out (default 16 ms). */
  batchMs?: number;
  /** Size of the recent-events ring behind events:recent (default 1000). */
  recentLimit?: number;
}

/** How long a stop waits for a fresh container count before using the last one. */
const NOTICE_WAIT_MS = 1_500;
/** After a failed connect, try again this soon (while the engine says containerd runs). */
const RETRY_MS = 500;

/** States in which containerd's API may answer. */
const REACHABLE: ReadonlySet<DaemonState> = new Set(['running', 'unhealthy']);

export function createInside(opts: InsideOptions): Inside {
  const { engine } = opts;
  const logError = opts.logError ?? ((m, e) => console.error(m, e));
  const settings = () => opts.settings?.() ?? { cri: 'off' as const };
  const listeners = new Set<(e: InsideEvent) => void>();
  const emit = (e: InsideEvent) => {
    for (const fn of listeners) {
      try {
        fn(e);
      } catch (err) {
        logError('inside event listener failed', err);
      }
    }
  };

  let client: ContainerdClient | null = null;
  let status: InsideStatus = {
    state: 'unavailable',
    listedAt: null,
    message: 'containerd is not running',
  };
  let problems: Problem[] = [];
  let plugins: PluginInfo[] | null = null;
  let disposed = false;

  const setStatus = (next: InsideStatus) => {
    status = next;
    emit({ event: 'inside:status', payload: { inside: status, problems } });
  };

  /** Calls go over the daemon's own channel, which the engine replaces for every new daemon. */
  const clientFor = (state: DaemonState): ContainerdClient => {
    const channel = engine.channel();
    if (!channel) throw notRunning(state);
    if (client?.channel !== channel) client = new ContainerdClient(channel);
    return client;
  };

  /** The client when containerd may answer; a clear error otherwise. */
  const ready = (): ContainerdClient => {
    if (disposed)
      throw new InsideError(
        'containerd-api-unavailable',
        'the app is shutting down',
        'Try again once it has restarted.',
      );
    const st = engine.status().state;
    if (!REACHABLE.has(st)) throw notRunning(st);
    return clientFor(st);
  };

  const runContext = () => runContextFor(engine.status().paths, settings(), opts.cniBinDirs);

  const counts = new ContainerCounts({
    ready,
    onChange: () => emit({ event: 'inside:status', payload: { inside: status, problems } }),
  });
  const outage = new OutageExits();
  const autoRemove = new AutoRemove({
    ready,
    runContext,
    logError,
    removed: () => counts.schedule(),
  });

  const feed = new EventFeed({
    batchMs: opts.batchMs ?? 16,
    recentLimit: opts.recentLimit ?? 1000,
    onBatch: (events: ContainerdEvent[]) =>
      emit({ event: 'containerd:events', payload: { events } }),
    onEvent: (e) => {
      if (e.topic.startsWith('/tasks/') || e.topic.startsWith('/containers/')) counts.schedule();
      if (e.topic === '/tasks/exit' && e.containerId) {
        autoRemove.exited(e.namespace, e.containerId);
        if (e.exitStatus !== undefined)
          onFailureAfterExit(
            ready,
            e.namespace,
            e.containerId,
            e.exitStatus,
            (c, ns, id) => startContainer(c, ns, id, runContext()),
            logError,
          );
      }
      if (e.topic === '/tasks/exit' && e.containerId && e.pid) {
        // Reported: no longer a running task an outage could lose the exit of. A hung containerd
        // can deliver it just before it is killed, when the last count still shows the task.
        counts.exited(e.namespace, e.containerId, e.pid);
        // The shim re-delivered an exit we already reported from the re-list: drop the duplicate.
        return outage.exitArrived(e.namespace, e.containerId, e.pid);
      }
      return true;
    },
  });

  async function refreshPlugins(c: ContainerdClient): Promise<void> {
    plugins = await listPlugins(c);
    const dir = opts.cniConfDir ?? DEFAULT_CNI_CONF_DIR;
    const s = settings();
    const next = deriveProblems(plugins, {
      cri: s.cri,
      cniConfigured: s.cri === 'on' ? hasCniConfig(dir) : null,
      cniConfDir: dir,
    });
    const changed = JSON.stringify(next) !== JSON.stringify(problems);
    problems = next;
    // While connecting, the 'connected' status that follows carries them.
    if (changed && status.state === 'connected') setStatus(status);
  }

  // ---- connection lifecycle: subscribe, then re-list, after every (re)start ------------------
  let connectGen = 0;
  let retryTimer: NodeJS.Timeout | null = null;

  async function connect(): Promise<void> {
    const gen = ++connectGen;
    if (retryTimer) clearTimeout(retryTimer);
    retryTimer = null;
    let c: ContainerdClient;
    try {
      c = ready();
    } catch {
      return;
    }
    setStatus({
      state: 'connecting',
      listedAt: status.listedAt,
      message: 'connecting to containerd',
    });
    try {
      await feed.subscribe(c, () => {
        // The stream ended (containerd died or restarted): reconnect if it is still meant to run.
        if (gen !== connectGen || disposed) return;
        outage.begin(counts.tasks);
        setStatus({
          state: 'connecting',
          listedAt: status.listedAt,
          message: 'containerd connection lost; reconnecting',
        });
        retry(gen);
      });
      if (gen !== connectGen) return;
      await refreshPlugins(c);
      const all = await counts.refresh();
      if (gen !== connectGen) return;
      feed.inject(outage.end(all, Date.now()));
      // --rm containers whose task exited while the app or containerd was away.
      autoRemove.sweep(all);
      // Networks of containers removed while we were away (or by another client) go now.
      await collectNetworks(runContext(), (ns, id) => containerStillThere(c, ns, id)).catch(
        (err: unknown) => logError('cleaning up container networks failed', err),
      );
      if (process.getuid?.() === 0)
        await repairNetworks(c, runContext(), logError).catch((err: unknown) =>
          logError('restoring container networks failed', err),
        );
      if (gen !== connectGen) return;
      setStatus({ state: 'connected', listedAt: Date.now(), message: null });
    } catch (err) {
      if (gen !== connectGen || disposed) return;
      const e = err instanceof InsideError ? err : null;
      if (!e) logError('containerd API connect failed', err);
      setStatus({
        state: 'connecting',
        listedAt: status.listedAt,
        message: e ? e.message : 'containerd API unavailable',
      });
      retry(gen);
    }
  }

  function retry(gen: number) {
    if (retryTimer || disposed) return;
    retryTimer = setTimeout(() => {
      retryTimer = null;
      if (gen === connectGen && REACHABLE.has(engine.status().state)) void connect();
    }, RETRY_MS);
    retryTimer.unref?.();
  }

  function disconnect(state: DaemonState, reason: string) {
    connectGen++;
    outage.begin(counts.tasks);
    feed.unsubscribe();
    counts.unreachable();
    const transient = state === 'starting' || state === 'backoff' || state === 'unhealthy';
    setStatus({
      state: transient ? 'connecting' : 'unavailable',
      listedAt: status.listedAt,
      message: reason,
    });
  }

  const offEngine = engine.onEvent((e) => {
    if (e.type !== 'state' || disposed) return;
    if (e.state === 'running') void connect();
    else if (e.state === 'unhealthy')
      setStatus({ ...status, message: `containerd is not answering health checks (${e.reason})` });
    else disconnect(e.state, e.reason);
  });
  if (REACHABLE.has(engine.status().state)) void connect();

  const pulls = new Pulls({
    ready,
    insecureRegistries: () => settings().insecureRegistries ?? [],
    onProgress: (p) => emit({ event: 'image:pull-progress', payload: p }),
    changed: () => undefined,
  });

  const loads = new Loads(ready);

  const handlers = createHandlers({
    pulls,
    loads,
    ready,
    plugins: () => plugins,
    refreshPlugins,
    problems: () => problems,
    feed,
    stopGraceMs: () => settings().stopGraceMs,
    changed: () => counts.schedule(),
    runContext,
    autoRemove,
  });

  return {
    handlers,
    onEvent(fn) {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
    status: () => status,
    // FIFOs next to the app's config (its own 0700 state folder), never in containerd's.
    exec: (spec, io) =>
      startExec(ready(), spec, {
        ...io,
        fifoRoot: join(dirname(engine.status().paths.config), 'exec-fifo'),
      }),
    summary: () => ({ problems, containers: counts.counts, inside: status }),
    cachedStopNotice: () => counts.notice(),
    async stopNotice() {
      // A fresh count when containerd answers quickly; else the last one (tasks outlive containerd).
      if (REACHABLE.has(engine.status().state)) {
        await Promise.race([
          counts.refresh().catch(() => undefined),
          new Promise((resolve) => setTimeout(resolve, NOTICE_WAIT_MS).unref?.()),
        ]);
      }
      return counts.notice();
    },
    dispose() {
      disposed = true;
      pulls.dispose();
      loads.dispose();
      connectGen++;
      offEngine();
      counts.dispose();
      if (retryTimer) clearTimeout(retryTimer);
      feed.dispose();
      client = null;
      listeners.clear();
    },
  };
}
