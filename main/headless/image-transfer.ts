// Headless mode's image archives over HTTP: an upload streamed into a temp file (bounded in bytes,
// never held in memory) and loaded from there, and a save written to a temp file then downloaded.
// The page cannot name a file on this machine: the only paths are the ones made here, in the app's
// own 0700 state folder. The caller (http-server.ts) has already checked Host, token and Origin.
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import * as fsp from 'node:fs/promises';
import type http from 'node:http';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as z from 'zod';
import { imageName, namespaceName } from '../../common/container-commands';
import type { CommandName, CommandPayload, CommandResults, Result } from '../../common/contract';
import { archiveFileName } from '../../common/image-files';
import { failure } from '../../common/rpc';
import { makeDirs } from '../shared/make-dirs';
import { TAR_BLOCK, tarHeadProblem } from '../shared/tar-head';

/** Largest archive a page may upload (the temp copy is on the state dir's disk until loaded). */
export const MAX_UPLOAD_BYTES = 16 * 1024 * 1024 * 1024;
/** Uploads or saves at once: each holds a temp file as large as an archive. */
const MAX_AT_ONCE = 2;
/** A prepared save not downloaded within this time is deleted. */
export const SAVE_TTL_MS = 10 * 60_000;

export interface ImageTransferOptions {
  service: {
    invoke<C extends CommandName>(
      name: C,
      payload: CommandPayload<C>,
    ): Promise<Result<CommandResults[C]>>;
  };
  /** A folder only this app's user can read (created 0700 if missing). */
  dir: string;
  /** Headers every response carries (the server's security headers). */
  headers?: () => Record<string, string>;
  maxUploadBytes?: number;
  saveTtlMs?: number;
}

export interface ImageTransfer {
  /** POST /images/load?namespace=NS, the archive as the body. */
  load(req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void>;
  /** POST /images/save?namespace=NS&name=REF…: writes the archive, answers its download id. */
  prepareSave(req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void>;
  /** GET /images/download?id=ID: the prepared archive, once; deleted after. */
  download(req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void>;
  close(): Promise<void>;
}

const loadQuery = z.object({ namespace: namespaceName }).strict();
const saveQuery = z
  .object({ namespace: namespaceName, name: z.array(imageName).min(1).max(100) })
  .strict();
const downloadId = z.string().regex(/^[a-f0-9]{32}$/);
/** The temp files tempFile() names. */
const TEMP_FILE = /^(upload|save)-[0-9a-f]{24}\.tar$/;

/**
 * The body's first `n` bytes (fewer if it ends sooner), the body left paused after them. Rejects
 * when the upload breaks off first.
 */
function readHead(req: http.IncomingMessage, n: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let got = 0;
    const stop = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('close', onClose);
      req.pause();
    };
    const onData = (b: Buffer) => {
      parts.push(b);
      got += b.length;
      if (got >= n) onEnd();
    };
    const onEnd = () => {
      stop();
      resolve(Buffer.concat(parts, got));
    };
    const onClose = () => {
      stop();
      reject(new Error('the upload broke off'));
    };
    req.on('data', onData);
    req.once('end', onEnd);
    req.once('close', onClose);
  });
}

function answer(res: http.ServerResponse, status: number, result: Result<unknown>): void {
  const body = Buffer.from(JSON.stringify(result));
  res.writeHead(status, {
    ...extraHeaders.get(res),
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': String(body.length),
    'Cache-Control': 'no-store',
  });
  res.end(body);
}

/** The server's headers for each response (set per request by createImageTransfer's routes). */
const extraHeaders = new WeakMap<http.ServerResponse, Record<string, string>>();

function badQuery(res: http.ServerResponse, what: string, err: z.ZodError): void {
  const fields = err.issues.map((i) => `${i.path.join('.') || '(query)'}: ${i.message}`);
  answer(
    res,
    400,
    failure('bad-payload', `${what}: invalid query: ${fields.join('; ')}`, 'fix the named fields'),
  );
}

/** The query as an object: `name` may repeat (several images in one archive). */
function queryOf(url: URL): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of url.searchParams) {
    if (k === 'token') continue;
    if (k === 'name') out.name = [...((out.name as string[] | undefined) ?? []), v];
    else out[k] = v;
  }
  return out;
}

export function createImageTransfer(opts: ImageTransferOptions): ImageTransfer {
  const maxBytes = opts.maxUploadBytes ?? MAX_UPLOAD_BYTES;
  const ttl = opts.saveTtlMs ?? SAVE_TTL_MS;
  let active = 0;
  const prepared = new Map<
    string,
    { file: string; name: string; bytes: number; timer: NodeJS.Timeout }
  >();
  let ready: Promise<void> | null = null;
  const dir = () =>
    (ready ??= makeDirs(opts.dir, 0o700).then(async () => {
      await fsp.chmod(opts.dir, 0o700);
      // What an app killed mid-transfer left (an upload as large as an archive, a save never
      // downloaded): nothing resumes from them, and only this app writes here.
      for (const f of await fsp.readdir(opts.dir))
        if (TEMP_FILE.test(f)) await fsp.rm(path.join(opts.dir, f), { force: true });
    }));
  // At once, not on the first transfer: the leftovers may be gigabytes.
  dir().catch(() => undefined);
  const tempFile = async (kind: string) => {
    await dir();
    return path.join(opts.dir, `${kind}-${randomBytes(12).toString('hex')}.tar`);
  };

  /** Run `work` holding one of the MAX_AT_ONCE slots, or answer busy. */
  async function slot(res: http.ServerResponse, work: () => Promise<void>): Promise<void> {
    if (active >= MAX_AT_ONCE)
      return answer(
        res,
        503,
        failure(
          'busy',
          `${MAX_AT_ONCE} image transfers are already running`,
          'Wait for one to finish, then try again.',
        ),
      );
    active++;
    try {
      await work();
    } finally {
      active--;
    }
  }

  async function load(req: http.IncomingMessage, res: http.ServerResponse, url: URL) {
    const q = loadQuery.safeParse(queryOf(url));
    if (!q.success) {
      req.resume();
      return badQuery(res, 'image load', q.error);
    }
    const length = Number(req.headers['content-length']);
    if (!req.headers['content-length'] || !Number.isSafeInteger(length) || length < 0) {
      req.resume();
      return answer(
        res,
        411,
        failure(
          'bad-payload',
          'image load: the upload has no Content-Length',
          'Upload the archive as a file (the page does this).',
        ),
      );
    }
    if (length > maxBytes) {
      req.resume();
      return answer(
        res,
        413,
        failure(
          'bad-payload',
          `image load: the archive is ${length} bytes, over the ${maxBytes}-byte limit of an upload`,
          'Load it from a terminal instead: cdesk load -i FILE (the app reads the file itself).',
        ),
      );
    }
    await slot(res, async () => {
      const file = await tempFile('upload');
      try {
        // Enough room for the copy and containerd's copy of its blobs, roughly.
        const fs = await fsp.statfs(opts.dir).catch(() => null);
        if (fs && fs.bavail * fs.bsize < length) {
          req.resume();
          return answer(
            res,
            507,
            failure(
              'file-access',
              `image load: ${length} bytes do not fit in ${opts.dir} (${fs.bavail * fs.bsize} free)`,
              'Free some disk space (Clean up… on the Images page), then load again.',
            ),
          );
        }
        // The first header is judged before a byte reaches the disk: a body that is not an
        // archive the load would read costs its first TAR_BLOCK bytes, not a temp file its size.
        const head = await readHead(req, TAR_BLOCK).catch(() => null);
        if (!head) return;
        const refused = await tarHeadProblem(head);
        if (refused) {
          // Not read to its end (it may be gigabytes): the reply goes, then the connection.
          res.setHeader('Connection', 'close');
          return answer(
            res,
            415,
            failure(
              'bad-archive',
              `image load: not an image archive: ${refused}`,
              'Give a file written by docker save, cdesk save, ctr images export or skopeo copy (docker-archive: or oci-archive:); nothing was loaded.',
            ),
          );
        }
        let seen = 0;
        const bound = new Transform({
          transform(chunk: Buffer, _enc, done) {
            seen += chunk.length;
            if (seen > length) done(new Error('the upload is longer than its Content-Length'));
            else done(null, chunk);
          },
        });
        bound.write(head);
        try {
          await pipeline(req, bound, createWriteStream(file, { flags: 'wx', mode: 0o600 }));
        } catch (err) {
          if (!res.headersSent && !res.destroyed)
            answer(
              res,
              400,
              failure(
                'file-access',
                `image load: the upload broke off: ${(err as Error).message}`,
                'Load the file again.',
              ),
            );
          return;
        }
        if (seen !== length)
          return answer(
            res,
            400,
            failure(
              'file-access',
              `image load: the upload ended after ${seen} of ${length} bytes`,
              'Load the file again.',
            ),
          );
        // A page that goes (closed, reloaded, its fetch aborted) cancels its load, as a CLI does.
        const loadId = randomBytes(8).toString('hex');
        const onClose = () => {
          if (!res.writableFinished)
            void opts.service.invoke('image:load-cancel', { loadId }).catch(() => undefined);
        };
        res.once('close', onClose);
        const r = await opts.service.invoke('image:load', {
          namespace: q.data.namespace,
          path: file,
          loadId,
        });
        res.off('close', onClose);
        if (res.destroyed) return;
        // Gone before the answer: the page hears of it only once nothing is left behind.
        await fsp.rm(file, { force: true });
        answer(res, r.ok ? 200 : 422, r);
      } finally {
        await fsp.rm(file, { force: true });
      }
    });
  }

  async function prepareSave(req: http.IncomingMessage, res: http.ServerResponse, url: URL) {
    req.resume();
    const q = saveQuery.safeParse(queryOf(url));
    if (!q.success) return badQuery(res, 'image save', q.error);
    await slot(res, async () => {
      const file = await tempFile('save');
      const r = await opts.service.invoke('image:save', {
        namespace: q.data.namespace,
        names: q.data.name,
        path: file,
      });
      if (!r.ok) {
        await fsp.rm(file, { force: true });
        return answer(res, 422, r);
      }
      const id = randomBytes(16).toString('hex');
      const timer = setTimeout(() => void drop(id), ttl);
      timer.unref();
      prepared.set(id, { file, name: archiveFileName(q.data.name), bytes: r.value.bytes, timer });
      answer(res, 200, { ok: true, value: { ...r.value, path: '', downloadId: id } });
    });
  }

  async function drop(id: string) {
    const p = prepared.get(id);
    if (!p) return;
    prepared.delete(id);
    clearTimeout(p.timer);
    await fsp.rm(p.file, { force: true });
  }

  async function download(_req: http.IncomingMessage, res: http.ServerResponse, url: URL) {
    const id = url.searchParams.get('id') ?? '';
    const p = downloadId.safeParse(id).success ? prepared.get(id) : undefined;
    if (!p) {
      const body =
        'Not found: this download is gone (each is served once, for 10 minutes); save again\n';
      res.writeHead(404, {
        ...extraHeaders.get(res),
        'Content-Type': 'text/plain; charset=utf-8',
        'Content-Length': String(Buffer.byteLength(body)),
      });
      return void res.end(body);
    }
    // Served once: taken off the list before the first byte goes.
    prepared.delete(id);
    clearTimeout(p.timer);
    try {
      const st = await fsp.stat(p.file);
      res.writeHead(200, {
        ...extraHeaders.get(res),
        'Content-Type': 'application/x-tar',
        'Content-Length': String(st.size),
        'Content-Disposition': `attachment; filename="${p.name}"`,
        'Cache-Control': 'no-store',
      });
      await pipeline(createReadStream(p.file, { highWaterMark: 1024 * 1024 }), res);
    } catch {
      res.destroy();
    } finally {
      await fsp.rm(p.file, { force: true });
    }
  }

  /** Each route's responses carry the server's headers. */
  const withHeaders =
    (
      fn: (req: http.IncomingMessage, res: http.ServerResponse, url: URL) => Promise<void>,
    ): typeof fn =>
    (req, res, url) => {
      extraHeaders.set(res, opts.headers?.() ?? {});
      return fn(req, res, url);
    };

  return {
    load: withHeaders(load),
    prepareSave: withHeaders(prepareSave),
    download: withHeaders(download),
    async close() {
      await Promise.all([...prepared.keys()].map(drop));
    },
  };
}
