// Coalesces log lines into batches: at most one batch per interval, bounded size, order kept.
import type { LogLine } from '../../common/states';

export interface LogBatcherOptions {
  /** Minimum time between two batches; 1000/60 ms keeps it at most 60 batches a second. */
  intervalMs?: number;
  /** Lines per batch; the rest waits for the next batch, so a flood never makes a huge message. */
  maxBatch?: number;
  /**
   * Lines waiting at most; beyond it the oldest waiting lines are dropped. Subscribers see the gap
   * in `seq` and can fetch the missing lines with `logs:read { sinceSeq }` from the engine's ring.
   */
  maxBacklog?: number;
  now?: () => number;
}

export interface LogBatcher {
  push(lines: LogLine[]): void;
  /** Lines dropped because the backlog overflowed (a slow flush, not a slow subscriber). */
  dropped(): number;
  dispose(): void;
}

export function createLogBatcher(
  emit: (lines: LogLine[]) => void,
  opts: LogBatcherOptions = {},
): LogBatcher {
  const intervalMs = opts.intervalMs ?? 1000 / 60;
  const maxBatch = opts.maxBatch ?? 5000;
  const maxBacklog = opts.maxBacklog ?? 200_000;
  const now = opts.now ?? (() => performance.now());
  let pending: LogLine[] = [];
  let head = 0;
  let lastFlush = -Infinity;
  let timer: NodeJS.Timeout | null = null;
  let droppedCount = 0;
  let disposed = false;

  function flush(): void {
    timer = null;
    if (disposed || head >= pending.length) return;
    const batch = pending.slice(head, head + maxBatch);
    head += batch.length;
    if (head >= pending.length) {
      pending = [];
      head = 0;
    }
    lastFlush = now();
    emit(batch);
    schedule();
  }

  function schedule(): void {
    if (timer || disposed || head >= pending.length) return;
    // Leading edge: a lone line after a quiet spell goes out at once (low latency); a flood is paced.
    const wait = Math.max(0, lastFlush + intervalMs - now());
    timer = setTimeout(flush, Math.ceil(wait));
  }

  return {
    push(lines) {
      if (disposed || lines.length === 0) return;
      for (const l of lines) pending.push(l);
      const waiting = pending.length - head;
      if (waiting > maxBacklog) {
        const drop = waiting - maxBacklog;
        head += drop;
        droppedCount += drop;
      }
      if (head > 65_536) {
        pending = pending.slice(head);
        head = 0;
      }
      schedule();
    },
    dropped: () => droppedCount,
    dispose() {
      disposed = true;
      if (timer) clearTimeout(timer);
      timer = null;
      pending = [];
      head = 0;
    },
  };
}
