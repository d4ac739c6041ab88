// One connection's pushed events, bounded in bytes: a follower that reads slower than a flood
// loses the oldest log lines (announced by one marker line), never its connection.
import type { AnyEvent } from '../../common/contract';
import { eventFrames, MAX_EVENT_BYTES } from '../../common/rpc';
import type { LogLine } from '../../common/states';

/** Event bytes a connection may have waiting behind its transport by default. */
export const MAX_OUTBOX_BYTES = 8 * 1024 * 1024;
/** Bytes handed to the transport before the outbox waits for it to write them out. */
export const OUTBOX_IN_FLIGHT_BYTES = 1024 * 1024;

/**
 * One encoded frame, with what it holds of the log (so dropping it can be announced). Its JSON is
 * kept as UTF-8 bytes: a frame may wait here a while, and a waiting string of up to 1 MiB is moved
 * to V8's old generation, where it stays as garbage until a full collection (a follower reading a
 * flood once pushed serve's RSS 100+ MiB over its bound that way). A buffer's bytes live outside
 * the heap and are reclaimed as they are released.
 */
export interface OutFrame {
  data: Buffer;
  bytes: number;
  /** Log lines in it (0 for any other event) and their seq range. */
  lines: number;
  fromSeq: number;
  toSeq: number;
}

/** Encode an event once for every connection that receives it (see eventFrames). */
export function outFrames(
  e: AnyEvent,
  maxBytes: number = MAX_EVENT_BYTES,
  onDrop?: (why: string) => void,
): OutFrame[] {
  const lines = e.event === 'logs:lines' ? e.payload.lines : null;
  const out: OutFrame[] = [];
  // Each frame becomes bytes before the next is built: its strings die young (see eventFrames).
  for (const f of eventFrames(e, maxBytes, onDrop)) {
    const data = Buffer.from(f.text);
    out.push({
      data,
      bytes: data.length,
      lines: lines ? f.items : 0,
      fromSeq: lines && f.first >= 0 ? (lines[f.first] as LogLine).seq : 0,
      toSeq: lines && f.last >= 0 ? (lines[f.last] as LogLine).seq : 0,
    });
  }
  return out;
}

/** What was dropped since the last frame that went out. */
interface Gap {
  lines: number;
  fromSeq: number;
  toSeq: number;
  events: number;
}

/**
 * The line that stands where dropped lines were. It takes the last dropped line's seq, so it sorts
 * in place and is never mistaken for an older line.
 */
export function droppedLinesMarker(
  count: number,
  fromSeq: number,
  toSeq: number,
  why: string,
  at: number = Date.now(),
): LogLine {
  const text = `[cdesk] ${count} log line${count === 1 ? '' : 's'} (seq ${fromSeq}–${toSeq}) dropped from the live stream: ${why}; \`cdesk daemon logs\` still reads them while the engine's buffer holds them`;
  return {
    seq: toSeq,
    time: at,
    level: 'warn',
    msg: text,
    fields: { dropped: String(count), fromSeq: String(fromSeq), toSeq: String(toSeq) },
    raw: text,
  };
}

export interface EventOutboxOptions {
  /** Hand one frame (its JSON, UTF-8) to the transport; `written` runs once it is written out (or the write failed). */
  write(data: Buffer, written: () => void): void;
  /** Bytes the transport holds unwritten (replies included). */
  buffered(): number;
  maxQueuedBytes?: number;
  inFlightBytes?: number;
  maxEventBytes?: number;
}

export interface EventOutbox {
  push(frames: readonly OutFrame[]): void;
  /** Write what waits, as far as the transport takes it (call when it drained). */
  pump(): void;
  /** Bytes waiting in the outbox. */
  readonly queuedBytes: number;
  dispose(): void;
}

export function createEventOutbox(opts: EventOutboxOptions): EventOutbox {
  const maxQueued = Math.max(1, opts.maxQueuedBytes ?? MAX_OUTBOX_BYTES);
  const inFlight = Math.max(1, opts.inFlightBytes ?? OUTBOX_IN_FLIGHT_BYTES);
  const maxEvent = opts.maxEventBytes ?? MAX_EVENT_BYTES;
  let queue: OutFrame[] = [];
  let head = 0;
  let bytes = 0;
  let gap: Gap | null = null;
  let disposed = false;
  let pumping = false;
  const pumpSoon = () => pump();

  /** Drop the oldest log frame (else the oldest frame) and remember it for the marker. */
  function dropOldest(): void {
    let i = head;
    while (i < queue.length && (queue[i] as OutFrame).lines === 0) i++;
    if (i >= queue.length) i = head;
    const f = queue[i] as OutFrame;
    if (i === head) head++;
    else queue.splice(i, 1);
    bytes -= f.bytes;
    gap ??= { lines: 0, fromSeq: 0, toSeq: 0, events: 0 };
    if (f.lines > 0) {
      gap.fromSeq = gap.lines === 0 ? f.fromSeq : Math.min(gap.fromSeq, f.fromSeq);
      gap.toSeq = Math.max(gap.toSeq, f.toSeq);
      gap.lines += f.lines;
    } else {
      gap.events++;
    }
  }

  function marker(g: Gap): Buffer | null {
    const why = 'this client read them slower than they came';
    const other = `${g.events} event${g.events === 1 ? '' : 's'}`;
    const line =
      g.lines > 0
        ? droppedLinesMarker(g.lines, g.fromSeq, g.toSeq, g.events ? `${why} (and ${other})` : why)
        : null;
    // Only other events went (no log line to stand for them): say so as a log line all the same.
    const text = `[cdesk] ${other} dropped from the live stream: ${why}`;
    const lines = [
      line ?? {
        seq: 0,
        time: Date.now(),
        level: 'warn' as const,
        msg: text,
        fields: {},
        raw: text,
      },
    ];
    return outFrames({ event: 'logs:lines', payload: { lines } }, maxEvent)[0]?.data ?? null;
  }

  function pump(): void {
    // A transport that calls back at once must not nest pumps (the loop below goes on anyway).
    if (pumping) return;
    pumping = true;
    try {
      pumpLoop();
    } finally {
      pumping = false;
    }
  }

  function pumpLoop(): void {
    while (!disposed && opts.buffered() < inFlight && (gap || head < queue.length)) {
      let data: Buffer | null;
      if (gap) {
        data = marker(gap);
        gap = null;
      } else {
        const f = queue[head] as OutFrame;
        queue[head++] = undefined as unknown as OutFrame;
        bytes -= f.bytes;
        data = f.data;
      }
      if (data !== null) opts.write(data, pumpSoon);
    }
    if (head >= queue.length) {
      queue = [];
      head = 0;
    } else if (head > 4096) {
      queue = queue.slice(head);
      head = 0;
    }
  }

  return {
    push(frames) {
      if (disposed) return;
      for (const f of frames) {
        queue.push(f);
        bytes += f.bytes;
      }
      // The newest frame always waits, so a follower sees where the stream is now.
      while (bytes > maxQueued && queue.length - head > 1) dropOldest();
      pump();
    },
    pump,
    get queuedBytes() {
      return bytes;
    },
    dispose() {
      disposed = true;
      queue = [];
      head = 0;
      bytes = 0;
      gap = null;
    },
  };
}
