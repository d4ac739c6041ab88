// A connection's event outbox: bounded in bytes, oldest log lines dropped with one marker, never a cut.
import { describe, expect, it } from 'vitest';
import type { LogLine } from '../../../common/states';
import { createEventOutbox, outFrames } from '../../../main/shared/event-outbox';

const line = (seq: number, bytes = 1000): LogLine => ({
  seq,
  time: seq,
  level: 'info',
  msg: `m${seq}`,
  fields: {},
  raw: 'x'.repeat(bytes),
});

/** A transport that holds what it is given until flush() writes it out. */
function transport() {
  const held: { text: string; written: () => void }[] = [];
  const out: { event: string; payload: { lines?: LogLine[] } }[] = [];
  return {
    held,
    out,
    write: (data: Buffer, written: () => void) => held.push({ text: data.toString(), written }),
    buffered: () => held.reduce((n, h) => n + h.text.length, 0),
    flush() {
      for (const h of held.splice(0)) {
        out.push(JSON.parse(h.text) as (typeof out)[number]);
        h.written();
      }
    },
  };
}

describe('event outbox', () => {
  it('holds at most its bound, drops the oldest lines, and sends one marker before the rest', () => {
    const t = transport();
    const box = createEventOutbox({ ...t, maxQueuedBytes: 20_000, inFlightBytes: 1 });
    for (let i = 1; i <= 100; i++)
      box.push(outFrames({ event: 'logs:lines', payload: { lines: [line(i)] } }));
    expect(box.queuedBytes).toBeLessThanOrEqual(20_000);
    for (let i = 0; i < 200 && t.held.length; i++) t.flush();
    const lines = t.out.flatMap((m) => m.payload.lines ?? []);
    const marker = lines.find((l) => l.fields.dropped !== undefined)!;
    expect(marker).toMatchObject({ level: 'warn', fields: { fromSeq: '2' } });
    expect(marker.msg).toMatch(/log lines \(seq 2–\d+\) dropped/);
    const kept = lines.filter((l) => l !== marker);
    expect(kept[0]!.seq).toBe(1); // already handed to the transport before the flood
    expect(kept.at(-1)!.seq).toBe(100);
    expect(kept.length - 1 + Number(marker.fields.dropped)).toBe(99);
    expect(Number(marker.fields.toSeq)).toBe(kept[1]!.seq - 1);
  });

  it('drops log lines before other events', () => {
    const t = transport();
    const box = createEventOutbox({ ...t, maxQueuedBytes: 5_000, inFlightBytes: 1 });
    box.push(outFrames({ event: 'logs:lines', payload: { lines: [line(1)] } }));
    box.push(outFrames({ event: 'health:sample', payload: { ok: true } } as never));
    for (let i = 2; i <= 20; i++)
      box.push(outFrames({ event: 'logs:lines', payload: { lines: [line(i)] } }));
    for (let i = 0; i < 50 && t.held.length; i++) t.flush();
    expect(t.out.some((m) => m.event === 'health:sample')).toBe(true);
  });

  it('sends at once while the transport keeps up (nothing dropped)', () => {
    const t = transport();
    const box = createEventOutbox({ ...t, maxQueuedBytes: 5_000 });
    for (let i = 1; i <= 50; i++) {
      box.push(outFrames({ event: 'logs:lines', payload: { lines: [line(i)] } }));
      t.flush();
    }
    expect(t.out.flatMap((m) => m.payload.lines ?? []).map((l) => l.seq)).toEqual(
      Array.from({ length: 50 }, (_, i) => i + 1),
    );
  });
});
