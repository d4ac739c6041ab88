// Fetching the inside lists (and the daemon's status) into the state; each list call runs one at a time.
import type { NamespaceInfo } from '../../../common/containerd';
import { call } from './inside-call';
import { mergeRecentEvents } from './inside-events';
import type { InsideCore, ListPart } from './inside-state';
import type { Relister } from './relist';

export type LoadKey = ListPart | 'namespaces';

export class InsideLoaders {
  constructor(
    private readonly core: InsideCore,
    private readonly relister: Relister<LoadKey | 'fresh'>,
  ) {}

  list(part: ListPart): Promise<void> {
    if (part === 'containers') return this.containers();
    if (part === 'images') return this.images();
    return this.plugins();
  }

  async daemon(): Promise<void> {
    const r = await call(this.core.client, 'daemon:status', {});
    if (r.ok) this.core.set(() => ({ daemon: r.value }));
  }

  namespaces(): Promise<void> {
    return this.relister.once('namespaces', async () => {
      const r = await call(this.core.client, 'namespaces:list', {});
      if (r.ok) this.core.set(() => ({ namespaces: r.value.namespaces }));
    });
  }

  async recentEvents(): Promise<void> {
    const r = await call(this.core.client, 'events:recent', { limit: 1000 });
    if (r.ok) this.core.set((s) => mergeRecentEvents(s, r.value.events));
  }

  containers(): Promise<void> {
    return this.relister.once('containers', async () => {
      const namespace = this.core.getState().namespace;
      this.core.set((s) => ({ containers: { ...s.containers, loading: true } }));
      const r = await call(this.core.client, 'containers:list', { namespace });
      // The user switched namespace meanwhile: this list belongs to no page any more.
      if (namespace !== this.core.getState().namespace) return;
      this.core.set((s) => ({
        containers: r.ok
          ? { value: r.value.containers, error: null, loading: false, namespace }
          : { ...s.containers, error: r.error, loading: false },
        ...(r.ok && s.namespaces
          ? { namespaces: withCount(s.namespaces, namespace, r.value.containers.length) }
          : {}),
      }));
    });
  }

  images(): Promise<void> {
    return this.relister.once('images', async () => {
      const namespace = this.core.getState().namespace;
      this.core.set((s) => ({ images: { ...s.images, loading: true } }));
      const r = await call(this.core.client, 'images:list', { namespace });
      if (namespace !== this.core.getState().namespace) return;
      this.core.set((s) => ({
        images: r.ok
          ? { value: r.value, error: null, loading: false, namespace }
          : { ...s.images, error: r.error, loading: false },
      }));
    });
  }

  plugins(): Promise<void> {
    return this.relister.once('plugins', async () => {
      this.core.set((s) => ({ plugins: { ...s.plugins, loading: true } }));
      const r = await call(this.core.client, 'plugins:list', {});
      this.core.set((s) => ({
        plugins: r.ok
          ? { value: r.value, error: null, loading: false, namespace: '' }
          : { ...s.plugins, error: r.error, loading: false },
        // Without inside:status events (older app) the plugin list is where problems come from.
        ...(r.ok && !s.inside ? { problems: r.value.problems } : {}),
      }));
    });
  }
}

function withCount(list: NamespaceInfo[], name: string, containers: number): NamespaceInfo[] {
  const i = list.findIndex((n) => n.name === name);
  if (i < 0 || list[i]!.containers === containers) return list;
  const next = list.slice();
  next[i] = { ...list[i]!, containers };
  return next;
}
