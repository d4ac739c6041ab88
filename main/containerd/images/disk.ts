// Disk use of a namespace (system:df) and its clean-up (system:prune): stopped containers, then
// dangling (or, with all, unused) images, then containerd's garbage collection, which frees the
// content and snapshots no image, container or lease holds any more.
import { randomBytes } from 'node:crypto';
import type { DiskUsage, PruneResult, ContainerInfo } from '../../../common/containerd';
import { ContentService } from '../../shared/api/services/content/v1/content';
import { ImagesService } from '../../shared/api/services/images/v1/images';
import { LeasesService } from '../../shared/api/services/leases/v1/leases';
import { Kind, SnapshotsService } from '../../shared/api/services/snapshots/v1/snapshots';
import { deleteContainer } from '../actions';
import type { ContainerdClient } from '../client';
import { InsideError } from '../errors';
import { mapLimit } from '../map-limit';
import { listContainers, readBlob } from '../reads';
import { INDEX_TYPES } from '../pull/registry';

const LIVE = new Set(['running', 'paused', 'pausing', 'created', 'unknown', 'not-responding']);
const stopped = (x: ContainerInfo) => !x.task || !LIVE.has(x.task.status);

/** A name without a tag (`repo@sha256:…`): docker's `<none>` image, what prune removes by default. */
export const isDangling = (name: string) => name.includes('@') && !/:[\w][\w.-]*@/.test(name);

interface State {
  images: { name: string; digest: string }[];
  containers: ContainerInfo[];
  content: Map<string, number>;
}

async function readState(c: ContainerdClient, namespace: string): Promise<State> {
  const [imgs, containers, pages] = await Promise.all([
    c.call(ImagesService.list, { filters: [] }, { namespace }),
    listContainers(c, namespace),
    c.collect(ContentService.list, { filters: [] }, { namespace, timeoutMs: 30_000 }),
  ]);
  const content = new Map<string, number>();
  for (const p of pages) for (const i of p.info) content.set(i.digest, Number(i.size));
  return {
    images: imgs.images.map((i) => ({ name: i.name, digest: i.target?.digest ?? '' })),
    containers,
    content,
  };
}

/** The blobs an image target reaches (those present in the store). */
async function reach(
  c: ContainerdClient,
  namespace: string,
  digest: string,
  content: Map<string, number>,
  out: Set<string>,
): Promise<void> {
  if (out.has(digest) || !content.has(digest)) return;
  out.add(digest);
  const body = await readBlob(c, namespace, digest).catch(() => null);
  if (!body) return;
  let m: {
    mediaType?: string;
    manifests?: { digest: string }[];
    config?: { digest: string };
    layers?: { digest: string }[];
  };
  try {
    m = JSON.parse(body.toString('utf8')) as typeof m;
  } catch {
    return;
  }
  if (m.manifests || INDEX_TYPES.has(m.mediaType ?? ''))
    for (const x of m.manifests ?? []) await reach(c, namespace, x.digest, content, out);
  for (const x of [m.config, ...(m.layers ?? [])])
    if (x?.digest && content.has(x.digest)) out.add(x.digest);
}

async function usage(
  c: ContainerdClient,
  namespace: string,
  snapshotter: string,
  key: string,
): Promise<number> {
  try {
    const u = await c.call(SnapshotsService.usage, { snapshotter, key }, { namespace });
    return Number(u.size);
  } catch (err) {
    if (err instanceof InsideError && err.code === 'not-found') return 0;
    throw err;
  }
}

async function committedBytes(
  c: ContainerdClient,
  namespace: string,
  snapshotters: Set<string>,
): Promise<number> {
  let n = 0;
  for (const snapshotter of snapshotters) {
    const pages = await c
      .collect(
        SnapshotsService.list,
        { snapshotter, filters: [] },
        { namespace, timeoutMs: 30_000 },
      )
      .catch(() => []);
    const keys = pages.flatMap((p) =>
      p.info.filter((i) => i.kind === Kind.COMMITTED).map((i) => i.name),
    );
    const sizes = await mapLimit(keys, 16, (k) => usage(c, namespace, snapshotter, k));
    n += sizes.reduce((a, b) => a + b, 0);
  }
  return n;
}

const sum = (m: Map<string, number>, keys?: Iterable<string>) => {
  let n = 0;
  if (!keys) for (const v of m.values()) n += v;
  else for (const k of keys) n += m.get(k) ?? 0;
  return n;
};

export async function diskUsage(c: ContainerdClient, namespace: string): Promise<DiskUsage> {
  const s = await readState(c, namespace);
  const usedNames = new Set(s.containers.map((x) => x.image));
  const used = new Set<string>();
  for (const i of s.images)
    if (usedNames.has(i.name)) await reach(c, namespace, i.digest, s.content, used);
  const snapshotters = new Set([
    'overlayfs',
    ...s.containers.map((x) => x.snapshotter).filter(Boolean),
  ]);
  const writable = await mapLimit(s.containers, 16, (x) =>
    x.snapshotKey
      ? usage(c, namespace, x.snapshotter || 'overlayfs', x.snapshotKey)
      : Promise.resolve(0),
  );
  const contentBytes = sum(s.content);
  return {
    namespace,
    images: {
      count: s.images.length,
      unused: s.images.filter((i) => !usedNames.has(i.name)).length,
      contentBytes,
      unpackedBytes: await committedBytes(c, namespace, snapshotters),
      reclaimableBytes: contentBytes - sum(s.content, used),
    },
    containers: {
      count: s.containers.length,
      running: s.containers.filter((x) => x.task?.status === 'running').length,
      bytes: writable.reduce((a, b) => a + b, 0),
      reclaimableBytes: writable.reduce((a, b, i) => a + (stopped(s.containers[i]!) ? b : 0), 0),
    },
  };
}

export async function prune(
  c: ContainerdClient,
  namespace: string,
  o: { all: boolean; dryRun: boolean },
): Promise<PruneResult> {
  const s = await readState(c, namespace);
  const goContainers = s.containers.filter(stopped);
  const kept = s.containers.filter((x) => !stopped(x));
  const keptNames = new Set(kept.map((x) => x.image));
  const goImages = s.images.filter((i) => !keptNames.has(i.name) && (o.all || isDangling(i.name)));
  const goNames = new Set(goImages.map((i) => i.name));
  // Estimate: content the remaining images do not reach, plus the stopped containers' layers.
  const keep = new Set<string>();
  for (const i of s.images)
    if (!goNames.has(i.name)) await reach(c, namespace, i.digest, s.content, keep);
  const gone = new Set<string>();
  for (const i of goImages) await reach(c, namespace, i.digest, s.content, gone);
  for (const d of keep) gone.delete(d);
  const writable = await mapLimit(goContainers, 16, (x) =>
    x.snapshotKey
      ? usage(c, namespace, x.snapshotter || 'overlayfs', x.snapshotKey)
      : Promise.resolve(0),
  );
  const estimate = sum(s.content, gone) + writable.reduce((a, b) => a + b, 0);
  const result = (bytes: number): PruneResult => ({
    namespace,
    dryRun: o.dryRun,
    containers: goContainers.map((x) => x.id),
    images: goImages.map((i) => i.name),
    bytes,
  });
  if (o.dryRun) return result(estimate);

  const snapshotters = new Set([
    'overlayfs',
    ...s.containers.map((x) => x.snapshotter).filter(Boolean),
  ]);
  const before = sum(s.content) + (await committedBytes(c, namespace, snapshotters));
  for (const x of goContainers) await deleteContainer(c, namespace, x.id);
  for (const i of goImages)
    await c
      .call(ImagesService.delete, { name: i.name, sync: false }, { namespace })
      .catch((err: unknown) => {
        if (!(err instanceof InsideError && err.code === 'not-found')) throw err;
      });
  // Deleting a lease with sync runs containerd's garbage collection before it answers.
  const lease = await c.call(
    LeasesService.create,
    { id: `cdesk-prune-${randomBytes(8).toString('hex')}`, labels: {} },
    { namespace },
  );
  await c.call(
    LeasesService.delete,
    { id: lease.lease!.id, sync: true },
    { namespace, timeoutMs: 120_000 },
  );
  const after = await readState(c, namespace);
  const freed = before - (sum(after.content) + (await committedBytes(c, namespace, snapshotters)));
  return result(Math.max(0, freed + writable.reduce((a, b) => a + b, 0)));
}
