// What runs inside the supervised containerd, for the service: command handlers, live events, status and a summary.
import type {
  ContainerInfo,
  ContainerdEvent,
  InsideStatus,
  PluginInfo,
  Problem,
} from '../../common/containerd';
import type { InsideEvent, InsideHandlers, InsideProvider, InsideSummary } from './provider';
import type { DaemonState } from '../../common/states';
import { isLiveTask } from '../../common/containerd';
import type { Engine } from '../engine/types';
import { deleteContainer, deleteImage, killTask, stopTask } from './actions';
import { ContainerdClient } from './client';
import { InsideError, notRunning } from './errors';
import { EventFeed } from './event-feed';
import { mapLimit } from './map-limit';
import { lostExits, runningTasks, taskKey, type SeenTask } from './lost-exits';
import { deriveProblems, hasCniConfig, DEFAULT_CNI_CONF_DIR } from './problems';
import {
  imageUsers,
  listContainers,
  listImages,
  listNamespaceNames,
  listNamespaces,
  listPlugins,
  serverVersion,
  snapshotUsage,
} from './reads';

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
  settings?: () => { cri: 'on' | 'off'; stopGraceMs?: number };
  cniConfDir?: string;
  /** Where unexpected errors go (defaults to console.error). */
  logError?: (message: string, err: unknown) => void;
  /** Events are batched this long before 'containerd:events' goes out (default 16 ms). */
  batchMs?: number;
  /** Size of the recent-events ring behind events:recent (default 1000). */
  recentLimit?: number;
}

/**
 * Event-driven recounts wait this long: a recount lists every container (~3 KB each on the wire),
 * so a burst of events (a script creating 1,000 containers) costs one list a second, not one each.
 */
const SUMMARY_DELAY_MS = 1_000;
/** How long a stop waits for a fresh container count before using the last one. */
const NOTICE_WAIT_MS = 1_500;

function notice(running: number): string | null {
  if (running === 0) return null;
  return running === 1
    ? '1 container keeps running; it cannot be managed until containerd is back'
    : `${running} containers keep running; they cannot be managed until containerd is back`;
}

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
  let containers: InsideSummary['containers'] = null;
  /** Survives a disconnect: containers keep running while containerd is down. */
  let lastRunning = 0;
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

  // ---- summary (counts for status, the stop notice) ------------------------------------------
  let summaryTimer: NodeJS.Timeout | null = null;
  let summaryGen = 0;
  /** Running tasks at the last count; compared after an outage to find exits whose event was lost. */
  let lastTasks = new Map<string, SeenTask>();
  let beforeOutage: Map<string, SeenTask> | null = null;
  /** Task exits (ns/id/pid) seen since the outage began, and the ones we synthesized. */
  let exitsSeen = new Set<string>();
  const synthesized = new Set<string>();

  /** One set per list in flight: the exits seen meanwhile, which that list may still show running. */
  const exitedWhileListing = new Set<Set<string>>();

  async function refreshSummary(): Promise<ContainerInfo[]> {
    const gen = ++summaryGen;
    const c = ready();
    const exited = new Set<string>();
    exitedWhileListing.add(exited);
    try {
      const names = await listNamespaceNames(c);
      const all = (await mapLimit(names, 4, (n) => listContainers(c, n.name))).flat();
      const running = all.filter((x) => isLiveTask(x.task?.status)).length;
      if (gen === summaryGen) {
        const changed = containers?.running !== running || containers?.total !== all.length;
        containers = { running, total: all.length };
        // Surfaces show the counts from the status: tell them when the counts move.
        if (changed) emit({ event: 'inside:status', payload: { inside: status, problems } });
        lastRunning = running;
        lastTasks = runningTasks(all);
        for (const key of exited) lastTasks.delete(key);
      }
      return all;
    } finally {
      exitedWhileListing.delete(exited);
    }
  }
  const scheduleSummary = () => {
    if (summaryTimer || disposed) return;
    summaryTimer = setTimeout(() => {
      summaryTimer = null;
      refreshSummary().catch(() => undefined);
    }, SUMMARY_DELAY_MS);
    summaryTimer.unref?.();
  };

  const feed = new EventFeed({
    batchMs: opts.batchMs ?? 16,
    recentLimit: opts.recentLimit ?? 1000,
    onBatch: (events: ContainerdEvent[]) =>
      emit({ event: 'containerd:events', payload: { events } }),
    onEvent: (e) => {
      if (e.topic.startsWith('/tasks/') || e.topic.startsWith('/containers/')) scheduleSummary();
      if (e.topic === '/tasks/exit' && e.containerId && e.pid) {
        const key = taskKey(e.namespace, e.containerId, e.pid);
        exitsSeen.add(key);
        // Reported: no longer a running task an outage could lose the exit of. A hung containerd
        // can deliver it just before it is killed, when the last count still shows the task.
        lastTasks.delete(key);
        for (const set of exitedWhileListing) set.add(key);
        // The shim re-delivered an exit we already reported from the re-list: drop the duplicate.
        if (synthesized.delete(key)) return false;
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
        outageBegins();
        setStatus({
          state: 'connecting',
          listedAt: status.listedAt,
          message: 'containerd connection lost; reconnecting',
        });
        retry(gen);
      });
      if (gen !== connectGen) return;
      await refreshPlugins(c);
      const all = await refreshSummary();
      if (gen !== connectGen) return;
      if (beforeOutage) {
        const lost = lostExits(beforeOutage, all, exitsSeen, Date.now());
        for (const e of lost) synthesized.add(taskKey(e.namespace, e.containerId!, e.pid!));
        feed.inject(lost);
        beforeOutage = null;
      }
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
    }, 500);
    retryTimer.unref?.();
  }

  /** Remember what ran when containerd went away (once per outage, however many steps it takes). */
  function outageBegins() {
    if (beforeOutage) return;
    beforeOutage = lastTasks;
    exitsSeen = new Set();
  }

  function disconnect(state: DaemonState, reason: string) {
    connectGen++;
    outageBegins();
    feed.unsubscribe();
    containers = null;
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

  // ---- command handlers ------------------------------------------------------------------------
  const afterChange = <T>(p: Promise<T>): Promise<T> => p.finally(scheduleSummary);

  const handlers: InsideHandlers = {
    'namespaces:list': async () => ({ namespaces: await listNamespaces(ready()) }),
    'containers:list': async ({ namespace }) => ({
      namespace,
      containers: await listContainers(ready(), namespace),
    }),
    'images:list': async ({ namespace }) => {
      const c = ready();
      const [images, ps] = await Promise.all([
        listImages(c, namespace),
        plugins ? Promise.resolve(plugins) : listPlugins(c),
      ]);
      const snapshotters = ps
        .filter((p) => p.type === 'io.containerd.snapshotter.v1' && p.status === 'ok')
        .map((p) => p.id);
      return {
        namespace,
        images,
        totalSize: images.reduce((n, i) => n + (i.size ?? 0), 0),
        snapshotters: await snapshotUsage(c, namespace, snapshotters),
      };
    },
    'plugins:list': async () => {
      const c = ready();
      await refreshPlugins(c);
      const version = await serverVersion(c).catch(() => null);
      return { plugins: plugins ?? [], problems, version };
    },
    'events:recent': async ({ namespace, limit }) => ({
      events: feed.recent(namespace, limit ?? 200),
    }),
    'task:stop': ({ namespace, id, graceMs }) =>
      afterChange(stopTask(ready(), namespace, id, graceMs ?? settings().stopGraceMs)),
    'task:kill': ({ namespace, id, signal }) =>
      afterChange(killTask(ready(), namespace, id, signal)),
    'container:delete': ({ namespace, id }) => afterChange(deleteContainer(ready(), namespace, id)),
    'image:delete': async ({ namespace, name }) => {
      const c = ready();
      return deleteImage(c, namespace, name, await imageUsers(c, namespace, name));
    },
  };

  return {
    handlers,
    onEvent(fn) {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
    status: () => status,
    summary: () => ({ problems, containers, inside: status }),
    cachedStopNotice: () => notice(containers?.running ?? lastRunning),
    async stopNotice() {
      // A fresh count when containerd answers quickly; else the last one (tasks outlive containerd).
      if (REACHABLE.has(engine.status().state)) {
        await Promise.race([
          refreshSummary().catch(() => undefined),
          new Promise((resolve) => setTimeout(resolve, NOTICE_WAIT_MS).unref?.()),
        ]);
      }
      return notice(containers?.running ?? lastRunning);
    },
    dispose() {
      disposed = true;
      connectGen++;
      offEngine();
      if (summaryTimer) clearTimeout(summaryTimer);
      if (retryTimer) clearTimeout(retryTimer);
      feed.dispose();
      client = null;
      listeners.clear();
    },
  };
}
