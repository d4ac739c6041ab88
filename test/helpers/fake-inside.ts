// A scripted containerd API for CLI tests: the containers, the recent-events ring and the live
// events are the test's, served through the real service and control socket.
import type { ContainerInfo, ContainerdEvent } from '../../common/containerd';
import type { InsideEvent, InsideProvider } from '../../main/containerd/provider';

export interface FakeInside {
  inside: InsideProvider;
  /** What containers:list answers (filtered by namespace). */
  containers: ContainerInfo[];
  /** The recent-events ring behind events:recent, oldest first. */
  recent: ContainerdEvent[];
  /** As containerd's feed does: into the ring, then out to subscribers. */
  emit(...events: ContainerdEvent[]): void;
  /** Out to subscribers only (the feed sends its batches a moment after they enter the ring). */
  send(...events: ContainerdEvent[]): void;
  /** Runs as events:recent is asked, before it answers. */
  onRecent: () => void;
}

export function fakeInside(): FakeInside {
  const fns = new Set<(e: InsideEvent) => void>();
  const unused = async (): Promise<never> => {
    throw new Error('not scripted in this fake');
  };
  const f: FakeInside = {
    containers: [],
    recent: [],
    emit(...events) {
      f.recent.push(...events);
      f.send(...events);
    },
    send(...events) {
      for (const fn of fns) fn({ event: 'containerd:events', payload: { events } });
    },
    onRecent: () => undefined,
    inside: {
      handlers: {
        'namespaces:list': unused,
        'containers:list': async ({ namespace }) => ({
          namespace,
          containers: f.containers.filter((c) => c.namespace === namespace),
        }),
        'images:list': unused,
        'plugins:list': unused,
        'events:recent': async ({ namespace, limit }) => {
          f.onRecent();
          return {
            events: f.recent
              .filter((e) => !namespace || e.namespace === namespace)
              .slice(-(limit ?? 200)),
          };
        },
        'task:stop': unused,
        'task:kill': unused,
        'container:delete': unused,
        'image:delete': unused,
        'container:run': unused,
        'container:start': unused,
        'task:wait': unused,
        'container:logs': unused,
        'container:inspect': unused,
        'tasks:stats': unused,
        'image:pull': unused,
        'image:pull-cancel': unused,
        'image:load': unused,
        'image:load-cancel': unused,
        'image:save': unused,
        'system:df': unused,
        'system:prune': unused,
      },
      onEvent(fn) {
        fns.add(fn);
        return () => fns.delete(fn);
      },
      summary: () => ({
        problems: [],
        containers: null,
        inside: { state: 'connected', listedAt: 1, message: null },
      }),
      stopNotice: async () => null,
    },
  };
  return f;
}
