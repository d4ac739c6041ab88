// Errors from containerd's API as app errors with a code and a next step (they cross every transport as data).
import { status as GRPC } from '@grpc/grpc-js';
import type { ErrorCode } from '../../common/errors';
import { AppError } from '../shared/app-error';
import { isServiceError } from '../shared/daemon-channel';

/** An error from (or about) containerd's API; `grpcCode` is the status when containerd answered one. */
export class InsideError extends AppError {
  readonly grpcCode: number | null;
  constructor(
    code: ErrorCode,
    message: string,
    hint: string,
    opts: { cause?: unknown; grpcCode?: number } = {},
  ) {
    super(code, message, hint, { cause: opts.cause });
    this.name = 'InsideError';
    this.grpcCode = opts.grpcCode ?? null;
  }
}

export function notRunning(state: string): InsideError {
  return new InsideError(
    'containerd-api-unavailable',
    `containerd is not running (state: ${state})`,
    'Start it (cdesk daemon start, or Start in the window), then try again.',
  );
}

/** A failed call as an InsideError saying what to do: not running, hung, not found, permission. */
export function fromGrpc(
  err: unknown,
  what: string,
  socket: string,
  timeoutMs: number,
): InsideError {
  if (err instanceof InsideError) return err;
  if (!isServiceError(err)) {
    const msg = err instanceof Error ? err.message : String(err);
    return new InsideError(
      'containerd-api-error',
      `${what} failed: ${msg}`,
      "Try again; if it persists, check containerd's log (cdesk daemon logs).",
      { cause: err },
    );
  }
  const detail = err.details || err.message;
  const opts = { cause: err, grpcCode: err.code };
  // Whatever the status code a full disk comes as, what to do about it is the same.
  if (/no space left on device|ENOSPC/i.test(detail))
    return new InsideError(
      'no-space',
      `${what}: containerd's disk is full (${detail})`,
      "Free space on the disk that holds containerd's root (the rootDir setting): cdesk system prune removes stopped containers and unused images. Then try again.",
      opts,
    );
  if (err.code === GRPC.UNAVAILABLE && /EACCES|permission denied/i.test(detail))
    return new InsideError(
      'containerd-api-unavailable',
      `${what}: not allowed to connect to ${socket}`,
      'containerd runs as another user; run this as that user (or root).',
      opts,
    );
  const r = BY_STATUS.get(err.code) ?? OTHER_STATUS;
  return new InsideError(r.code, `${what}: ${r.message(detail, socket, timeoutMs)}`, r.hint, opts);
}

/** How a status from containerd reads: the app's error code, the message after "what: ", the next step. */
interface StatusReading {
  code: ErrorCode;
  message: (detail: string, socket: string, timeoutMs: number) => string;
  hint: string;
}

const BY_STATUS = new Map<number, StatusReading>([
  [
    GRPC.UNAVAILABLE,
    {
      code: 'containerd-api-unavailable',
      message: (detail, socket) => `containerd is not reachable at ${socket} (${detail})`,
      hint: 'It may be restarting: check cdesk status, start it with cdesk daemon start, then try again.',
    },
  ],
  [
    GRPC.DEADLINE_EXCEEDED,
    {
      code: 'containerd-timeout',
      message: (_detail, _socket, timeoutMs) => `containerd did not answer within ${timeoutMs} ms`,
      hint: "containerd (or a container's shim) may be hung; the supervisor restarts a hung containerd (hangPolicy). Check cdesk status and try again.",
    },
  ],
  [
    GRPC.NOT_FOUND,
    {
      code: 'not-found',
      message: (detail) => detail,
      hint: 'Check the name and the namespace (-n NS); list them with cdesk ps -a / cdesk images.',
    },
  ],
  [
    GRPC.ALREADY_EXISTS,
    {
      code: 'already-exists',
      message: (detail) => detail,
      hint: 'Use another name, or remove the existing one first.',
    },
  ],
  [
    GRPC.FAILED_PRECONDITION,
    {
      code: 'failed-precondition',
      message: (detail) => detail,
      hint: "Check the object's state (cdesk ps -a) and try again.",
    },
  ],
  [
    GRPC.PERMISSION_DENIED,
    {
      code: 'containerd-api-error',
      message: (detail) => `permission denied (${detail})`,
      hint: 'Run as the user that runs containerd (or root).',
    },
  ],
  [
    GRPC.RESOURCE_EXHAUSTED,
    {
      code: 'containerd-api-error',
      message: (detail) => `the answer was too large (${detail})`,
      hint: 'Fewer objects per namespace, or report this as a bug.',
    },
  ],
]);

const OTHER_STATUS: StatusReading = {
  code: 'containerd-api-error',
  message: (detail) => detail,
  hint: "See containerd's log (cdesk daemon logs --level warn) for the cause.",
};
