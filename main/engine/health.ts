// gRPC health and version probes for containerd (grpc.health.v1.Health/Check and containerd's
// Version) on the daemon's one channel, which the containerd API shares.
import { existsSync, watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import { performance } from 'node:perf_hooks';
import { status as grpcStatus } from '@grpc/grpc-js';
import type { HealthResult } from '../../common/states';
import {
  HealthCheckRequest,
  HealthCheckResponse_ServingStatus as ServingStatus,
  HealthService,
} from '../shared/api/grpc/health/v1/health';
import { VersionService } from '../shared/api/services/version/v1/version';
import { Empty } from '../shared/api/google/protobuf/empty';
import { isServiceError, type DaemonChannel } from '../shared/daemon-channel';
import { socketAnswers } from '../shared/socket-probe';

/** Deadline of one startup Check; a healthy containerd answers in milliseconds. */
const ATTEMPT_TIMEOUT_MS = 2000;

/** Maps a failed call's gRPC status to a probe result. */
function resultForStatus(code: number): HealthResult {
  switch (code) {
    case grpcStatus.UNIMPLEMENTED:
      return 'UNIMPLEMENTED';
    case grpcStatus.DEADLINE_EXCEEDED:
      return 'TIMEOUT';
    case grpcStatus.UNAVAILABLE:
      return 'UNAVAILABLE';
    default:
      return 'ERROR';
  }
}

export interface HealthCheckResult {
  result: HealthResult;
  latencyMs: number;
  detail?: string;
}

/** One health probe; never throws: every failure is a result with a detail. */
export async function checkHealth(
  channel: DaemonChannel,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<HealthCheckResult> {
  const started = performance.now();
  try {
    const reply = await channel.unary(
      HealthService.check,
      HealthCheckRequest.create({ service: '' }),
      { timeoutMs, signal },
    );
    const latencyMs = performance.now() - started;
    if (reply.status === ServingStatus.UNRECOGNIZED)
      return { result: 'UNKNOWN', latencyMs, detail: 'unexpected health status' };
    return { result: reply.status, latencyMs };
  } catch (err) {
    const latencyMs = performance.now() - started;
    if (isServiceError(err))
      return { result: resultForStatus(err.code), latencyMs, detail: err.details || err.message };
    return { result: 'ERROR', latencyMs, detail: err instanceof Error ? err.message : String(err) };
  }
}

/** containerd's version and git revision; rejects with the call's error on failure. */
export async function daemonVersion(
  channel: DaemonChannel,
  timeoutMs: number,
): Promise<{ version: string; revision: string }> {
  const r = await channel.unary(VersionService.version, Empty.create(), { timeoutMs });
  return { version: r.version, revision: r.revision };
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
 * Waits until the daemon behind `channel` answers SERVING, probing fast: the socket is watched
 * (inotify via fs.watch, plus polling every `intervalMs` as a fallback) and cheaply connected to
 * before any gRPC is tried, then fail-fast health calls run; a failed one redials the channel so
 * no reconnect backoff can hide readiness. `isAlive` returning false stops it early ('exited').
 * On success `latencyMs` is the successful Check's round trip and `elapsedMs` the whole wait.
 */
export async function waitForServing(
  channel: DaemonChannel,
  opts: { budgetMs: number; intervalMs: number; signal?: AbortSignal; isAlive?: () => boolean },
): Promise<WaitForServingResult> {
  const socketPath = channel.socket;
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
  let current: { abort: AbortController; cancelled: boolean } | null = null;
  const cancelCurrent = (): void => {
    if (!current) return;
    current.cancelled = true;
    current.abort.abort();
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

      // Stage 2: a health call; a failed one redials, so a failed connect's backoff never delays the next.
      reason = stopReason();
      if (reason) return { ok: false, reason, last, attempts };
      attempts++;
      const attempt = { abort: new AbortController(), cancelled: false };
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
      let res: HealthCheckResult;
      try {
        res = await checkHealth(
          channel,
          Math.max(1, Math.min(budgetLeft, ATTEMPT_TIMEOUT_MS)),
          attempt.abort.signal,
        );
      } finally {
        if (aliveTimer) clearInterval(aliveTimer);
        current = null;
      }
      if (res.result === 'SERVING') {
        return {
          ok: true,
          latencyMs: res.latencyMs,
          attempts,
          elapsedMs: performance.now() - started,
        };
      }
      channel.reset();
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
