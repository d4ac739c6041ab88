// The pulls' blob downloads (registry → Content/Write) run in one worker thread, shared by the pulls
// running at once and ended when none runs; the pull itself (lease, unpack order, image record,
// progress, cancel) stays on the calling thread. A thread that dies fails its blobs, not the app.
import { Worker, type ResourceLimits } from 'node:worker_threads';
import type { ErrorCode } from '../../../common/contract';
import type { Credentials } from '../../shared/docker-config';
import { InsideError } from '../errors';
import type { BlobTarget } from './content-write';
import type { ImageReference } from './reference';
import { cancelled } from './registry';

/** Where a pull's blobs come from and go to, for another thread (all of it cloneable). */
export interface BlobSourceInit {
  /** containerd's socket: the thread dials its own connection. */
  socket: string;
  ref: ImageReference;
  insecure: boolean;
  credentials: Credentials | null;
  /** The Authorization header the pull's manifests were fetched with (a bearer token is reused). */
  authorization: string | null;
}

export interface BlobWriteScope {
  namespace: string;
  lease: string;
  stallTimeoutMs?: number;
}

export type ToThread =
  | {
      type: 'write';
      id: number;
      pullId: string;
      source: BlobSourceInit;
      scope: BlobWriteScope;
      target: BlobTarget;
    }
  | { type: 'cancel'; pullId: string }
  | { type: 'end'; pullId: string };

export type FromThread =
  | { type: 'bytes'; id: number; done: number }
  | { type: 'done'; id: number }
  | { type: 'failed'; id: number; error: ThreadError };

/** An error as it crosses the thread boundary (an InsideError is rebuilt as one). */
export interface ThreadError {
  inside: boolean;
  code: ErrorCode;
  message: string;
  hint: string;
  grpcCode: number | null;
}

export function toThreadError(err: unknown): ThreadError {
  const e = err as Partial<InsideError> | null;
  return {
    inside: err instanceof InsideError,
    code: e?.code ?? 'internal',
    message: String(e?.message ?? err),
    hint: e?.hint ?? '',
    grpcCode: e?.grpcCode ?? null,
  };
}

function fromThreadError(e: ThreadError): Error {
  return e.inside
    ? new InsideError(e.code, e.message, e.hint, { grpcCode: e.grpcCode ?? undefined })
    : new Error(e.message);
}

/**
 * The thread's heap holds a few megabytes that live (the messages being written) and the garbage
 * the bytes leave behind; a thread out of memory fails its pulls with a clear error. Its young
 * generation's size (2, 4 or 8 MiB) made no difference to the bench's RSS: the garbage is buffers
 * outside the heap, which the thread's own minor collections return (blob-thread-entry.ts).
 */
const RESOURCE_LIMITS: ResourceLimits = { maxYoungGenerationSizeMb: 4, maxOldGenerationSizeMb: 64 };

/** The thread's module: built beside the bundle that starts it (dist/pull-thread.js), or the source under tsx or vitest. */
export function startBlobWorker(): Worker {
  const here = import.meta.url;
  const o = { resourceLimits: RESOURCE_LIMITS };
  if (!here.endsWith('.ts')) return new Worker(new URL('./pull-thread.js', here), o);
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
