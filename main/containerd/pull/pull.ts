// The client-side pull `ctr` does, on containerd 1.6 and 2.x alike: resolve the reference, write
// every blob into the content store under a lease (3 layers at a time), unpack the layers into the
// snapshotter as they arrive, create the image record, release the lease. A failure or a cancel
// deletes the lease (garbage collection then drops what this pull wrote) and creates no image.
import { randomBytes } from 'node:crypto';
import { status as GRPC } from '@grpc/grpc-js';
import type { PullProgress, PullResult } from '../../../common/containerd';
import { ContentService } from '../../shared/api/services/content/v1/content';
import { DiffService } from '../../shared/api/services/diff/v1/diff';
import { ImagesService } from '../../shared/api/services/images/v1/images';
import { LeasesService } from '../../shared/api/services/leases/v1/leases';
import { SnapshotsService } from '../../shared/api/services/snapshots/v1/snapshots';
import type { Credentials } from '../../shared/docker-config';
import type { ContainerdClient } from '../client';
import { InsideError } from '../errors';
import { blobThread, type BlobThreadUse } from './blob-thread';
import type { BlobSourceInit } from './blob-thread-messages';
import { writeBlob, type WriteScope } from './content-write';
import * as z from 'zod';
import { formatPlatform, parsePlatform, pickManifest, type IndexEntry } from './platform';
import { PullTracker } from './progress';
import { parseReference } from './reference';
import { cancelled, INDEX_TYPES, Registry, type Fetched } from './registry';
import { chainIds } from './unpack';

/** Layers downloaded at once, as containerd does. */
const PARALLEL_LAYERS = 3;
/** More layers than overlayfs can mount is not an image (docker stops at 125); it also bounds events. */
const MAX_LAYERS = 500;

// What a pull reads of a manifest and an index: anything else there is the registry's business,
// but these go into URLs, containerd's requests and sizes, so they must be what they claim.
const descriptor = z.looseObject({
  mediaType: z.string().max(255).optional(),
  digest: z.string().regex(/^(sha256:[a-f0-9]{64}|sha384:[a-f0-9]{96}|sha512:[a-f0-9]{128})$/, {
    error: 'not a sha256/384/512 digest',
  }),
  size: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
});
const manifestShape = z.looseObject({
  config: descriptor,
  layers: z.array(descriptor).default([]),
});
const indexShape = z.looseObject({
  manifests: z.array(
    descriptor.extend({
      platform: z
        .looseObject({
          os: z.string().optional(),
          architecture: z.string().optional(),
          variant: z.string().optional(),
        })
        .optional(),
    }),
  ),
});

/** The manifest or index as `shape` reads it, or a registry error naming the bad fields. */
function checked<T extends z.ZodType>(shape: T, f: Fetched, name: string): z.infer<T> {
  const r = shape.safeParse(JSON.parse(f.body.toString('utf8')));
  if (r.success) return r.data;
  const fields = r.error.issues
    .slice(0, 3)
    .map((i) => `${i.path.join('.') || '(top)'}: ${i.message}`);
  throw new InsideError(
    'registry-error',
    `${name}: the manifest ${f.digest} is malformed (${fields.join('; ')})`,
    'The image is malformed; check how it was pushed.',
  );
}
/**
 * A pull streaming more than this (config and layers, as the manifest sizes them) writes them from
 * the pulls' thread: so much garbage in the app's big heap cost ~20 mark-compacts of 30-65 ms per
 * 150 MB. Below it (alpine, busybox…) starting the thread (~100 ms) would cost more than it saves.
 */
const THREAD_PULL_BYTES = 8 * 1024 * 1024;
/** A config blob is small JSON; more is not an image config. */
const MAX_CONFIG_BYTES = 8 * 1024 * 1024;
/** Extracting a big layer takes a while; a hung containerd still ends the call. */
const APPLY_TIMEOUT_MS = 30 * 60_000;
/** The lease outlives a crash this long (so a retry reuses what was written), as ctr's does. */
const LEASE_EXPIRE_MS = 24 * 3600_000;

export interface PullOptions {
  namespace: string;
  ref: string;
  /** os/arch[/variant]; the host's when omitted. */
  platform?: string;
  pullId: string;
  snapshotter?: string;
  /** Registries (host or host:port) reached over plain HTTP besides localhost. */
  insecureRegistries: readonly string[];
  credentials: Credentials | null;
  signal: AbortSignal;
  onProgress: (p: PullProgress) => void;
  progressIntervalMs?: number;
  /** A blob download that receives nothing this long fails (default 60 s). */
  stallTimeoutMs?: number;
  /** Streamed bytes above which the pulls' thread writes them (default THREAD_PULL_BYTES). */
  threadPullBytes?: number;
}

/** localhost, loopback addresses and the insecureRegistries setting speak plain HTTP. */
export function isInsecure(domain: string, listed: readonly string[]): boolean {
  const host = domain.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
  if (host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host)) return true;
  return listed.some((r) => r === domain || r === host);
}

const refKey = (kind: string, digest: string) => `${kind}-${digest}`;

export async function pullImage(c: ContainerdClient, o: PullOptions): Promise<PullResult> {
  const ref = parseReference(o.ref);
  const platform = parsePlatform(o.platform);
  const snapshotter = o.snapshotter ?? 'overlayfs';
  const tracker = new PullTracker(
    { pullId: o.pullId, namespace: o.namespace, ref: ref.name },
    o.onProgress,
    o.progressIntervalMs,
  );
  // One controller for the pull: the caller's cancel, or the first failure, stops every download.
  const ac = new AbortController();
  const onAbort = () => ac.abort();
  o.signal.addEventListener('abort', onAbort, { once: true });
  const insecure = isInsecure(ref.domain, o.insecureRegistries);
  const registry = new Registry(ref, {
    insecure,
    credentials: o.credentials,
    signal: ac.signal,
  });
  const ns = { namespace: o.namespace };
  let lease: string | null = null;
  /** The first failure of a download: the others then stop as "cancelled", which is not the cause. */
  let failure: unknown = null;
  /** The pulls' thread, once the manifest says this pull is big enough to want it. */
  let thread: BlobThreadUse | null = null;
  // The thread's connection is its own: when the app's one to containerd is reset or closed
  // (containerd restarts, the app quits), the downloads end too, as they would on it.
  const untrack = c.channel.track({
    cancel: () => {
      failure ??= new InsideError(
        'containerd-api-unavailable',
        `the connection to containerd (${c.socket}) was closed during the pull`,
        'Pull again once containerd runs: what was written is reused.',
      );
      ac.abort();
    },
  });
  try {
    // ---- resolve: the target, and for an index the platform's manifest ----------------------
    const top = await registry.manifest(ref.digest ?? ref.tag ?? 'latest');
    let manifest: Fetched = top;
    let picked: IndexEntry | null = null;
    if (INDEX_TYPES.has(top.mediaType)) {
      const index = checked(indexShape, top, ref.name);
      picked = pickManifest(index.manifests, platform, ref.name);
      manifest = await registry.manifest(picked.digest, {
        digest: picked.digest,
        size: Number(picked.size),
      });
      if (INDEX_TYPES.has(manifest.mediaType))
        throw new InsideError(
          'registry-error',
          `${ref.name}: the index points at another index (${picked.digest})`,
          'Nested indexes are not supported; pull the inner index by digest.',
        );
    }
    const m = checked(manifestShape, manifest, ref.name);
    const config = m.config;
    const layers = m.layers;
    if (layers.length > MAX_LAYERS)
      throw new InsideError(
        'registry-error',
        `${ref.name}: the manifest ${manifest.digest} lists ${layers.length} layers (at most ${MAX_LAYERS})`,
        'The image is malformed or not meant to run; check how it was built.',
      );
    if (!config?.digest || layers.some((l) => !l.digest || typeof l.size !== 'number'))
      throw new InsideError(
        'registry-error',
        `${ref.name}: the manifest ${manifest.digest} has no config or a layer without digest and size`,
        'The image is malformed; check how it was pushed.',
      );

    const created = await c.call(
      LeasesService.create,
      {
        id: `cdesk-pull-${randomBytes(8).toString('hex')}`,
        labels: {
          'containerd.io/gc.expire': new Date(Date.now() + LEASE_EXPIRE_MS).toISOString(),
        },
      },
      ns,
    );
    lease = created.lease?.id ?? null;
    if (!lease) throw new Error('Leases/Create returned no lease');
    const scope: WriteScope = {
      namespace: o.namespace,
      lease,
      signal: ac.signal,
      stallTimeoutMs: o.stallTimeoutMs,
    };
    const callOpts = { namespace: o.namespace, lease, signal: ac.signal };
    // A big pull's streamed blobs (config, layers) download in the pulls' thread, started now
    // (~100 ms) so that it is ready when the first layer is; a small pull's, like the manifests,
    // are written from here, where starting the thread would take longer than the whole download.
    const streamed = Number(config.size ?? 0) + layers.reduce((a, l) => a + l.size!, 0);
    if (streamed > (o.threadPullBytes ?? THREAD_PULL_BYTES))
      thread = blobThread.open(o.pullId, ac.signal);
    const source: BlobSourceInit = {
      socket: c.channel.socket,
      ref,
      insecure,
      credentials: o.credentials,
      authorization: registry.currentAuthorization,
    };

    tracker.blob(config.digest, Number(config.size ?? 0));
    for (const l of layers) tracker.layer(l.digest!, l.size!);
    tracker.setPhase('downloading');

    /** True when the blob is committed already; it joins this pull's lease until the image holds it. */
    const have = async (digest: string): Promise<boolean> => {
      try {
        await c.call(ContentService.info, { digest }, ns);
      } catch (err) {
        if (err instanceof InsideError && err.grpcCode === GRPC.NOT_FOUND) return false;
        throw err;
      }
      await c.call(
        LeasesService.addResource,
        { id: lease!, resource: { id: digest, type: 'content' } },
        ns,
      );
      return true;
    };
    /** Labels on a blob already present (a parent written by an earlier pull). */
    const label = async (digest: string, labels: Record<string, string>) => {
      if (!Object.keys(labels).length) return;
      await c.call(
        ContentService.update,
        {
          info: { digest, size: '0', created_at: undefined, updated_at: undefined, labels },
          update_mask: Object.keys(labels).map((k) => `labels.${k}`),
        },
        ns,
      );
    };
    /** A small blob (config, manifest, index) whose bytes are already here. */
    const putSmall = async (kind: string, f: Fetched, labels: Record<string, string>) => {
      if (await have(f.digest)) return label(f.digest, labels);
      await writeBlob(
        c,
        scope,
        { digest: f.digest, size: f.size, ref: refKey(kind, f.digest), labels },
        async () => ({ body: [f.body], resumed: false }),
        () => undefined,
      );
    };
    /** A blob streamed from the registry (in the pulls' thread when it runs). */
    const putBlob = async (
      kind: string,
      digest: string,
      size: number,
      labels: Record<string, string>,
      order: number,
    ): Promise<'exists' | 'written'> => {
      if (await have(digest)) {
        await label(digest, labels);
        tracker.present(digest);
        return 'exists';
      }
      const target = { digest, size, ref: refKey(kind, digest), labels };
      const onBytes = (done: number) => tracker.bytes(digest, done);
      if (thread)
        await thread.write(
          source,
          target,
          { namespace: o.namespace, lease: lease!, stallTimeoutMs: o.stallTimeoutMs, order },
          onBytes,
        );
      else
        await writeBlob(
          c,
          scope,
          target,
          async (offset) => {
            const { body, partial } = await registry.blob(digest, offset);
            return { body, resumed: partial };
          },
          onBytes,
        );
      return 'written';
    };

    // ---- layers: 3 downloads at a time; each is unpacked, in order, once it is here ---------
    // The config is written meanwhile (as ctr fetches it beside the layers): only unpacking needs
    // its diff_ids, which name the snapshots.
    const arrived = layers.map(() => deferred<'exists' | 'written'>());
    let next = 0;
    const worker = async () => {
      while (next < layers.length && !ac.signal.aborted) {
        const i = next++;
        const l = layers[i]!;
        tracker.status(l.digest!, 'downloading');
        try {
          arrived[i]!.resolve(await putBlob('layer', l.digest!, l.size!, {}, i));
        } catch (err) {
          // After the abort, the other downloads only end as cancelled: not the cause.
          if (!ac.signal.aborted) failure ??= err;
          arrived[i]!.reject(err);
          ac.abort();
          return;
        }
      }
    };
    const downloads = Promise.all(
      Array.from({ length: Math.min(PARALLEL_LAYERS, layers.length) }, worker),
    ).then(() => {
      if (!ac.signal.aborted) tracker.setPhase('unpacking');
    });
    const configDigest = config.digest;
    const configRead = (async () => {
      // Unpacking needs the config's diff_ids before any layer: it is first in line.
      await putBlob('config', configDigest, Number(config.size ?? 0), {}, -1);
      const configBytes = await readContent(c, o.namespace, configDigest);
      const diffIds = (
        JSON.parse(configBytes.toString('utf8')) as { rootfs?: { diff_ids?: string[] } }
      ).rootfs?.diff_ids;
      if (!Array.isArray(diffIds) || diffIds.length !== layers.length)
        throw new InsideError(
          'registry-error',
          `${ref.name}: the config lists ${Array.isArray(diffIds) ? diffIds.length : 'no'} layer diff ids for ${layers.length} layers`,
          'The image is malformed; check how it was pushed.',
        );
      return diffIds;
    })();
    configRead.catch(() => undefined);
    let diffIds: string[] = [];
    let chain: string[] = [];
    let unpacked = false;
    let parent = '';
    try {
      diffIds = await Promise.race([configRead, aborted(ac.signal)]);
      chain = chainIds(diffIds);
      for (let i = 0; i < layers.length; i++) {
        const l = layers[i]!;
        const got = await Promise.race([arrived[i]!.promise, aborted(ac.signal)]);
        const id = chain[i]!;
        if (await snapshotExists(c, o.namespace, snapshotter, id)) {
          tracker.status(l.digest!, got === 'exists' ? 'exists' : 'done');
        } else {
          tracker.status(l.digest!, 'extracting');
          await applyLayer(c, callOpts, snapshotter, {
            layer: { mediaType: l.mediaType ?? '', digest: l.digest!, size: l.size! },
            diffId: diffIds[i]!,
            chainId: id,
            parent,
          });
          await label(l.digest!, { 'containerd.io/uncompressed': diffIds[i]! });
          tracker.status(l.digest!, 'done');
        }
        parent = id;
      }
      unpacked = true;
    } catch (err) {
      failure ??= err;
      throw err;
    } finally {
      // A failed config or unpack stops the downloads too; their own errors come second.
      if (!unpacked) ac.abort();
      await downloads.catch(() => undefined);
    }
    for (const a of arrived) await a.promise;

    // ---- parents last, each naming its children so garbage collection keeps them ----------
    const topSnapshot = chain[chain.length - 1];
    await label(
      config.digest,
      topSnapshot ? { [`containerd.io/gc.ref.snapshot.${snapshotter}`]: topSnapshot } : {},
    );
    const manifestLabels: Record<string, string> = {
      'containerd.io/gc.ref.content.config': config.digest,
    };
    layers.forEach((l, i) => (manifestLabels[`containerd.io/gc.ref.content.l.${i}`] = l.digest!));
    await putSmall('manifest', manifest, manifestLabels);
    if (picked)
      await putSmall('index', top, { 'containerd.io/gc.ref.content.m.0': manifest.digest });

    // ---- the image record --------------------------------------------------------------------
    const target = {
      media_type: top.mediaType,
      digest: top.digest,
      size: String(top.size),
      annotations: {},
    };
    await putImageRecord(c, ns, ref.name, target);
    // The image holds everything now: the lease can go (no sync: nothing is to be collected).
    await c.call(LeasesService.delete, { id: lease, sync: false }, ns).catch(() => undefined);
    lease = null;
    tracker.finish('done');
    return {
      namespace: o.namespace,
      name: ref.name,
      digest: top.digest,
      mediaType: top.mediaType,
      platform: formatPlatform(platform),
      downloaded: tracker.downloaded,
    };
  } catch (err) {
    const e = o.signal.aborted ? cancelled() : (failure ?? err);
    if (lease) {
      // sync: collect now, so nothing of this pull stays visible once the error is reported.
      await c
        .call(LeasesService.delete, { id: lease, sync: true }, { ...ns, timeoutMs: 60_000 })
        .catch(() => undefined);
    }
    const ce = e instanceof InsideError ? e : null;
    tracker.finish(
      o.signal.aborted ? 'cancelled' : 'failed',
      ce
        ? { code: ce.code, message: ce.message, hint: ce.hint }
        : { code: 'internal', message: String((e as Error)?.message ?? e), hint: '' },
    );
    throw e;
  } finally {
    o.signal.removeEventListener('abort', onAbort);
    untrack();
    thread?.close();
    registry.close();
  }
}

function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  promise.catch(() => undefined);
  return { promise, resolve, reject };
}

/** Rejects with 'cancelled' once the signal fires (a race partner for waits). */
function aborted(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (signal.aborted) reject(cancelled());
    signal.addEventListener('abort', () => reject(cancelled()), { once: true });
  });
}

async function readContent(
  c: ContainerdClient,
  namespace: string,
  digest: string,
): Promise<Buffer> {
  const parts: Buffer[] = [];
  let n = 0;
  await c.stream(
    ContentService.read,
    { digest, offset: '0', size: '0' },
    (m) => {
      n += m.data.length;
      if (n > MAX_CONFIG_BYTES)
        throw new Error(`blob ${digest} is larger than ${MAX_CONFIG_BYTES} bytes`);
      parts.push(m.data);
    },
    { namespace, timeoutMs: 10_000 },
  ).done;
  return Buffer.concat(parts);
}

export async function snapshotExists(
  c: ContainerdClient,
  namespace: string,
  snapshotter: string,
  key: string,
): Promise<boolean> {
  try {
    await c.call(SnapshotsService.stat, { snapshotter, key }, { namespace });
    return true;
  } catch (err) {
    if (err instanceof InsideError && err.grpcCode === GRPC.NOT_FOUND) return false;
    throw err;
  }
}

/** Prepare (parent = the previous chain id) → Diff/Apply → Commit named by the chain id. */
export async function applyLayer(
  c: ContainerdClient,
  o: { namespace: string; lease: string; signal: AbortSignal },
  snapshotter: string,
  l: {
    layer: { mediaType: string; digest: string; size: number };
    diffId: string;
    chainId: string;
    parent: string;
  },
): Promise<void> {
  const key = `extract-${randomBytes(6).toString('hex')} ${l.chainId}`;
  const prepared = await c.call(
    SnapshotsService.prepare,
    { snapshotter, key, parent: l.parent, labels: {} },
    o,
  );
  let committed = false;
  try {
    const applied = await c.call(
      DiffService.apply,
      {
        diff: {
          media_type: l.layer.mediaType,
          digest: l.layer.digest,
          size: String(l.layer.size),
          annotations: {},
        },
        mounts: prepared.mounts,
        payloads: {},
        sync_fs: false,
      },
      { ...o, timeoutMs: APPLY_TIMEOUT_MS },
    );
    if (applied.applied?.digest !== l.diffId)
      throw new InsideError(
        'digest-mismatch',
        `layer ${l.layer.digest}: its uncompressed content hashes to ${applied.applied?.digest ?? '(nothing)'}, the image config says ${l.diffId}`,
        'The image is inconsistent; nothing of this pull was kept.',
      );
    try {
      await c.call(
        SnapshotsService.commit,
        { snapshotter, name: l.chainId, key, labels: {}, parent: '' },
        o,
      );
      committed = true;
    } catch (err) {
      // Another pull committed the same layer meanwhile: theirs is as good as ours.
      if (!(err instanceof InsideError && err.grpcCode === GRPC.ALREADY_EXISTS)) throw err;
    }
  } finally {
    if (!committed)
      await c
        .call(SnapshotsService.remove, { snapshotter, key }, { namespace: o.namespace })
        .catch(() => undefined);
  }
}

/** The image record `name` → `target`: created, or pointed at the new target when it exists. */
export async function putImageRecord(
  c: ContainerdClient,
  ns: { namespace: string },
  name: string,
  target: { media_type: string; digest: string; size: string; annotations: Record<string, string> },
): Promise<void> {
  const image = { name, labels: {}, target, created_at: undefined, updated_at: undefined };
  try {
    await c.call(ImagesService.create, { image, source_date_epoch: undefined }, ns);
  } catch (err) {
    if (!(err instanceof InsideError && err.grpcCode === GRPC.ALREADY_EXISTS)) throw err;
    await c.call(
      ImagesService.update,
      { image, update_mask: ['target'], source_date_epoch: undefined },
      ns,
    );
  }
}
