// What crosses between a pull and its blob thread (blob-thread.ts, blob-thread-entry.ts): the
// messages, cloneable, and errors rebuilt on the far side. Apart, so the thread's own bundle holds
// none of the code that starts it.
import type { ErrorCode } from '../../../common/contract';
import type { Credentials } from '../../shared/docker-config';
import { InsideError } from '../errors';
import type { BlobTarget } from './content-write';
import type { ImageReference } from './reference';

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
  /** Where the blob is in the pull's unpack order (its layer's index; the config's -1). */
  order: number;
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

export function fromThreadError(e: ThreadError): Error {
  return e.inside
    ? new InsideError(e.code, e.message, e.hint, { grpcCode: e.grpcCode ?? undefined })
    : new Error(e.message);
}
