// What containerd holds, read over its API: namespaces, containers + tasks, images + sizes, snapshot usage, plugins, version.
import type {
  ContainerInfo,
  ContainerdVersion,
  ImageInfo,
  NamespaceInfo,
  PluginInfo,
  SnapshotterUsage,
} from '../../common/containerd';
import { status as grpcStatus } from '@grpc/grpc-js';
import {
  ContainersService,
  ListContainersRequest,
  type Container,
} from '../shared/api/services/containers/v1/containers';
import { ReadContentRequest, ContentService } from '../shared/api/services/content/v1/content';
import { ImagesService, ListImagesRequest } from '../shared/api/services/images/v1/images';
import {
  IntrospectionService,
  PluginsRequest,
} from '../shared/api/services/introspection/v1/introspection';
import {
  ListNamespacesRequest,
  NamespacesService,
  type Namespace,
} from '../shared/api/services/namespaces/v1/namespace';
import {
  ListSnapshotsRequest,
  SnapshotsService,
  UsageRequest,
} from '../shared/api/services/snapshots/v1/snapshots';
import { ListTasksRequest, TasksService } from '../shared/api/services/tasks/v1/tasks';
import { VersionService } from '../shared/api/services/version/v1/version';
import { Empty } from '../shared/api/google/protobuf/empty';
import type { ContainerdClient } from './client';
import { InsideError } from './errors';
import { imageSize } from './image-size';
import { readStartedAt } from '../engine/proc';
import { joinContainers, toMs, toPluginInfo } from './map';
import { mapLimit } from './map-limit';

/**
 * Tasks/List waits ~2 s per hung shim before giving up on it (UNKNOWN, pid 0); the deadline
 * leaves room for a couple of those, then the whole list fails clearly instead of hanging.
 */
const TASKS_TIMEOUT_MS = 8_000;
/** A manifest or index bigger than this is not an image we can size (real ones are a few KB). */
const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

export async function listNamespaceNames(c: ContainerdClient): Promise<Namespace[]> {
  const r = await c.call(NamespacesService.list, ListNamespacesRequest.create());
  return r.namespaces.sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * Containers/List in one message (~3 KB a container, the OCI spec being most of it); past
 * containerd's 16 MiB message limit, fall back to ListStream (one message per container).
 */
async function listContainerMessages(c: ContainerdClient, namespace: string): Promise<Container[]> {
  try {
    const r = await c.call(ContainersService.list, ListContainersRequest.create(), { namespace });
    return r.containers;
  } catch (err) {
    if (!(err instanceof InsideError && err.grpcCode === grpcStatus.RESOURCE_EXHAUSTED)) throw err;
    const msgs = await c.collect(ContainersService.listStream, ListContainersRequest.create(), {
      namespace,
      timeoutMs: 30_000,
    });
    return msgs.flatMap((m) => (m.container ? [m.container] : []));
  }
}

export async function listNamespaces(c: ContainerdClient): Promise<NamespaceInfo[]> {
  const names = await listNamespaceNames(c);
  return mapLimit(names, 4, async (n) => {
    const [cs, is] = await Promise.all([
      listContainerMessages(c, n.name),
      c.call(ImagesService.list, ListImagesRequest.create(), { namespace: n.name }),
    ]);
    return {
      name: n.name,
      labels: n.labels ?? {},
      containers: cs.length,
      images: is.images.length,
    };
  });
}

/**
 * `startedAt` reads a task's start time from its pid: this host's /proc by default; a containerd on
 * another machine passes one that knows nothing (its pids are not ours).
 */
export async function listContainers(
  c: ContainerdClient,
  namespace: string,
  startedAt: (pid: number) => number | null = readStartedAt,
): Promise<ContainerInfo[]> {
  const [cs, ts] = await Promise.all([
    listContainerMessages(c, namespace),
    c.call(TasksService.list, ListTasksRequest.create(), {
      namespace,
      timeoutMs: TASKS_TIMEOUT_MS,
    }),
  ]);
  // containerd's Tasks API has no start time; the task's process (on this host) does.
  return joinContainers(namespace, cs, ts.tasks, startedAt);
}

/** Read a whole blob from the content store, refusing more than `max` bytes. */
export async function readBlob(
  c: ContainerdClient,
  namespace: string,
  digest: string,
  max = MAX_MANIFEST_BYTES,
): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  let total = 0;
  const h = c.stream(
    ContentService.read,
    ReadContentRequest.create({ digest }),
    (m) => {
      total += m.data.length;
      if (total > max) throw new Error(`blob ${digest} is larger than ${max} bytes`);
      parts.push(m.data);
    },
    { namespace, timeoutMs: 10_000 },
  );
  await h.done;
  return Buffer.concat(parts);
}

/** Ids of the namespace's containers using image `name`, sorted (no Tasks/List: only the image matters). */
export async function imageUsers(
  c: ContainerdClient,
  namespace: string,
  name: string,
): Promise<string[]> {
  const cs = await listContainerMessages(c, namespace);
  return cs
    .filter((x) => x.image === name)
    .map((x) => x.id)
    .sort((a, b) => a.localeCompare(b));
}

export async function listImages(c: ContainerdClient, namespace: string): Promise<ImageInfo[]> {
  const [is, cs] = await Promise.all([
    c.call(ImagesService.list, ListImagesRequest.create(), { namespace }),
    listContainerMessages(c, namespace),
  ]);
  const usedBy = new Map<string, string[]>();
  for (const ct of [...cs].sort((a, b) => a.id.localeCompare(b.id)))
    usedBy.set(ct.image, [...(usedBy.get(ct.image) ?? []), ct.id]);
  const images = await mapLimit(is.images, 8, async (im): Promise<ImageInfo> => {
    let size: number | null = null;
    if (im.target) {
      try {
        size = await imageSize(im.target, (d) => readBlob(c, namespace, d));
      } catch {
        size = null; // a missing or unreadable blob: show the image, without a size
      }
    }
    return {
      namespace,
      name: im.name,
      digest: im.target?.digest ?? '',
      mediaType: im.target?.media_type ?? '',
      createdAt: toMs(im.created_at) ?? 0,
      updatedAt: toMs(im.updated_at) ?? 0,
      size,
      usedBy: usedBy.get(im.name) ?? [],
    };
  });
  return images.sort((a, b) => a.name.localeCompare(b.name));
}

export async function listPlugins(c: ContainerdClient): Promise<PluginInfo[]> {
  const r = await c.call(IntrospectionService.plugins, PluginsRequest.create());
  return r.plugins.map(toPluginInfo);
}

export async function serverVersion(c: ContainerdClient): Promise<ContainerdVersion> {
  const r = await c.call(VersionService.version, Empty.create());
  return { version: r.version, revision: r.revision };
}

/** images:list's answer: the images, their total size and each loaded snapshotter's disk use. */
export async function readImagesList(
  c: ContainerdClient,
  namespace: string,
  knownPlugins: PluginInfo[] | null,
): Promise<{
  namespace: string;
  images: ImageInfo[];
  totalSize: number;
  snapshotters: SnapshotterUsage[];
}> {
  const [images, ps] = await Promise.all([
    listImages(c, namespace),
    knownPlugins ? Promise.resolve(knownPlugins) : listPlugins(c),
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
}

/** Disk usage of the namespace's snapshots, per snapshotter that loaded (Usage with bounded concurrency). */
export async function snapshotUsage(
  c: ContainerdClient,
  namespace: string,
  snapshotters: string[],
): Promise<SnapshotterUsage[]> {
  return mapLimit(snapshotters, 2, async (snapshotter) => {
    try {
      const pages = await c.collect(
        SnapshotsService.list,
        ListSnapshotsRequest.create({ snapshotter }),
        { namespace, timeoutMs: 10_000 },
      );
      const keys = pages.flatMap((p) => p.info.map((i) => i.name));
      let bytes = 0;
      let inodes = 0;
      await mapLimit(keys, 16, async (key) => {
        try {
          const u = await c.call(
            SnapshotsService.usage,
            UsageRequest.create({ snapshotter, key }),
            {
              namespace,
            },
          );
          bytes += Number(u.size);
          inodes += Number(u.inodes);
        } catch (err) {
          // A snapshot removed between List and Usage is not an error worth showing.
          if (!(err instanceof InsideError && err.code === 'not-found')) throw err;
        }
      });
      return { snapshotter, bytes, inodes, snapshots: keys.length };
    } catch (err) {
      if (
        err instanceof InsideError &&
        (err.code === 'containerd-api-unavailable' || err.code === 'containerd-timeout')
      )
        throw err;
      return { snapshotter, bytes: null, inodes: null, snapshots: 0 };
    }
  });
}
