// gRPC health and version probes for containerd over its unix socket (grpc.health.v1.Health/Check
// and containerd's Version), on a minimal HTTP/2 client (shared/grpc-unary.ts), not grpc-js.
import { existsSync, watch, type FSWatcher } from 'node:fs';
import { socketAnswers } from '../shared/socket-probe';
import { basename, dirname } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { HealthResult } from '../../common/states';
import { GRPC } from '../shared/grpc-status';
import { GrpcCallError, readFields, UnaryChannel } from '../shared/grpc-unary';

/** The two calls, by gRPC path. Both requests are empty messages: Check's `service` "" (the whole server) and Empty. */
export const HEALTH_CHECK_PATH = '/grpc.health.v1.Health/Check';
export const VERSION_PATH = '/containerd.services.version.v1.Version/Version';
const EMPTY = new Uint8Array(0);

/** Replies are a few bytes; anything near this is not a health answer. */
const MAX_REPLY_BYTES = 64 * 1024;

/** Deadline of one startup Check; a healthy containerd answers in milliseconds. */
const ATTEMPT_TIMEOUT_MS = 2000;

/** HealthCheckResponse.ServingStatus by number (Watch-only SERVICE_UNKNOWN included). */
const SERVING_STATUS: readonly HealthResult[] = [
  'UNKNOWN',
  'SERVING',
  'NOT_SERVING',
  'SERVICE_UNKNOWN',
];

/**
 * HealthCheckResponse { ServingStatus status = 1; } decoded: the status number (0, UNKNOWN, when
 * absent, as protobuf defaults). Throws on a malformed message.
 */
export function decodeHealthResponse(buf: Buffer): { status: number } {
  const status = readFields(buf).get(1) ?? 0;
  if (typeof status !== 'number') throw new Error('health reply: status is not a number');
  return { status };
}

/** containerd's VersionResponse { string version = 1; string revision = 2; } decoded. */
export function decodeVersionResponse(buf: Buffer): { version: string; revision: string } {
  const fields = readFields(buf);
  const text = (n: number) => {
    const v = fields.get(n);
    if (v === undefined) return '';
    if (typeof v === 'number') throw new Error(`version reply: field ${n} is not a string`);
    return v.toString('utf8');
  };
  return { version: text(1), revision: text(2) };
}

/**
 * The probe result for a HealthCheckResponse status: its name, or UNKNOWN with a detail for a
 * number the protocol does not name.
 */
export function healthResultOf(status: number): { result: HealthResult; detail?: string } {
  const name = SERVING_STATUS[status];
  if (name) return { result: name };
  return { result: 'UNKNOWN', detail: `unexpected health status ${status}` };
}

// --- client -----------------------------------------------------------------------------------

/** Maps a failed call's gRPC status to a probe result. */
function resultForStatus(code: number): HealthResult {
  switch (code) {
    case GRPC.UNIMPLEMENTED:
      return 'UNIMPLEMENTED';
    case GRPC.DEADLINE_EXCEEDED:
      return 'TIMEOUT';
    case GRPC.UNAVAILABLE:
      return 'UNAVAILABLE';
    default:
      return 'ERROR';
  }
}

/** One connection to containerd's socket for health and version calls. */
export class HealthClient {
  private readonly channel: UnaryChannel;

  constructor(socketPath: string) {
    this.channel = new UnaryChannel(socketPath, MAX_REPLY_BYTES);
  }

  /** One health probe; never throws — every failure is a result with a detail. */
  async check(
    timeoutMs: number,
  ): Promise<{ result: HealthResult; latencyMs: number; detail?: string }> {
    const started = performance.now();
    try {
      const reply = await this.channel.call(HEALTH_CHECK_PATH, EMPTY, started + timeoutMs);
      const latencyMs = performance.now() - started;
      return { ...healthResultOf(decodeHealthResponse(reply).status), latencyMs };
    } catch (err) {
      const latencyMs = performance.now() - started;
      if (err instanceof GrpcCallError)
        return { result: resultForStatus(err.code), latencyMs, detail: err.details };
      return { result: 'ERROR', latencyMs, detail: (err as Error).message ?? String(err) };
    }
  }

  /** containerd's version and git revision; rejects (GrpcCallError or a decoding Error) on failure. */
  async version(timeoutMs: number): Promise<{ version: string; revision: string }> {
    const reply = await this.channel.call(VERSION_PATH, EMPTY, performance.now() + timeoutMs);
    return decodeVersionResponse(reply);
  }

  /** Closes the connection and cancels calls still in flight. */
  close(): void {
    this.channel.close();
  }

  /** Cancels in-flight calls (they settle as CANCELLED) without closing the connection. */
  cancelPending(): void {
    this.channel.cancelAll();
  }
}

// --- fast startup probe -----------------------------------------------------------------------

export type WaitForServingResult =
  | { ok: true; latencyMs: number; attempts: number; elapsedMs: number }
  | {
      ok: false;
      reason: 'timeout' | 'aborted' | 'exited';
      last: HealthResult | null;
      attempts: number;
    };

/** fs.watch that yields null instead of throwing (directory missing, inotify limits reached). */
function watchQuietly(dir: string, onFile: (file: string | null) => void): FSWatcher | null {
  try {
    const w = watch(dir, { persistent: false }, (_event, file) => onFile(file));
    w.on('error', () => undefined);
    return w;
  } catch {
    // Polling alone still works, only coarser.
    return null;
  }
}

/**
 * Waits until the daemon at `socketPath` answers SERVING, probing fast: the socket is watched
 * (inotify via fs.watch, plus polling every `intervalMs` as a fallback) and cheaply connected to
 * before any gRPC is tried, then fail-fast health calls run on a fresh channel each time so no
 * reconnect backoff can hide readiness. `isAlive` returning false stops it early ('exited').
 * On success `latencyMs` is the successful Check's round trip and `elapsedMs` the whole wait.
 */
export async function waitForServing(
  socketPath: string,
  opts: { budgetMs: number; intervalMs: number; signal?: AbortSignal; isAlive?: () => boolean },
): Promise<WaitForServingResult> {
  const started = performance.now();
  const deadline = started + opts.budgetMs;
  const interval = Math.max(1, opts.intervalMs);
  const name = basename(socketPath);
  let attempts = 0;
  let last: HealthResult | null = null;

  // One wake-up primitive for the watcher, the poll timer and the abort signal. A poke that
  // lands while no one sleeps (e.g. the socket's chmod event during a refused connect) is kept,
  // so the next sleep returns at once instead of losing a whole interval.
  let wake: (() => void) | null = null;
  let poked = false;
  const poke = (): void => {
    const w = wake;
    wake = null;
    if (w) w();
    else poked = true;
  };
  const sleep = (ms: number): Promise<void> => {
    if (poked || ms <= 0) {
      poked = false;
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => {
      const timer = setTimeout(poke, ms);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  };

  const watcher = watchQuietly(dirname(socketPath), (file) => {
    if (file === null || file === name) poke();
  });
  // The attempt in flight, so an abort or a dead daemon can cancel its call.
  let current: { client: HealthClient; cancelled: boolean } | null = null;
  const cancelCurrent = (): void => {
    if (!current) return;
    current.cancelled = true;
    current.client.cancelPending();
  };
  const onAbort = (): void => {
    cancelCurrent();
    poke();
  };
  opts.signal?.addEventListener('abort', onAbort);

  const stopReason = (): 'aborted' | 'exited' | 'timeout' | null => {
    if (opts.signal?.aborted) return 'aborted';
    if (opts.isAlive && !opts.isAlive()) return 'exited';
    if (performance.now() >= deadline) return 'timeout';
    return null;
  };

  try {
    for (;;) {
      let reason = stopReason();
      if (reason) return { ok: false, reason, last, attempts };

      // Stage 1: the socket must exist and accept; a missing or stale socket costs no gRPC.
      const remaining = deadline - performance.now();
      const accepts =
        existsSync(socketPath) && (await socketAnswers(socketPath, Math.min(remaining, 1000)));
      if (!accepts) {
        await sleep(Math.min(interval, deadline - performance.now()));
        continue;
      }

      // Stage 2: a fresh channel per attempt, so a failed connect's backoff never delays the next.
      reason = stopReason();
      if (reason) return { ok: false, reason, last, attempts };
      attempts++;
      const client = new HealthClient(socketPath);
      const attempt = { client, cancelled: false };
      current = attempt;
      // isAlive is polled while the call is in flight so a daemon dying mid-call is noticed.
      const aliveTimer = opts.isAlive
        ? setInterval(() => {
            if (opts.isAlive && !opts.isAlive()) cancelCurrent();
          }, interval)
        : null;
      // Capped so one stalled connection is retried on a fresh channel instead of eating the budget.
      const budgetLeft = deadline - performance.now();
      const clipped = budgetLeft < ATTEMPT_TIMEOUT_MS;
      let res: Awaited<ReturnType<HealthClient['check']>>;
      try {
        res = await client.check(Math.max(1, Math.min(budgetLeft, ATTEMPT_TIMEOUT_MS)));
      } finally {
        if (aliveTimer) clearInterval(aliveTimer);
        current = null;
        client.close();
      }
      if (res.result === 'SERVING') {
        return {
          ok: true,
          latencyMs: res.latencyMs,
          attempts,
          elapsedMs: performance.now() - started,
        };
      }
      // A cancelled call (abort / exit) is not a daemon answer, nor is a timeout that only hit the
      // end of the budget: keep the previous, more telling answer (e.g. NOT_SERVING) for the caller.
      const cutShort = res.result === 'TIMEOUT' && clipped && last !== null;
      if (!attempt.cancelled && !cutShort) last = res.result;
      reason = stopReason();
      if (reason) return { ok: false, reason, last, attempts };
      await sleep(Math.min(interval, deadline - performance.now()));
    }
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
    watcher?.close();
  }
}
