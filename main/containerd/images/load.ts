// Load an image archive — `docker save` output (manifest.json) or an OCI image layout tar
// (index.json), as `ctr images import` accepts — in one streaming pass: every blob goes into the
// content store under a lease as it passes (digest verified), then the image records are created
// and their layers unpacked. A failure deletes the lease (sync), so nothing of the load stays.
import { createHash, randomBytes } from 'node:crypto';
import { status as GRPC } from '@grpc/grpc-js';
import {
  ContentService,
  WriteAction,
  WriteContentRequest,
} from '../../shared/api/services/content/v1/content';
import { LeasesService } from '../../shared/api/services/leases/v1/leases';
import type { ContainerdClient } from '../client';
import { InsideError } from '../errors';
import { hostPlatform } from '../image-size';
import { readBlob } from '../reads';
import { writeBlob, type WriteScope } from '../pull/content-write';
import { pickManifest, type IndexEntry } from '../pull/platform';
import { applyLayer, putImageRecord, snapshotExists } from '../pull/pull';
import { parseReference } from '../pull/reference';
import { INDEX_TYPES } from '../pull/registry';
import { chainIds } from '../pull/unpack';
import { contentWrite, WRITE_MESSAGE_BYTES } from '../pull/content-write';
import { readTar, TarError } from './tar';

/** index.json, manifest.json and the like are small JSON; more is not an image archive. */
const MAX_META_BYTES = 8 * 1024 * 1024;
const MAX_IMAGES = 1000;
const LEASE_EXPIRE_MS = 3600_000;

export const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';
export const DOCKER_CONFIG = 'application/vnd.docker.container.image.v1+json';

export interface LoadedImage {
  name: string;
  digest: string;
  mediaType: string;
}

export interface LoadResult {
  namespace: string;
  images: LoadedImage[];
  /** Bytes written into the content store (blobs already there are not counted). */
  written: number;
}

export function loadCancelled(): InsideError {
  return new InsideError(
    'cancelled',
    'the load was cancelled; nothing of it was kept',
    'Load the archive again to import it.',
  );
}

export function badArchive(why: string, hint = ''): InsideError {
  return new InsideError(
    'bad-archive',
    `not an image archive: ${why}`,
    hint ||
      'Give a file written by docker save, cdesk save, ctr images export or skopeo copy (docker-archive: or oci-archive:); nothing was loaded.',
  );
}

interface Blob {
  digest: string;
  size: number;
  /** The first bytes, to tell a gzip or zstd layer from a plain tar. */
  head: Buffer;
}

/** docker save's legacy layout: `<id>/layer.tar`, `<id>.json`, `<id>.tar` (skopeo). */
const LEGACY_FILE = /^[0-9a-f]{64}(\/layer\.tar|\.json|\.tar)$/;
const OCI_BLOB = /^blobs\/sha256\/([0-9a-f]{64})$/;
const META_FILES = new Set(['index.json', 'manifest.json', 'oci-layout', 'repositories']);

async function collect(body: AsyncIterable<Buffer>, size: number, name: string): Promise<Buffer> {
  if (size > MAX_META_BYTES)
    throw badArchive(`${name} is ${size} bytes (at most ${MAX_META_BYTES})`);
  const parts: Buffer[] = [];
  for await (const b of body) parts.push(b);
  return Buffer.concat(parts);
}

function parseJson<T>(b: Buffer, name: string): T {
  try {
    return JSON.parse(b.toString('utf8')) as T;
  } catch {
    throw badArchive(`${name} is not valid JSON`);
  }
}

/** Write a blob whose digest is learnt from its bytes (docker's legacy files are named by id, not digest). */
async function writeHashed(
  c: ContainerdClient,
  s: WriteScope,
  body: AsyncIterable<Buffer>,
  size: number,
): Promise<Blob> {
  const o = { namespace: s.namespace, lease: s.lease, signal: s.signal };
  const ref = `import-${randomBytes(8).toString('hex')}`;
  const w = c.duplex(contentWrite, o);
  const hash = createHash('sha256');
  let digest: string | null = null;
  let head = Buffer.alloc(0);
  let pos = 0;
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  const send = async (data: Buffer) => {
    await w.send(
      WriteContentRequest.fromPartial({
        action: WriteAction.WRITE,
        ref,
        offset: String(pos),
        total: String(size),
        data,
      }),
    );
    pos += data.length;
    if (!(await w.next())) throw new Error('containerd ended the write early');
  };
  /** Whole messages of WRITE_MESSAGE_BYTES; the rest waits for more unless this is the end. */
  const flush = async (end: boolean) => {
    const data = Buffer.concat(pending, pendingBytes);
    let at = 0;
    for (; data.length - at >= WRITE_MESSAGE_BYTES; at += WRITE_MESSAGE_BYTES)
      await send(data.subarray(at, at + WRITE_MESSAGE_BYTES));
    if (end && (at < data.length || pos === 0)) {
      await send(data.subarray(at));
      at = data.length;
    }
    pending = at < data.length ? [data.subarray(at)] : [];
    pendingBytes = data.length - at;
  };
  try {
    for await (const b of body) {
      hash.update(b);
      if (head.length < 8) head = Buffer.concat([head, b.subarray(0, 8 - head.length)]);
      pending.push(b);
      pendingBytes += b.length;
      if (pendingBytes >= WRITE_MESSAGE_BYTES) await flush(false);
    }
    await flush(true);
    digest = `sha256:${hash.digest('hex')}`;
    await w.send(
      WriteContentRequest.fromPartial({
        action: WriteAction.COMMIT,
        ref,
        offset: String(pos),
        total: String(size),
        expected: digest,
      }),
    );
    await w.next();
    w.end();
    return { digest, size, head };
  } catch (err) {
    w.cancel();
    if (err instanceof InsideError && err.grpcCode === GRPC.ALREADY_EXISTS) {
      // Present already (found at the first write, or only at the commit once the whole body
      // was hashed): hold it under this lease too.
      if (digest === null) {
        for await (const b of body) hash.update(b);
        digest = `sha256:${hash.digest('hex')}`;
      }
      await c.call(
        LeasesService.addResource,
        { id: s.lease, resource: { id: digest, type: 'content' } },
        { namespace: s.namespace },
      );
      return { digest, size, head };
    }
    await c.call(ContentService.abort, { ref }, { namespace: s.namespace }).catch(() => undefined);
    throw err;
  }
}

function layerType(head: Buffer, oci: boolean): string {
  if (head[0] === 0x1f && head[1] === 0x8b)
    return oci
      ? 'application/vnd.oci.image.layer.v1.tar+gzip'
      : 'application/vnd.docker.image.rootfs.diff.tar.gzip';
  if (head.readUInt32LE(0) === 0xfd2fb528) return 'application/vnd.oci.image.layer.v1.tar+zstd';
  return oci
    ? 'application/vnd.oci.image.layer.v1.tar'
    : 'application/vnd.docker.image.rootfs.diff.tar';
}

/** A tag-only ref.name ("latest") names nothing by itself; a full reference does. */
function imageNameOf(annotations: Record<string, string> | undefined): string | null {
  const full = annotations?.['io.containerd.image.name'];
  const ref = annotations?.['org.opencontainers.image.ref.name'];
  for (const n of [full, ref]) {
    if (!n || /^[\w][\w.-]{0,127}$/.test(n)) continue;
    try {
      return parseReference(n).name;
    } catch {
      continue;
    }
  }
  return null;
}

export interface LoadOptions {
  namespace: string;
  source: AsyncIterable<Buffer | Uint8Array | string>;
  signal: AbortSignal;
  snapshotter?: string;
}

export async function loadArchive(c: ContainerdClient, o: LoadOptions): Promise<LoadResult> {
  const ns = { namespace: o.namespace };
  const snapshotter = o.snapshotter ?? 'overlayfs';
  const created = await c.call(
    LeasesService.create,
    {
      id: `cdesk-load-${randomBytes(8).toString('hex')}`,
      labels: { 'containerd.io/gc.expire': new Date(Date.now() + LEASE_EXPIRE_MS).toISOString() },
    },
    ns,
  );
  const lease = created.lease?.id;
  if (!lease) throw new Error('Leases/Create returned no lease');
  const scope: WriteScope = { namespace: o.namespace, lease, signal: o.signal };
  const callOpts = { namespace: o.namespace, lease, signal: o.signal };
  let written = 0;
  try {
    // ---- one pass over the archive: blobs into the store, the small JSON kept ----------------
    const meta = new Map<string, Buffer>();
    const legacy = new Map<string, Blob>();
    const blobs = new Map<string, number>();
    for await (const e of readTar(o.source)) {
      if (o.signal.aborted) throw loadCancelled();
      if (e.type !== 'file') continue;
      const oci = OCI_BLOB.exec(e.name);
      if (META_FILES.has(e.name)) meta.set(e.name, await collect(e.body, e.size, e.name));
      else if (oci) {
        const digest = `sha256:${oci[1]}`;
        blobs.set(digest, e.size);
        if (await have(c, o.namespace, lease, digest)) continue;
        await writeBlob(
          c,
          scope,
          { digest, size: e.size, ref: `import-${digest}`, labels: {} },
          async () => ({ body: e.body, resumed: false }),
          () => undefined,
        );
        written += e.size;
      } else if (LEGACY_FILE.test(e.name)) {
        const b = await writeHashed(c, scope, e.body, e.size);
        legacy.set(e.name, b);
        blobs.set(b.digest, b.size);
        written += e.size;
      }
    }

    // ---- which images: index.json (OCI) first, else manifest.json (docker save) -----------
    type Root = { name: string; desc: { mediaType: string; digest: string; size: number } };
    const roots: Root[] = [];
    const index = meta.get('index.json');
    const dockerManifest = meta.get('manifest.json');
    if (index) {
      const idx = parseJson<{
        manifests?: (IndexEntry & { annotations?: Record<string, string> })[];
      }>(index, 'index.json');
      if (idx.manifests !== undefined && !Array.isArray(idx.manifests))
        throw badArchive('index.json: manifests is not a list');
      for (const [i, m] of (idx.manifests ?? []).entries()) {
        if (!m || typeof m !== 'object')
          throw badArchive(`index.json: manifests[${i}] is not an object`);
        if (!m.digest || !blobs.has(m.digest))
          throw badArchive(
            `index.json names ${m.digest ?? '(no digest)'}, which is not in the archive`,
          );
        const name = imageNameOf(m.annotations);
        if (name)
          roots.push({
            name,
            desc: { mediaType: m.mediaType ?? '', digest: m.digest, size: Number(m.size) },
          });
      }
    }
    // docker save ≥ 25 writes both; its manifest.json names what index.json may leave unnamed.
    if (!roots.length && dockerManifest) {
      const entries = parseJson<
        { Config?: string; RepoTags?: string[] | null; Layers?: string[] }[]
      >(dockerManifest, 'manifest.json');
      if (!Array.isArray(entries)) throw badArchive('manifest.json is not a list');
      for (const [i, en] of entries.entries()) {
        if (!en || typeof en !== 'object')
          throw badArchive(`manifest.json: entry ${i} is not an object`);
        const config = en.Config ? (legacy.get(en.Config) ?? blobFromPath(en.Config, blobs)) : null;
        if (!config || !Array.isArray(en.Layers))
          throw badArchive(
            `manifest.json names a config ${en.Config ?? '(none)'} that is not in the archive`,
          );
        const layers = en.Layers.map((l) => {
          const b = legacy.get(l) ?? blobFromPath(l, blobs);
          if (!b) throw badArchive(`manifest.json names a layer ${l} that is not in the archive`);
          return b;
        });
        const heads = await Promise.all(
          layers.map(async (l) =>
            l.head.length ? l.head : await readHead(c, o.namespace, l.digest),
          ),
        );
        const body = Buffer.from(
          JSON.stringify({
            schemaVersion: 2,
            mediaType: DOCKER_MANIFEST,
            config: { mediaType: DOCKER_CONFIG, digest: config.digest, size: config.size },
            layers: layers.map((l, i) => ({
              mediaType: layerType(heads[i]!, false),
              digest: l.digest,
              size: l.size,
            })),
          }),
        );
        const digest = `sha256:${createHash('sha256').update(body).digest('hex')}`;
        if (!(await have(c, o.namespace, lease, digest)))
          await writeBlob(
            c,
            scope,
            { digest, size: body.length, ref: `import-${digest}`, labels: {} },
            async () => ({ body: [body], resumed: false }),
            () => undefined,
          );
        blobs.set(digest, body.length);
        for (const tag of en.RepoTags ?? []) {
          let name: string;
          try {
            name = parseReference(tag).name;
          } catch {
            throw badArchive(`manifest.json has a malformed RepoTag "${tag}"`);
          }
          roots.push({ name, desc: { mediaType: DOCKER_MANIFEST, digest, size: body.length } });
        }
      }
    } else if (!index) {
      throw badArchive(
        'it has neither index.json (OCI image layout) nor manifest.json (docker save)',
      );
    }
    if (!roots.length)
      throw badArchive(
        'it names no image (no RepoTags in manifest.json, no io.containerd.image.name or full org.opencontainers.image.ref.name annotation in index.json)',
        'Tag the image when saving it (docker save NAME:TAG, skopeo copy … oci-archive:FILE:NAME:TAG); nothing was loaded.',
      );
    if (roots.length > MAX_IMAGES)
      throw badArchive(`it names ${roots.length} images (at most ${MAX_IMAGES})`);

    // ---- labels (so GC keeps children), unpack, records ---------------------------------------
    const platform = hostPlatform();
    const done = new Set<string>();
    const prepare = async (desc: Root['desc']): Promise<void> => {
      if (done.has(desc.digest)) return;
      done.add(desc.digest);
      const body = await readBlob(c, o.namespace, desc.digest);
      if (INDEX_TYPES.has(desc.mediaType)) {
        const idx = parseJson<{ manifests?: IndexEntry[] }>(body, desc.digest);
        const present = (idx.manifests ?? []).filter((m) => blobs.has(m.digest));
        await label(
          c,
          o.namespace,
          desc.digest,
          Object.fromEntries(
            present.map((m, i) => [`containerd.io/gc.ref.content.m.${i}`, m.digest]),
          ),
        );
        const pick = pickManifest(
          present,
          { os: platform.os, architecture: platform.architecture, variant: platform.variant },
          desc.digest,
        );
        return prepare({
          mediaType: pick.mediaType ?? '',
          digest: pick.digest,
          size: Number(pick.size),
        });
      }
      const m = parseJson<{
        config?: { digest?: string };
        layers?: { mediaType?: string; digest?: string; size?: number }[];
      }>(body, desc.digest);
      const layers = m.layers ?? [];
      if (
        !m.config?.digest ||
        layers.some((l) => !l.digest || !blobs.has(l.digest)) ||
        !blobs.has(m.config.digest)
      )
        throw badArchive(
          `the manifest ${desc.digest} names a config or layer that is not in the archive`,
        );
      const cfg = parseJson<{ rootfs?: { diff_ids?: string[] } }>(
        await readBlob(c, o.namespace, m.config.digest),
        m.config.digest,
      );
      const diffIds = cfg.rootfs?.diff_ids;
      if (!Array.isArray(diffIds) || diffIds.length !== layers.length)
        throw badArchive(
          `the config ${m.config.digest} lists ${Array.isArray(diffIds) ? diffIds.length : 'no'} diff ids for ${layers.length} layers`,
        );
      const chain = chainIds(diffIds);
      let parent = '';
      for (let i = 0; i < layers.length; i++) {
        const l = layers[i]!;
        if (!(await snapshotExists(c, o.namespace, snapshotter, chain[i]!)))
          await applyLayer(c, callOpts, snapshotter, {
            layer: { mediaType: l.mediaType ?? '', digest: l.digest!, size: Number(l.size) },
            diffId: diffIds[i]!,
            chainId: chain[i]!,
            parent,
          });
        await label(c, o.namespace, l.digest!, { 'containerd.io/uncompressed': diffIds[i]! });
        parent = chain[i]!;
      }
      const top = chain[chain.length - 1];
      if (top)
        await label(c, o.namespace, m.config.digest, {
          [`containerd.io/gc.ref.snapshot.${snapshotter}`]: top,
        });
      const refs: Record<string, string> = {
        'containerd.io/gc.ref.content.config': m.config.digest,
      };
      layers.forEach((l, i) => (refs[`containerd.io/gc.ref.content.l.${i}`] = l.digest!));
      await label(c, o.namespace, desc.digest, refs);
    };
    for (const r of roots) await prepare(r.desc);
    // The last moment a cancel is heard: the records below are created all together or not at all.
    if (o.signal.aborted) throw loadCancelled();
    for (const r of roots) {
      await putImageRecord(c, ns, r.name, {
        media_type: r.desc.mediaType,
        digest: r.desc.digest,
        size: String(r.desc.size),
        annotations: {},
      });
    }
    await c.call(LeasesService.delete, { id: lease, sync: false }, ns).catch(() => undefined);
    return {
      namespace: o.namespace,
      images: roots.map((r) => ({
        name: r.name,
        digest: r.desc.digest,
        mediaType: r.desc.mediaType,
      })),
      written,
    };
  } catch (err) {
    // sync: collect now, so nothing of this load stays once the error is reported (the ingests a
    // cancel cut short belong to the lease and go with it).
    await c
      .call(LeasesService.delete, { id: lease, sync: true }, { ...ns, timeoutMs: 60_000 })
      .catch(() => undefined);
    // However the cut showed (the source destroyed, a call aborted), it was the cancel.
    if (o.signal.aborted) throw loadCancelled();
    if (err instanceof TarError) throw badArchive(err.message);
    throw err;
  }
}

/** docker save ≥ 25 writes OCI blobs and a manifest.json naming them by path. */
function blobFromPath(path: string, blobs: Map<string, number>): Blob | null {
  const m = OCI_BLOB.exec(path);
  if (!m) return null;
  const digest = `sha256:${m[1]}`;
  const size = blobs.get(digest);
  return size === undefined ? null : { digest, size, head: Buffer.alloc(0) };
}

async function readHead(c: ContainerdClient, namespace: string, digest: string): Promise<Buffer> {
  const r = await c.collect(
    ContentService.read,
    { digest, offset: '0', size: '8' },
    { namespace, timeoutMs: 10_000 },
  );
  return Buffer.concat(r.map((m) => m.data));
}

async function have(
  c: ContainerdClient,
  namespace: string,
  lease: string,
  digest: string,
): Promise<boolean> {
  try {
    await c.call(ContentService.info, { digest }, { namespace });
  } catch (err) {
    if (err instanceof InsideError && err.grpcCode === GRPC.NOT_FOUND) return false;
    throw err;
  }
  await c.call(
    LeasesService.addResource,
    { id: lease, resource: { id: digest, type: 'content' } },
    { namespace },
  );
  return true;
}

async function label(
  c: ContainerdClient,
  namespace: string,
  digest: string,
  labels: Record<string, string>,
): Promise<void> {
  if (!Object.keys(labels).length) return;
  await c.call(
    ContentService.update,
    {
      info: { digest, size: '0', created_at: undefined, updated_at: undefined, labels },
      update_mask: Object.keys(labels).map((k) => `labels.${k}`),
    },
    { namespace },
  );
}
