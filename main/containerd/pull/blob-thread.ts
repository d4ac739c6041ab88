// The pulls' blob downloads (registry → Content/Write) run in one worker thread, shared by the pulls
// running at once and ended when none runs; the pull itself (lease, unpack order, image record,
// progress, cancel) stays on the calling thread. A thread that dies fails its blobs, not the app.
import { sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker, type ResourceLimits } from 'node:worker_threads';
import { InsideError } from '../errors';
import {
  fromThreadError,
  type BlobSourceInit,
  type BlobWriteScope,
  type FromThread,
  type ToThread,
} from './blob-thread-messages';
import type { BlobTarget } from './content-write';
import { cancelled } from './registry';

/**
 * The thread's heap holds a few megabytes that live (the messages being written) and the garbage
 * the bytes leave behind; a thread out of memory fails its pulls with a clear error. Its young
 * generation's size (2, 4 or 8 MiB) made no difference to the bench's RSS: the garbage is buffers
 * outside the heap, which the thread's own minor collections return (blob-thread-entry.ts).
 */
const RESOURCE_LIMITS: ResourceLimits = { maxYoungGenerationSizeMb: 4, maxOldGenerationSizeMb: 64 };

/**
 * The built thread beside `bundle` (the file URL of the bundle that starts it). In the packaged app
 * the bundles sit in app.asar; electron-builder also puts this one file in app.asar.unpacked
 * (electron-builder.yml asarUnpack), and the thread runs from there: a plain file on disk, as
 * Node runs it here, with no reliance on Electron's archive reading inside worker threads.
 */
export function threadFile(bundle: string): string {
  const file = fileURLToPath(new URL('./pull-thread.cjs', bundle));
  const inAsar = `${sep}app.asar${sep}`;
  return file.includes(inAsar) ? file.replace(inAsar, `${sep}app.asar.unpacked${sep}`) : file;
}

/** The thread: dist/pull-thread.cjs when built, the source through tsx under vitest or tsx. */
export function startBlobWorker(): Worker {
  const here = import.meta.url;
  const o = { resourceLimits: RESOURCE_LIMITS };
  if (!here.endsWith('.ts')) return new Worker(threadFile(here), o);
  const entry = new URL('./blob-thread-entry.ts', here).href;
  return new Worker(
    `import('tsx/esm/api').then((t) => t.tsImport(${JSON.stringify(entry)}, ${JSON.stringify(here)}))`,
    { ...o, eval: true },
  );
}

interface Job {
  onBytes: (done: number) => void;
  resolve: () => void;
  reject: (err: unknown) => void;
}

/** A pull's use of the thread: its streamed blobs, then close() (which may end the thread). */
export interface BlobThreadUse {
  write(
    source: BlobSourceInit,
    target: BlobTarget,
    scope: BlobWriteScope,
    onBytes: (done: number) => void,
  ): Promise<void>;
  close(): void;
}

export class BlobThread {
  private worker: Worker | null = null;
  private users = 0;
  private nextId = 0;
  private readonly jobs = new Map<number, Job>();
  /** Why the last thread ended early: the answer for the blobs its pulls still ask for. */
  private death: InsideError | null = null;

  constructor(private readonly start: () => Worker = startBlobWorker) {}

  private started(): Worker {
    if (this.worker) return this.worker;
    // Not unref'd: a pull holds the process as it would without the thread, and a thread no
    // pull holds is ended (close()).
    const w = this.start();
    w.on('message', (m: FromThread) => this.answer(m));
    w.on('error', (err) => this.died(w, `failed: ${err.message}`));
    w.on('messageerror', (err) =>
      this.died(w, `sent a message that could not be read: ${err.message}`),
    );
    w.on('exit', (code) => this.died(w, `ended (exit code ${code})`));
    this.worker = w;
    return w;
  }

  private answer(m: FromThread): void {
    const job = this.jobs.get(m.id);
    if (!job) return;
    if (m.type === 'bytes') return job.onBytes(m.done);
    this.jobs.delete(m.id);
    if (m.type === 'done') job.resolve();
    else job.reject(fromThreadError(m.error));
  }

  private died(w: Worker, how: string): void {
    if (this.worker !== w) return;
    this.worker = null;
    void w.terminate();
    this.death = new InsideError(
      'internal',
      `the thread that downloads the pull's layers ${how}`,
      'Pull again: what was written is reused. If it keeps failing, report it with the app log.',
    );
    for (const job of this.jobs.values()) job.reject(this.death);
    this.jobs.clear();
  }

  /** The thread for one pull (started if none runs); `signal` cancels the pull's downloads. */
  open(pullId: string, signal: AbortSignal): BlobThreadUse {
    this.users++;
    const w = this.started();
    const onAbort = () => w.postMessage({ type: 'cancel', pullId } satisfies ToThread);
    signal.addEventListener('abort', onAbort, { once: true });
    let closed = false;
    return {
      write: (source, target, scope, onBytes) => {
        if (signal.aborted) return Promise.reject(cancelled());
        if (this.worker !== w) return Promise.reject(this.death ?? cancelled());
        const id = ++this.nextId;
        const done = new Promise<void>((resolve, reject) =>
          this.jobs.set(id, { onBytes, resolve, reject }),
        );
        w.postMessage({ type: 'write', id, pullId, source, scope, target } satisfies ToThread);
        return done;
      },
      close: () => {
        if (closed) return;
        closed = true;
        signal.removeEventListener('abort', onAbort);
        if (this.worker === w) w.postMessage({ type: 'end', pullId } satisfies ToThread);
        if (--this.users > 0 || !this.worker) return;
        // Nothing pulls: the thread's ~15 MiB go back (a new pull starts one in ~100 ms).
        const ending = this.worker;
        this.worker = null;
        void ending.terminate();
      },
    };
  }
}

/** One per process: the pulls running at once share its thread. */
export const blobThread = new BlobThread();
