// gRPC health and version probes for containerd over its unix socket, on the loaded .proto definitions.
import { existsSync, watch, type FSWatcher } from 'node:fs';
import { socketAnswers } from '../shared/socket-probe';
import { basename, dirname } from 'node:path';
import { performance } from 'node:perf_hooks';
import type * as grpc from '@grpc/grpc-js';
import type { HealthResult } from '../../common/states';
import { GRPC_MAX_MESSAGE } from '../shared/limits';
import { loadHealthApi } from '../shared/proto';

// grpc-js and the definitions (health.proto, version.proto) take longer to load than Node takes
// to boot: nothing is imported until first use, and waitForServing starts loading them while
// containerd boots, so `cdesk run` spawns first and `cdesk status` never loads them (issue 8).

/** gRPC status codes used here (fixed by the gRPC spec; known before grpc-js is loaded). */
const CODE = { CANCELLED: 1, DEADLINE_EXCEEDED: 4, UNIMPLEMENTED: 12, UNAVAILABLE: 14 } as const;

/**
 * Channel options for a probe client. grpc-js defaults to a 1 s initial / 120 s max reconnect
 * backoff, and to a process-wide subchannel pool shared by every client with the same target and
 * options — so a brand-new client inherits a sibling's backoff (measured: a fresh client kept
 * failing UNAVAILABLE for ~0.4 s after the daemon was up). A local pool keeps each client's
 * connection state its own; small backoffs let a liveness client reconnect promptly.
 */
const CHANNEL_OPTIONS: grpc.ChannelOptions = {
  'grpc.initial_reconnect_backoff_ms': 20,
  'grpc.max_reconnect_backoff_ms': 500,
  'grpc.enable_retries': 0,
  'grpc.use_local_subchannel_pool': 1,
  'grpc.enable_channelz': 0,
  // Health answers are a few bytes; containerd's own limit is 16 MiB.
  'grpc.max_receive_message_length': GRPC_MAX_MESSAGE,
};

/** Deadline of one startup Check; a healthy containerd answers in milliseconds. */
const ATTEMPT_TIMEOUT_MS = 2000;

/** HealthCheckResponse.ServingStatus names (enums: String); Watch-only SERVICE_UNKNOWN included. */
const SERVING_STATUS: ReadonlySet<string> = new Set([
  'UNKNOWN',
  'SERVING',
  'NOT_SERVING',
  'SERVICE_UNKNOWN',
]);

/**
 * The probe result for a decoded HealthCheckResponse.status: a known name, or UNKNOWN with a
 * detail for a number the definitions do not name (protobufjs keeps unknown enum values as numbers).
 */
export function healthResultOf(status: unknown): { result: HealthResult; detail?: string } {
  if (typeof status === 'string' && SERVING_STATUS.has(status))
    return { result: status as HealthResult };
  return { result: 'UNKNOWN', detail: `unexpected health status ${String(status)}` };
}

/** Starts loading grpc-js and the health definitions; a failure surfaces from the next call. */
function preloadHealthApi(): void {
  loadHealthApi().catch(() => undefined);
}

// --- client -----------------------------------------------------------------------------------

/** Maps a failed call's gRPC status to a probe result. */
function resultForStatus(code: number | undefined): HealthResult {
  switch (code) {
    case CODE.UNIMPLEMENTED:
      return 'UNIMPLEMENTED';
    case CODE.DEADLINE_EXCEEDED:
      return 'TIMEOUT';
    case CODE.UNAVAILABLE:
      return 'UNAVAILABLE';
    default:
      return 'ERROR';
  }
}

const cancelled = (what: string): Error =>
  Object.assign(new Error(what), { code: CODE.CANCELLED, details: what });

type UnaryMethod = (
  req: object,
  md: grpc.Metadata,
  opts: grpc.CallOptions,
  cb: (err: grpc.ServiceError | null, res?: Record<string, unknown>) => void,
) => grpc.ClientUnaryCall;

/** One gRPC channel to containerd's socket for health and version calls. */
export class HealthClient {
  /** Made on the first call, once the definitions are loaded; Version shares Health's channel. */
  private clients: { health: grpc.Client; version: grpc.Client } | null = null;
  private closed = false;
  /** Bumped by cancelPending so a call still waiting for the definitions is cancelled too. */
  private epoch = 0;
  private readonly pending = new Set<grpc.ClientUnaryCall>();

  constructor(private readonly socketPath: string) {}

  /** One health probe; never throws — every failure is a result with a detail. */
  async check(
    timeoutMs: number,
  ): Promise<{ result: HealthResult; latencyMs: number; detail?: string }> {
    const started = performance.now();
    try {
      // {} is service "" (the whole server); protobufjs would encode an explicit "" as 2 bytes.
      const res = await this.unary('health', 'Check', {}, started + timeoutMs);
      const latencyMs = performance.now() - started;
      return { ...healthResultOf(res.status), latencyMs };
    } catch (err) {
      const latencyMs = performance.now() - started;
      const e = err as Partial<grpc.ServiceError>;
      return {
        result: resultForStatus(e.code),
        latencyMs,
        detail: e.details || e.message || String(err),
      };
    }
  }

  /** containerd's version and git revision; rejects with the gRPC error on failure. */
  async version(timeoutMs: number): Promise<{ version: string; revision: string }> {
    const res = await this.unary('version', 'Version', {}, performance.now() + timeoutMs);
    return { version: String(res.version ?? ''), revision: String(res.revision ?? '') };
  }

  /** Closes the channel and cancels calls still in flight. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.cancelPending();
    this.pending.clear();
    this.clients?.health.close();
    this.clients = null;
  }

  /** Cancels in-flight calls (they settle as CANCELLED) without closing the channel. */
  cancelPending(): void {
    this.epoch++;
    for (const call of this.pending) call.cancel();
  }

  /** One call with a deadline at `deadlineAt` (monotonic ms), counted from before any loading. */
  private async unary(
    service: 'health' | 'version',
    method: 'Check' | 'Version',
    request: object,
    deadlineAt: number,
  ): Promise<Record<string, unknown>> {
    const epoch = this.epoch;
    if (this.closed) throw cancelled('health client closed');
    const api = await loadHealthApi();
    if (this.closed) throw cancelled('health client closed');
    if (epoch !== this.epoch) throw cancelled('health call cancelled');
    if (!this.clients) {
      const health = new api.Health(
        `unix://${this.socketPath}`,
        api.grpc.credentials.createInsecure(),
        CHANNEL_OPTIONS,
      );
      // Same channel for Version: one connection per client, as before.
      const version = new api.Version(
        `unix://${this.socketPath}`,
        api.grpc.credentials.createInsecure(),
        {
          channelOverride: health.getChannel(),
        },
      );
      this.clients = { health, version };
    }
    const client = this.clients[service] as unknown as Record<string, UnaryMethod>;
    const call = client[method] as UnaryMethod;
    const deadline = new Date(Date.now() + Math.max(1, deadlineAt - performance.now()));
    return new Promise((resolve, reject) => {
      let settled = false;
      let handle: grpc.ClientUnaryCall | undefined;
      try {
        // No waitForReady: a daemon that is not listening must fail the call at once.
        handle = call.call(client, request, new api.grpc.Metadata(), { deadline }, (err, res) => {
          settled = true;
          if (handle) this.pending.delete(handle);
          if (err) reject(err);
          else resolve(res ?? {});
        });
        if (!settled) this.pending.add(handle);
      } catch (err) {
        reject(err);
      }
    });
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
  // Load grpc-js and the definitions while the daemon boots rather than once its socket
  // accepts; a failure to load surfaces from the first Check instead.
  setImmediate(preloadHealthApi);
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
