// image:load and image:save against a file the app opens itself. These commands are served only on
// the 0600 control socket, whose peer is the app's own user, so opening the path the CLI named is
// what that user could do anyway (stdin reaches the app as /proc/<cli pid>/fd/0).
import { constants, createReadStream, open as fsOpen } from 'node:fs';
import net from 'node:net';
import { open, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { InsideCommandResults } from '../../../common/containerd-commands';
import type { LoadResult } from '../../../common/containerd';
import { ContentService } from '../../shared/api/services/content/v1/content';
import { ImagesService } from '../../shared/api/services/images/v1/images';
import type { ContainerdClient } from '../client';
import { InsideError } from '../errors';
import { hostPlatform } from '../image-size';
import { readBlob } from '../reads';
import { pickManifest, type IndexEntry } from '../pull/platform';
import { parseReference } from '../pull/reference';
import { INDEX_TYPES } from '../pull/registry';
import { loadArchive, loadCancelled } from './load';
import { writeTar } from './tar';

/** Bytes per Content/Read while saving: what waits for the disk stays bounded. */
const READ_PIECE = 4 * 1024 * 1024;

function fileError(path: string, err: unknown, doing: string): InsideError {
  const code = (err as NodeJS.ErrnoException)?.code ?? '';
  return new InsideError(
    'file-access',
    `cannot ${doing} ${path}: ${code || (err as Error)?.message || String(err)}`,
    code === 'ENOENT'
      ? 'Check the path; it is read on the machine running the app.'
      : code === 'EACCES' || code === 'EPERM'
        ? "The app's user cannot access it; choose a file that user can read or a folder it can write."
        : 'Check the path and the free space.',
  );
}

/**
 * Load the archive at `path`. `signal` cancels it: the source is closed at once (a FIFO waiting
 * for its writer must not hold the load), and loadArchive drops what was written.
 */
export async function loadFile(
  c: ContainerdClient,
  namespace: string,
  path: string,
  signal: AbortSignal = new AbortController().signal,
): Promise<LoadResult> {
  if (signal.aborted) throw loadCancelled();
  // A FIFO or pipe (stdin piped in is /proc/PID/fd/0): opened without blocking and read as a
  // socket is, by the event loop. A blocking open() waits in one of Node's four file-system
  // threads until a writer comes (never, for a FIFO nobody writes to), and reads wait there too;
  // four of them would stall every file operation of the app.
  const kind = await stat(path).catch((err: unknown) => {
    throw fileError(path, err, 'open');
  });
  if (kind.isFIFO()) {
    const fd = await new Promise<number>((resolve, reject) =>
      fsOpen(path, constants.O_RDONLY | constants.O_NONBLOCK, (err, d) =>
        err ? reject(fileError(path, err, 'open')) : resolve(d),
      ),
    );
    const pipe = new net.Socket({ fd, readable: true, writable: false });
    const onAbort = () => pipe.destroy(loadCancelled());
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      return await loadArchive(c, { namespace, source: pipe, signal });
    } finally {
      signal.removeEventListener('abort', onAbort);
      pipe.destroy();
    }
  }
  const fh = await open(path, 'r').catch((err: unknown) => {
    throw fileError(path, err, 'open');
  });
  const st = await fh.stat();
  if (st.isDirectory()) {
    await fh.close();
    throw new InsideError(
      'file-access',
      `${path} is a directory`,
      'Give the archive file (a .tar).',
    );
  }
  const stream = createReadStream(path, { fd: fh, highWaterMark: 1024 * 1024 });
  const onAbort = () => stream.destroy(loadCancelled());
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    return await loadArchive(c, { namespace, source: stream, signal });
  } finally {
    signal.removeEventListener('abort', onAbort);
    stream.destroy();
  }
}

interface Desc {
  mediaType: string;
  digest: string;
  size: number;
}

/** docker's short form for manifest.json RepoTags (docker.io/library/alpine:3 → alpine:3). */
function dockerTag(name: string): string | null {
  const r = parseReference(name);
  if (!r.tag) return null;
  const full = `${r.domain}/${r.path}`;
  const short = full.replace(/^docker\.io\/library\//, '').replace(/^docker\.io\//, '');
  return `${short}:${r.tag}`;
}

export async function saveFile(
  c: ContainerdClient,
  namespace: string,
  names: string[],
  path: string,
): Promise<InsideCommandResults['image:save']> {
  const ns = { namespace };
  // ---- what to write: every blob the images reach, each once -----------------------------------
  const blobs = new Map<string, number>();
  const index: (Desc & { annotations: Record<string, string> })[] = [];
  const dockerEntries: { Config: string; RepoTags: string[]; Layers: string[] }[] = [];
  const images: LoadResult['images'] = [];
  const blobPath = (d: string) => `blobs/sha256/${d.replace(/^sha256:/, '')}`;
  for (const name of names) {
    const got = await c.call(ImagesService.get, { name }, ns).catch((err: unknown) => {
      if (err instanceof InsideError && err.code === 'not-found')
        throw new InsideError(
          'not-found',
          `no image ${name} in namespace ${namespace}`,
          `cdesk images -n ${namespace} lists the images there (give the full name).`,
        );
      throw err;
    });
    const t = got.image?.target;
    if (!t) throw new Error(`image ${name} has no target`);
    const top: Desc = { mediaType: t.media_type, digest: t.digest, size: Number(t.size) };
    blobs.set(top.digest, top.size);
    let body = await readBlob(c, namespace, top.digest);
    if (INDEX_TYPES.has(top.mediaType)) {
      const idx = JSON.parse(body.toString('utf8')) as { manifests?: IndexEntry[] };
      // Only the children present here (a pull fetches the host's platform only).
      const present: IndexEntry[] = [];
      for (const m of idx.manifests ?? []) {
        try {
          await c.call(ContentService.info, { digest: m.digest }, ns);
          present.push(m);
        } catch {
          /* absent: not saved */
        }
      }
      for (const m of present) await addManifest(m.digest);
      const p = hostPlatform();
      const pick = pickManifest(present, p, name);
      body = await readBlob(c, namespace, pick.digest);
    } else await addManifest(top.digest, body);
    const m = JSON.parse(body.toString('utf8')) as {
      config: { digest: string };
      layers: { digest: string }[];
    };
    const tag = dockerTag(name);
    dockerEntries.push({
      Config: blobPath(m.config.digest),
      RepoTags: tag ? [tag] : [],
      Layers: m.layers.map((l) => blobPath(l.digest)),
    });
    const r = parseReference(name);
    index.push({
      ...top,
      annotations: {
        'io.containerd.image.name': name,
        ...(r.tag ? { 'org.opencontainers.image.ref.name': r.tag } : {}),
      },
    });
    images.push({ name, digest: top.digest, mediaType: top.mediaType });
  }

  async function addManifest(digest: string, have?: Buffer) {
    const body = have ?? (await readBlob(c, namespace, digest));
    const m = JSON.parse(body.toString('utf8')) as {
      config?: { digest: string; size: number };
      layers?: { digest: string; size: number }[];
    };
    const info = await c.call(ContentService.info, { digest }, ns);
    blobs.set(digest, Number(info.info?.size ?? body.length));
    for (const d of [m.config, ...(m.layers ?? [])]) {
      if (!d) continue;
      const i = await c.call(ContentService.info, { digest: d.digest }, ns).catch(() => null);
      if (!i)
        throw new InsideError(
          'failed-precondition',
          `the image misses blob ${d.digest} in namespace ${namespace}`,
          'Pull the image again so all of it is here, then save.',
        );
      blobs.set(d.digest, Number(i.info?.size ?? d.size));
    }
  }

  // ---- write to a temporary file beside the target, then rename: a failure leaves nothing -----
  // A device or a FIFO (/dev/null, a pipe) is written through: a rename would replace the node
  // itself with a regular file (as root, /dev/null for everyone).
  const st = await stat(path).catch(() => null);
  if (st?.isDirectory())
    throw new InsideError(
      'file-access',
      `cannot write ${path}: it is a directory`,
      'Give a file name, e.g. DIR/image.tar.',
    );
  // /proc/PID/fd/1 is the CLI's stdout (cdesk save REF > file): its folder takes no temp file.
  const through = st !== null && (!st.isFile() || path.startsWith('/proc/'));
  const tmp = through
    ? path
    : join(dirname(path), `.${basename(path)}.cdesk-${randomBytes(4).toString('hex')}`);
  // A FIFO or pipe (the CLI's stdout piped on) is written as a socket is, by the event loop, as
  // loadFile reads one: a blocking open or write would hold one of Node's four file-system threads
  // for as long as nobody reads (four such saves would stall every file operation of the app).
  const fh = st?.isFIFO()
    ? null
    : await open(tmp, through ? 'w' : 'wx', 0o644).catch((err: unknown) => {
        throw fileError(path, err, 'write');
      });
  const out = fh ? fh.createWriteStream() : await openPipeForWriting(path);
  const archive = writeTar(out);
  let bytes: number;
  const json = (v: unknown) => Buffer.from(JSON.stringify(v));
  async function* blobPieces(digest: string, size: number): AsyncGenerator<Buffer> {
    for (let off = 0; off < size; off += READ_PIECE) {
      const want = Math.min(READ_PIECE, size - off);
      const parts = await c.collect(
        ContentService.read,
        { digest, offset: String(off), size: String(want) },
        { namespace, timeoutMs: 60_000 },
      );
      const piece = Buffer.concat(parts.map((p) => p.data));
      if (piece.length !== want)
        throw new Error(`content ${digest} gave ${piece.length} of ${want} bytes at ${off}`);
      yield piece;
    }
  }
  try {
    await archive.directory('blobs/');
    await archive.directory('blobs/sha256/');
    for (const [digest, size] of blobs)
      await archive.file(blobPath(digest), size, blobPieces(digest, size));
    const meta: [string, Buffer][] = [
      ['oci-layout', json({ imageLayoutVersion: '1.0.0' })],
      [
        'index.json',
        json({
          schemaVersion: 2,
          mediaType: 'application/vnd.oci.image.index.v1+json',
          manifests: index,
        }),
      ],
      ['manifest.json', json(dockerEntries)],
    ];
    for (const [name, data] of meta) await archive.file(name, data.length, data);
    await archive.finish();
    bytes = out.bytesWritten;
    if (!through)
      await rename(tmp, path).catch((err: unknown) => {
        throw fileError(path, err, 'write');
      });
  } catch (err) {
    out.destroy();
    await fh?.close().catch(() => undefined);
    if (!through) await rm(tmp, { force: true });
    // The file's own failure (ENOSPC on a full disk, EIO) names the file, not a bug.
    if (
      !(err instanceof InsideError) &&
      typeof (err as NodeJS.ErrnoException)?.syscall === 'string'
    )
      throw fileError(path, err, 'write');
    throw err;
  }
  return { namespace, path, images, bytes };
}

/** A reader of a FIFO that comes this long after the save started is too late. */
const PIPE_READER_WAIT_MS = 30_000;

/**
 * The write end of a FIFO, without blocking: a non-blocking open fails (ENXIO) while nobody has
 * it open for reading, so it is tried again until a reader comes (`mkfifo p; cdesk save -o p … &
 * cat p`), for at most PIPE_READER_WAIT_MS.
 */
async function openPipeForWriting(path: string): Promise<net.Socket> {
  const until = Date.now() + PIPE_READER_WAIT_MS;
  for (;;) {
    const opened = await new Promise<number | NodeJS.ErrnoException>((resolve) =>
      fsOpen(path, constants.O_WRONLY | constants.O_NONBLOCK, (err, fd) => resolve(err ?? fd)),
    );
    if (typeof opened === 'number')
      return new net.Socket({ fd: opened, readable: false, writable: true });
    if (opened.code !== 'ENXIO') throw fileError(path, opened, 'write');
    if (Date.now() >= until)
      throw new InsideError(
        'file-access',
        `cannot write ${path}: it is a pipe nobody has opened for reading`,
        'Start the reader first (e.g. cat PIPE > image.tar), or give -o a file.',
      );
    await new Promise((r) => setTimeout(r, 100));
  }
}
