// Fetching the inside lists (and the daemon's status) into the state; each list call runs one at a time.
import type { ContractError, Result } from '../../../common/contract';
import type { ContainerInfo, NamespaceInfo } from '../../../common/containerd';
import { call } from './inside-call';
import { mergeRecentEvents } from './inside-events';
import { ALL_NAMESPACES, type ImagesResult, type InsideCore, type ListPart } from './inside-state';
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

  /** Every namespace's name, from the list we have or a fresh one. */
  private async namespaceNames(): Promise<Result<string[]>> {
    const known = this.core.getState().namespaces;
    if (known) return { ok: true, value: known.map((n) => n.name) };
    const r = await call(this.core.client, 'namespaces:list', {});
    if (!r.ok) return r;
    this.core.set(() => ({ namespaces: r.value.namespaces }));
    return { ok: true, value: r.value.namespaces.map((n) => n.name) };
  }

  /** One namespace's list, or every namespace's (a call each) for "All namespaces". */
  private async perNamespace<T>(
    namespace: string,
    one: (ns: string) => Promise<Result<T>>,
  ): Promise<Result<T[]>> {
    if (namespace !== ALL_NAMESPACES) {
      const r = await one(namespace);
      return r.ok ? { ok: true, value: [r.value] } : r;
    }
    const names = await this.namespaceNames();
    if (!names.ok) return names;
    const all = await Promise.all(names.value.map(one));
    const failed = all.find((r): r is { ok: false; error: ContractError } => !r.ok);
    if (failed) return failed;
    return { ok: true, value: all.map((r) => (r as { ok: true; value: T }).value) };
  }

  /** Images of every namespace as one list: sizes and snapshotter use summed. */
  allImages(): Promise<Result<ImagesResult>> {
    return this.imagesOf(ALL_NAMESPACES);
  }

  private async imagesOf(namespace: string): Promise<Result<ImagesResult>> {
    const r = await this.perNamespace(namespace, (ns) =>
      call(this.core.client, 'images:list', { namespace: ns }),
    );
    if (!r.ok) return r;
    if (namespace !== ALL_NAMESPACES) return { ok: true, value: r.value[0]! };
    const snapshotters = new Map<string, ImagesResult['snapshotters'][number]>();
    for (const part of r.value)
      for (const s of part.snapshotters) {
        const had = snapshotters.get(s.snapshotter);
        const sum = (a: number | null, b: number | null) =>
          a === null || b === null ? null : a + b;
        snapshotters.set(
          s.snapshotter,
          had
            ? {
                ...had,
                bytes: sum(had.bytes, s.bytes),
                inodes: sum(had.inodes, s.inodes),
                snapshots: had.snapshots + s.snapshots,
              }
            : s,
        );
      }
    return {
      ok: true,
      value: {
        namespace,
        images: r.value.flatMap((p) => p.images),
        totalSize: r.value.reduce((n, p) => n + p.totalSize, 0),
        snapshotters: [...snapshotters.values()],
      },
    };
  }

  containers(): Promise<void> {
    return this.relister.once('containers', async () => {
      const namespace = this.core.getState().namespace;
      this.core.set((s) => ({ containers: { ...s.containers, loading: true } }));
      const lists = await this.perNamespace(namespace, (ns) =>
        call(this.core.client, 'containers:list', { namespace: ns }),
      );
      const r: Result<{ containers: ContainerInfo[] }> = lists.ok
        ? { ok: true, value: { containers: lists.value.flatMap((l) => l.containers) } }
        : lists;
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
      const r = await this.imagesOf(namespace);
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
