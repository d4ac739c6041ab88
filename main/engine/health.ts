// gRPC health and version probes for containerd over its unix socket, with hand-encoded protobuf.
import { existsSync, watch, type FSWatcher } from 'node:fs';
import { connect } from 'node:net';
import { basename, dirname } from 'node:path';
import { performance } from 'node:perf_hooks';
import * as grpc from '@grpc/grpc-js';
import type { HealthResult } from '../../common/states';

const HEALTH_CHECK_PATH = '/grpc.health.v1.Health/Check';
const VERSION_PATH = '/containerd.services.version.v1.Version/Version';

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
  'grpc.max_receive_message_length': 16 * 1024 * 1024,
};

/** Deadline of one startup Check; a healthy containerd answers in milliseconds. */
const ATTEMPT_TIMEOUT_MS = 2000;

const HEALTH_STATUS: Record<number, HealthResult> = {
  0: 'UNKNOWN',
  1: 'SERVING',
  2: 'NOT_SERVING',
  3: 'SERVICE_UNKNOWN',
};

// --- minimal protobuf wire format -------------------------------------------------------------

/** Reads a base-128 varint; numbers beyond 2^53 are not needed for these messages. */
function readVarint(buf: Buffer, pos: number): { value: number; pos: number } {
  let value = 0;
  let mul = 1;
  for (;;) {
    if (pos >= buf.length) throw new Error('truncated varint');
    const byte = buf[pos++] as number;
    value += (byte & 0x7f) * mul;
    if ((byte & 0x80) === 0) return { value, pos };
    mul *= 128;
    if (mul > 2 ** 63) throw new Error('varint too long');
  }
}

function writeVarint(value: number): number[] {
  const out: number[] = [];
  let v = value;
  while (v >= 0x80) {
    out.push((v % 128) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return out;
}

/** Walks the fields of a message, handing varint and length-delimited ones to `onField`. */
function walkFields(
  buf: Buffer,
  onField: (field: number, value: { varint?: number; bytes?: Buffer }) => void,
): void {
  let pos = 0;
  while (pos < buf.length) {
    const key = readVarint(buf, pos);
    pos = key.pos;
    const field = Math.floor(key.value / 8);
    const wire = key.value % 8;
    if (wire === 0) {
      const v = readVarint(buf, pos);
      pos = v.pos;
      onField(field, { varint: v.value });
    } else if (wire === 2) {
      const len = readVarint(buf, pos);
      pos = len.pos;
      if (pos + len.value > buf.length) throw new Error('truncated field');
      onField(field, { bytes: buf.subarray(pos, pos + len.value) });
      pos += len.value;
    } else if (wire === 1) {
      pos += 8;
    } else if (wire === 5) {
      pos += 4;
    } else {
      throw new Error(`unsupported wire type ${wire}`);
    }
  }
}

/** Encodes a message with one string field 1 (HealthCheckRequest.service); "" encodes to nothing. */
export function encodeServiceName(service: string): Buffer {
  if (service === '') return Buffer.alloc(0);
  const bytes = Buffer.from(service, 'utf8');
  return Buffer.concat([Buffer.from([0x0a, ...writeVarint(bytes.length)]), bytes]);
}

/** Decodes HealthCheckRequest.service. */
export function decodeServiceName(buf: Buffer): string {
  let service = '';
  walkFields(buf, (field, v) => {
    if (field === 1 && v.bytes) service = v.bytes.toString('utf8');
  });
  return service;
}

/** Encodes HealthCheckResponse{status=1}; proto3 omits the default 0. */
export function encodeHealthStatus(status: number): Buffer {
  return status === 0 ? Buffer.alloc(0) : Buffer.from([0x08, ...writeVarint(status)]);
}

/** Decodes HealthCheckResponse.status (an absent field is 0, UNKNOWN). */
export function decodeHealthStatus(buf: Buffer): number {
  let status = 0;
  walkFields(buf, (field, v) => {
    if (field === 1 && v.varint !== undefined) status = v.varint;
  });
  return status;
}

/** Encodes containerd's VersionResponse{string version=1; string revision=2}. */
export function encodeVersion(v: { version: string; revision: string }): Buffer {
  const parts: Buffer[] = [];
  for (const [tag, s] of [
    [0x0a, v.version],
    [0x12, v.revision],
  ] as const) {
    if (s === '') continue;
    const bytes = Buffer.from(s, 'utf8');
    parts.push(Buffer.from([tag, ...writeVarint(bytes.length)]), bytes);
  }
  return Buffer.concat(parts);
}

/** Decodes containerd's VersionResponse. */
export function decodeVersion(buf: Buffer): { version: string; revision: string } {
  const out = { version: '', revision: '' };
  walkFields(buf, (field, v) => {
    if (field === 1 && v.bytes) out.version = v.bytes.toString('utf8');
    if (field === 2 && v.bytes) out.revision = v.bytes.toString('utf8');
  });
  return out;
}

const serializeEmpty = (): Buffer => Buffer.alloc(0);

// --- client -----------------------------------------------------------------------------------

/** Maps a failed call's gRPC status to a probe result. */
function resultForStatus(code: number | undefined): HealthResult {
  switch (code) {
    case grpc.status.UNIMPLEMENTED:
      return 'UNIMPLEMENTED';
    case grpc.status.DEADLINE_EXCEEDED:
      return 'TIMEOUT';
    case grpc.status.UNAVAILABLE:
      return 'UNAVAILABLE';
    default:
      return 'ERROR';
  }
}

/** One gRPC channel to containerd's socket for health and version calls. */
export class HealthClient {
  private readonly client: grpc.Client;
  private closed = false;
  private readonly pending = new Set<grpc.ClientUnaryCall>();

  constructor(socketPath: string) {
    this.client = new grpc.Client(
      `unix://${socketPath}`,
      grpc.credentials.createInsecure(),
      CHANNEL_OPTIONS,
    );
  }

  /** One health probe; never throws — every failure is a result with a detail. */
  async check(
    timeoutMs: number,
  ): Promise<{ result: HealthResult; latencyMs: number; detail?: string }> {
    const started = performance.now();
    try {
      const status = await this.unary(
        HEALTH_CHECK_PATH,
        () => encodeServiceName(''),
        decodeHealthStatus,
        timeoutMs,
      );
      const latencyMs = performance.now() - started;
      const result = HEALTH_STATUS[status] ?? 'UNKNOWN';
      return result === 'UNKNOWN' && status !== 0
        ? { result, latencyMs, detail: `unexpected health status ${status}` }
        : { result, latencyMs };
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
  version(timeoutMs: number): Promise<{ version: string; revision: string }> {
    return this.unary(VERSION_PATH, serializeEmpty, decodeVersion, timeoutMs);
  }

  /** Closes the channel and cancels calls still in flight. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const call of this.pending) call.cancel();
    this.pending.clear();
    this.client.close();
  }

  /** Cancels in-flight calls (they settle as CANCELLED) without closing the channel. */
  cancelPending(): void {
    for (const call of this.pending) call.cancel();
  }

  private unary<T>(
    path: string,
    serialize: () => Buffer,
    deserialize: (b: Buffer) => T,
    timeoutMs: number,
  ): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (this.closed) {
        reject(Object.assign(new Error('health client closed'), { code: grpc.status.CANCELLED }));
        return;
      }
      const deadline = new Date(Date.now() + Math.max(1, timeoutMs));
      let call: grpc.ClientUnaryCall | undefined;
      let settled = false;
      try {
        // No waitForReady: a daemon that is not listening must fail the call at once.
        call = this.client.makeUnaryRequest<null, T>(
          path,
          serialize,
          deserialize,
          null,
          new grpc.Metadata(),
          { deadline },
          (err, value) => {
            settled = true;
            if (call) this.pending.delete(call);
            if (err) reject(err);
            else resolve(value as T);
          },
        );
        if (!settled) this.pending.add(call);
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

/** Resolves true when something accepts a connection on the socket, false otherwise. */
function socketAccepts(socketPath: string, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect(socketPath);
    const timer = setTimeout(() => done(false), Math.max(1, timeoutMs));
    function done(ok: boolean): void {
      clearTimeout(timer);
      sock.removeAllListeners();
      sock.on('error', () => undefined);
      sock.destroy();
      resolve(ok);
    }
    sock.once('connect', () => done(true));
    sock.once('error', () => done(false));
  });
}

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
        existsSync(socketPath) && (await socketAccepts(socketPath, Math.min(remaining, 1000)));
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
