// The read side of a containerd the app does not own (an agentless host's, reached over ssh): the
// read-only commands over the app's API code, its live events and a synthesized status; nothing it
// does changes that containerd (no marker events, no clean-ups, no /proc of this machine).
import type { AnyEvent, CommandPayload, CommandResults } from '../../common/contract';
import type { ContainerdEvent, InsideStatus, PluginInfo, Problem } from '../../common/containerd';
import type { AGENTLESS_READ_COMMANDS } from '../../common/hosts';
import type { DaemonStatus } from '../../common/states';
import { AppError } from '../shared/app-error';
import type { ContainerdClient } from './client';
import { inspectContainer, waitTask } from './container-info';
import { ContainerCounts } from './counts';
import { EventFeed } from './event-feed';
import { deriveProblems } from './problems';
import {
  listContainers,
  listNamespaces,
  listPlugins,
  readImagesList,
  serverVersion,
} from './reads';
import { readTaskStats } from './stats';

export type ReadCommand = (typeof AGENTLESS_READ_COMMANDS)[number];
/** What the read-only client answers with, per command it serves. */
export type ReadHandlers = {
  [C in ReadCommand]: (payload: CommandPayload<C>) => Promise<CommandResults[C]>;
};

/**
 * The read side of the containerd `c` reaches (no ssh here: connectAgentless and tests give it).
 * `lost` is called once when containerd's event stream ends (it went away or restarted).
 */
export async function readOnlyContainerd(
  c: ContainerdClient,
  o: {
    /** How messages name the host ("node1 (ssh://…)"). */
    where: string;
    host: string;
    /** The socket's path on that host. */
    socket: string;
    /** Events are batched this long before 'containerd:events' goes out (default 16 ms). */
    batchMs?: number;
    lost(err: AppError): void;
  },
) {
  const remoteSocket = o.socket;
  const connectedAt = Date.now();
  const listeners = new Set<(e: AnyEvent) => void>();
  const emit = (e: AnyEvent) => {
    for (const fn of [...listeners]) {
      try {
        fn(e);
      } catch {
        // one listener's bug must not stop the feed for the others
      }
    }
  };
  let plugins: PluginInfo[] | null = null;
  let problems: Problem[] = [];
  let inside: InsideStatus = { state: 'connecting', listedAt: null, message: null };
  const setInside = (next: InsideStatus) => {
    inside = next;
    emit({ event: 'inside:status', payload: { inside, problems } });
  };
  const ready = () => c;
  // Its tasks' pids are another machine's: nothing is read from this one's /proc.
  const noStartTime = () => null;
  const counts = new ContainerCounts({
    ready,
    onChange: () => setInside(inside),
    startedAt: noStartTime,
  });
  const feed = new EventFeed({
    batchMs: o.batchMs ?? 16,
    recentLimit: 1000,
    onBatch: (events: ContainerdEvent[]) =>
      emit({ event: 'containerd:events', payload: { events } }),
    onEvent: (e) => {
      if (e.topic.startsWith('/tasks/') || e.topic.startsWith('/containers/')) counts.schedule();
    },
  });
  const refreshPlugins = async () => {
    plugins = await listPlugins(c);
    // The node's own settings are unknown here: CRI/CNI advice about our settings would mislead.
    problems = deriveProblems(plugins, { cri: 'off', cniConfigured: null });
  };

  // No marker: publishing into another's containerd is a write; its first events may be missed,
  // which the lists read right after cover.
  await feed.subscribe(
    c,
    () =>
      o.lost(
        new AppError(
          'containerd-api-unavailable',
          `containerd on ${o.where} stopped answering at ${remoteSocket} (it stopped or restarted)`,
          'The host is reconnected by itself; if it stays down, check containerd there (systemctl status containerd).',
        ),
      ),
    { marker: false },
  );
  // containerd says nothing when a subscription is live; a round trip after it narrows the window
  // in which an event is missed (the lists read afterwards show its outcome anyway).
  await serverVersion(c);
  // Counts and plugins are read on the first status, not here: a one-shot `cdesk -H node ps` needs
  // neither, and each is a round trip (counts: every namespace's containers) over ssh.
  setInside({ state: 'connected', listedAt: Date.now(), message: null });

  const handlers: ReadHandlers = {
    'daemon:status': async () => {
      if (plugins === null) await refreshPlugins();
      if (counts.counts === null) await counts.refresh();
      const t0 = performance.now();
      const version = await serverVersion(c);
      const at = Date.now();
      const status: DaemonStatus = {
        state: 'running',
        reason: `containerd answers at ${remoteSocket} on ${o.host} (agentless, read-only)`,
        code: 'agentless',
        pid: null,
        adopted: false,
        runningSince: connectedAt,
        since: connectedAt,
        restarts: 0,
        lastExit: null,
        lastHealth: { at, ok: true, result: 'SERVING', latencyMs: performance.now() - t0 },
        version,
        hint: null,
        retryInMs: null,
        problems,
        containers: counts.counts,
        paths: { socket: remoteSocket, config: '', pidfile: '', log: '', root: '', state: '' },
      };
      return status;
    },
    'namespaces:list': async () => ({ namespaces: await listNamespaces(c) }),
    'containers:list': async ({ namespace }) => ({
      namespace,
      containers: await listContainers(c, namespace, noStartTime),
    }),
    'images:list': async ({ namespace }) => readImagesList(c, namespace, plugins),
    'plugins:list': async () => {
      await refreshPlugins();
      const version = await serverVersion(c).catch(() => null);
      return { plugins: plugins ?? [], problems, version };
    },
    'events:recent': async ({ namespace, limit }) => ({
      events: feed.recent(namespace, limit ?? 200),
    }),
    // The host's memory is not known over containerd's API: 0 (surfaces then show no percentage).
    'tasks:stats': async ({ namespace, ids }) => ({
      namespace,
      stats: await readTaskStats(c, namespace, ids ?? []),
      hostMemory: 0,
    }),
    'container:inspect': ({ namespace, id }) => inspectContainer(c, namespace, id),
    'task:wait': ({ namespace, id, timeoutMs }) => waitTask(c, namespace, id, timeoutMs),
  };

  return {
    handlers,
    listeners,
    dispose() {
      counts.dispose();
      feed.dispose();
      listeners.clear();
    },
  };
}
