// The log batcher: paced batches bounded by lines and bytes, a bounded backlog, and a visible marker where lines were dropped.
import { describe, expect, it, vi } from 'vitest';
import type { LogLine } from '../../../common/states';
import { createLogBatcher } from '../../../main/service/log-batcher';
import { line } from './fake-engine';

const long = (seq: number, chars: number): LogLine => ({ ...line(seq), raw: 'x'.repeat(chars) });

describe('createLogBatcher', () => {
  it('drops the oldest waiting lines beyond the backlog cap and says so with a marker line in their place', async () => {
    const batches: LogLine[][] = [];
    const b = createLogBatcher((lines) => batches.push(lines), { maxBacklog: 3, maxBatch: 10 });
    b.push([1, 2, 3, 4, 5].map((s) => line(s)));
    await vi.waitFor(() => expect(batches).toHaveLength(1));
    const [marker, ...rest] = batches[0] as LogLine[];
    expect(rest.map((l) => l.seq)).toEqual([3, 4, 5]);
    expect(marker?.level).toBe('warn');
    expect(marker?.seq).toBe(2);
    expect(marker?.raw).toMatch(/^\[cdesk\] 2 log lines \(seq 1–2\) dropped/);
    expect(marker?.fields).toEqual({ dropped: '2', fromSeq: '1', toSeq: '2' });
    expect(b.dropped()).toBe(2);
    b.dispose();
  });

  it('bounds the backlog by bytes too', async () => {
    const batches: LogLine[][] = [];
    const b = createLogBatcher((lines) => batches.push(lines), {
      maxBacklogBytes: 10_000,
      maxBatchBytes: 1 << 20,
    });
    b.push(Array.from({ length: 20 }, (_, i) => long(i + 1, 1000)));
    await vi.waitFor(() => expect(batches).toHaveLength(1));
    const seqs = batches[0]!.map((l) => l.seq);
    // Nine ~1070-byte lines fit in 10,000; the marker (seq 11) stands for the eleven before them.
    expect(seqs).toEqual([11, 12, 13, 14, 15, 16, 17, 18, 19, 20]);
    expect(batches[0]![0]!.raw).toMatch(/11 log lines \(seq 1–11\) dropped/);
    b.dispose();
  });

  it('splits a big burst into batches capped by lines, in order', async () => {
    const batches: number[][] = [];
    const b = createLogBatcher((lines) => batches.push(lines.map((l) => l.seq)), {
      maxBatch: 2,
      intervalMs: 1,
    });
    b.push([1, 2, 3, 4, 5].map((s) => line(s)));
    await vi.waitFor(() => expect(batches.flat()).toHaveLength(5));
    expect(batches).toEqual([[1, 2], [3, 4], [5]]);
    b.dispose();
  });

  it('caps a batch by bytes, and still sends a single line larger than the cap', async () => {
    const batches: number[][] = [];
    const b = createLogBatcher((lines) => batches.push(lines.map((l) => l.seq)), {
      maxBatchBytes: 5000,
      intervalMs: 1,
    });
    b.push([long(1, 2000), long(2, 2000), long(3, 2000), long(4, 9000), long(5, 10)]);
    await vi.waitFor(() => expect(batches.flat()).toHaveLength(5));
    expect(batches).toEqual([[1, 2], [3], [4], [5]]);
    expect(b.dropped()).toBe(0);
    b.dispose();
  });
});
