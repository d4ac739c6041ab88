// The inside-containerd commands: one handler each, over the client and what the connection knows.
import { totalmem } from 'node:os';
import type { PluginInfo, Problem } from '../../common/containerd';
import { deleteContainer, deleteImage, killTask, stopTask } from './actions';
import type { ContainerdClient } from './client';
import { containerLogs, inspectContainer, waitTask } from './container-info';
import { runContainer, startContainer, type RunContext } from './run';
import type { AutoRemove } from './auto-remove';
import type { EventFeed } from './event-feed';
import type { Caller, InsideHandlers } from './provider';
import { diskUsage, prune } from './images/disk';
import { saveFile } from './images/files';
import type { Loads } from './images/loads';
import type { Pulls } from './pull/pulls';
import { imageUsers, listContainers, listNamespaces, readImagesList, serverVersion } from './reads';
import { readTaskStats } from './stats';
import { holdMonitor, markExplicitStart, markExplicitStop } from './restart-policy';
import { getContainer } from './container-info';

export interface HandlerDeps {
  /** The client when containerd may answer; throws a clear error otherwise. */
  ready(): ContainerdClient;
  /** Plugins as last listed (null before the first list). */
  plugins(): PluginInfo[] | null;
  /** List plugins again and re-derive the problems. */
  refreshPlugins(c: ContainerdClient): Promise<void>;
  problems(): Problem[];
  feed: EventFeed;
  /** task:stop's default grace. */
  stopGraceMs(): number | undefined;
  /** An action that changes containers: the counts are re-read after it settles. */
  changed(): void;
  /** Where containers this app runs keep runc state and logs (from the engine's paths and settings). */
  runContext(): RunContext;
  pulls: Pulls;
  loads: Loads;
  /** Removes --rm containers once they exit (an attached caller's only once it has gone). */
  autoRemove: AutoRemove;
}

/** `work`, with `cancel` called if its caller's connection closes before it settles. */
export function whileThere<T>(
  caller: Caller | undefined,
  work: Promise<T>,
  cancel: () => void,
): Promise<T> {
  if (!caller) return work;
  if (caller.gone.aborted) cancel();
  else caller.gone.addEventListener('abort', cancel, { once: true });
  return work.finally(() => caller.gone.removeEventListener('abort', cancel));
}

export function createHandlers(d: HandlerDeps): InsideHandlers {
  const afterChange = <T>(p: Promise<T>): Promise<T> => p.finally(() => d.changed());
  return {
    'namespaces:list': async () => ({ namespaces: await listNamespaces(d.ready()) }),
    'tasks:stats': async ({ namespace, ids }) => ({
      namespace,
      stats: await readTaskStats(d.ready(), namespace, ids ?? []),
      hostMemory: totalmem(),
    }),
    'containers:list': async ({ namespace }) => ({
      namespace,
      containers: await listContainers(d.ready(), namespace),
    }),
    'images:list': async ({ namespace }) => readImagesList(d.ready(), namespace, d.plugins()),
    'plugins:list': async () => {
      const c = d.ready();
      await d.refreshPlugins(c);
      const version = await serverVersion(c).catch(() => null);
      return { plugins: d.plugins() ?? [], problems: d.problems(), version };
    },
    'events:recent': async ({ namespace, limit }) => ({
      events: d.feed.recent(namespace, limit ?? 200),
    }),
    'task:stop': ({ namespace, id, graceMs }) =>
      afterChange(
        (async () => {
          const c = d.ready();
          // Before the signal: the exit must not look like a crash to the restart policy.
          await markExplicitStop(c, namespace, id);
          return stopTask(c, namespace, id, graceMs ?? d.stopGraceMs());
        })(),
      ),
    'task:kill': ({ namespace, id, signal }) =>
      afterChange(killTask(d.ready(), namespace, id, signal)),
    'container:delete': ({ namespace, id }) =>
      afterChange(
        deleteContainer(d.ready(), namespace, id, d.runContext()).then((r) => {
          // Not on the delete event: that can arrive after a new run of the same name claimed it.
          d.autoRemove.forget(namespace, id);
          return r;
        }),
      ),
    'container:run': (p, caller) =>
      afterChange(
        runContainer(
          d.ready(),
          d.runContext(),
          p,
          p.rm
            ? (ns, id) => d.autoRemove.running(ns, id, p.attached ? caller?.gone : undefined)
            : undefined,
        ),
      ),
    'container:start': ({ namespace, id }) =>
      afterChange(
        (async () => {
          const c = d.ready();
          const ct = await getContainer(c, namespace, id);
          await holdMonitor(c, namespace, ct);
          // A start that fails leaves the monitor off: it would retry a broken container forever.
          const r = await startContainer(c, namespace, id, d.runContext());
          await markExplicitStart(c, namespace, ct);
          return r;
        })(),
      ),
    'task:wait': ({ namespace, id, timeoutMs }) => waitTask(d.ready(), namespace, id, timeoutMs),
    'container:logs': (p) => containerLogs(d.ready(), p),
    'container:inspect': ({ namespace, id }) => inspectContainer(d.ready(), namespace, id),
    'image:delete': async ({ namespace, name }) => {
      const c = d.ready();
      return deleteImage(c, namespace, name, await imageUsers(c, namespace, name));
    },
    // A caller that goes mid-pull or mid-load (its cdesk killed, its terminal closed) cancels it:
    // nothing keeps working for nobody.
    'image:pull': (p, caller) =>
      whileThere(caller, d.pulls.pull(p), () => d.pulls.cancel(p.pullId)),
    'image:pull-cancel': async ({ pullId }) => d.pulls.cancel(pullId),
    'image:load': (p, caller) =>
      afterChange(whileThere(caller, d.loads.load(p), () => p.loadId && d.loads.cancel(p.loadId))),
    'image:load-cancel': async ({ loadId }) => d.loads.cancel(loadId),
    'image:save': ({ namespace, names, path }) => saveFile(d.ready(), namespace, names, path),
    'system:df': ({ namespace }) => diskUsage(d.ready(), namespace),
    'system:prune': ({ namespace, all, dryRun }) =>
      afterChange(prune(d.ready(), namespace, { all: all === true, dryRun: dryRun === true })),
  };
}
