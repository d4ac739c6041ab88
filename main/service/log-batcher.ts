// Coalesces log lines into events: at most one batch per interval, batches and backlog bounded by lines AND bytes, drops announced by a marker line.
import { lineCost } from '../../common/log-filter';
import type { LogLine } from '../../common/states';
import { droppedLinesMarker } from '../shared/event-outbox';

export interface LogBatcherOptions {
  /** Minimum time between two batches; 1000/60 ms keeps it at most 60 batches a second. */
  intervalMs?: number;
  /** Lines per batch; the rest waits for the next batch. Default 5000. */
  maxBatch?: number;
  /** Bytes per batch (lineCost), so a flood of long lines never makes a huge event. Default 1 MiB. */
  maxBatchBytes?: number;
  /** Lines waiting at most; beyond it the oldest waiting lines are dropped. Default 20,000. */
  maxBacklog?: number;
  /** Bytes waiting at most (lineCost); beyond it the oldest waiting lines are dropped. Default 8 MiB. */
  maxBacklogBytes?: number;
  now?: () => number;
}

export interface LogBatcher {
  push(lines: LogLine[]): void;
  /** Lines dropped because the backlog overflowed (a slow flush, not a slow subscriber). */
  dropped(): number;
  dispose(): void;
}

/** The lines dropped in front of the queue, announced by one marker line when they would have gone out. */
interface Gap {
  count: number;
  fromSeq: number;
  toSeq: number;
}

/** The marker where the lines were; they are still in the engine's ring (logs:read with sinceSeq). */
function gapMarker(g: Gap, at: number): LogLine {
  return droppedLinesMarker(
    g.count,
    g.fromSeq,
    g.toSeq,
    'they came faster than they could be sent',
    at,
  );
}

export function createLogBatcher(
  emit: (lines: LogLine[]) => void,
  opts: LogBatcherOptions = {},
): LogBatcher {
  const intervalMs = opts.intervalMs ?? 1000 / 60;
  const maxBatch = Math.max(1, opts.maxBatch ?? 5000);
  const maxBatchBytes = Math.max(1, opts.maxBatchBytes ?? 1 << 20);
  const maxBacklog = Math.max(1, opts.maxBacklog ?? 20_000);
  const maxBacklogBytes = Math.max(1, opts.maxBacklogBytes ?? 8 << 20);
  const now = opts.now ?? (() => performance.now());
  let pending: LogLine[] = [];
  let costs: number[] = [];
  let head = 0;
  let bytes = 0;
  let gap: Gap | null = null;
  let lastFlush = -Infinity;
  let timer: NodeJS.Timeout | null = null;
  let droppedCount = 0;
  let disposed = false;

  function dropOldest(): void {
    const line = pending[head] as LogLine;
    const cost = costs[head] as number;
    pending[head] = undefined as unknown as LogLine;
    head++;
    bytes -= cost;
    droppedCount++;
    if (gap) {
      gap.count++;
      gap.toSeq = line.seq;
    } else {
      gap = { count: 1, fromSeq: line.seq, toSeq: line.seq };
    }
  }

  function compact(): void {
    if (head === 0) return;
    pending = pending.slice(head);
    costs = costs.slice(head);
    head = 0;
  }

  function flush(): void {
    timer = null;
    if (disposed || (head >= pending.length && !gap)) return;
    const batch: LogLine[] = [];
    let used = 0;
    if (gap) {
      batch.push(gapMarker(gap, Date.now()));
      gap = null;
    }
    // At least one line per batch, so a line larger than maxBatchBytes still goes out.
    while (head < pending.length && batch.length < maxBatch) {
      const cost = costs[head] as number;
      if (batch.length > 0 && used + cost > maxBatchBytes) break;
      batch.push(pending[head] as LogLine);
      pending[head] = undefined as unknown as LogLine;
      used += cost;
      bytes -= cost;
      head++;
    }
    if (head >= pending.length) {
      pending = [];
      costs = [];
      head = 0;
      bytes = 0;
    }
    lastFlush = now();
    emit(batch);
    schedule();
  }

  function schedule(): void {
    if (timer || disposed || (head >= pending.length && !gap)) return;
    // Leading edge: a lone line after a quiet spell goes out at once (low latency); a flood is paced.
    const wait = Math.max(0, lastFlush + intervalMs - now());
    timer = setTimeout(flush, Math.ceil(wait));
  }

  return {
    push(lines) {
      if (disposed || lines.length === 0) return;
      for (const l of lines) {
        const cost = lineCost(l);
        pending.push(l);
        costs.push(cost);
        bytes += cost;
        while (pending.length - head > maxBacklog || bytes > maxBacklogBytes) {
          if (pending.length - head === 1) break; // the newest line always waits
          dropOldest();
        }
      }
      if (head > 65_536) compact();
      schedule();
    },
    dropped: () => droppedCount,
    dispose() {
      disposed = true;
      if (timer) clearTimeout(timer);
      timer = null;
      pending = [];
      costs = [];
      head = 0;
      bytes = 0;
      gap = null;
    },
  };
}
