// The live-view ring: bounded by lines and bytes, wraps around, and answers follow/filter/search queries in byte-bounded pages.
import { describe, expect, it } from 'vitest';
import type { LogLevel, LogLine } from '../../../common/states';
import { LogRing } from '../../../main/engine/log-ring';

function line(
  seq: number,
  level: LogLevel = 'info',
  msg = `line ${seq}`,
  time = seq * 1000,
): LogLine {
  return { seq, time, level, msg, fields: {}, raw: `level=${level} msg="${msg}"` };
}

function seqs(lines: LogLine[]): number[] {
  return lines.map((l) => l.seq);
}

describe('LogRing', () => {
  it('rejects a useless capacity', () => {
    expect(() => new LogRing(0)).toThrow(RangeError);
    expect(() => new LogRing(1.5)).toThrow(RangeError);
  });

  it('starts empty', () => {
    const ring = new LogRing(3);
    expect(ring.size).toBe(0);
    expect(ring.lastSeq).toBe(0);
    expect(ring.query({})).toEqual({ lines: [], nextSeq: null });
  });

  it('keeps the newest lines across wraparound, oldest first', () => {
    const ring = new LogRing(4);
    ring.push([line(1), line(2), line(3)]);
    ring.push([line(4), line(5)]);
    ring.push([line(6)]);
    expect(ring.size).toBe(4);
    expect(ring.lastSeq).toBe(6);
    expect(seqs(ring.query({}).lines)).toEqual([3, 4, 5, 6]);
  });

  it('takes a batch larger than its capacity', () => {
    const ring = new LogRing(3);
    ring.push(Array.from({ length: 10 }, (_, i) => line(i + 1)));
    expect(seqs(ring.query({}).lines)).toEqual([8, 9, 10]);
    expect(ring.lastSeq).toBe(10);
    ring.push([]);
    expect(ring.lastSeq).toBe(10);
  });

  it('returns the last `limit` matches', () => {
    const ring = new LogRing(10);
    ring.push(Array.from({ length: 8 }, (_, i) => line(i + 1)));
    expect(seqs(ring.query({ limit: 3 }).lines)).toEqual([6, 7, 8]);
    expect(ring.query({ limit: 0 }).lines).toEqual([]);
    expect(seqs(ring.query({ limit: 100 }).lines)).toHaveLength(8);
  });

  it('follows with sinceSeq (exclusive)', () => {
    const ring = new LogRing(5);
    ring.push(Array.from({ length: 7 }, (_, i) => line(i + 1)));
    expect(seqs(ring.query({ sinceSeq: 5 }).lines)).toEqual([6, 7]);
    expect(seqs(ring.query({ sinceSeq: 7 }).lines)).toEqual([]);
    // Older than the ring holds: everything still there.
    expect(seqs(ring.query({ sinceSeq: 1 }).lines)).toEqual([3, 4, 5, 6, 7]);
  });

  it('filters by time, level and text together', () => {
    const ring = new LogRing(10);
    ring.push([
      line(1, 'debug', 'gc done', 1000),
      line(2, 'warn', 'failed to load plugin Btrfs', 2000),
      line(3, 'unknown', 'goroutine 1 [running]:', 500),
      line(4, 'error', 'shim disconnected', 4000),
      line(5, 'info', 'loading plugin btrfs', 5000),
    ]);
    expect(seqs(ring.query({ minLevel: 'warn' }).lines)).toEqual([2, 4]);
    expect(seqs(ring.query({ minLevel: 'info' }).lines)).toEqual([2, 3, 4, 5]);
    expect(seqs(ring.query({ sinceTime: 2000 }).lines)).toEqual([2, 4, 5]);
    expect(seqs(ring.query({ text: 'BTRFS' }).lines)).toEqual([2, 5]);
    expect(seqs(ring.query({ text: 'btrfs', minLevel: 'warn' }).lines)).toEqual([2]);
    expect(seqs(ring.query({ text: 'plugin', limit: 1 }).lines)).toEqual([5]);
  });

  it('searches the unescaped msg as well as the raw line', () => {
    const ring = new LogRing(2);
    ring.push([
      {
        seq: 1,
        time: 0,
        level: 'info',
        msg: 'loading plugin "io.containerd.content.v1.content"...',
        fields: {},
        raw: 'level=info msg="loading plugin \\"io.containerd.content.v1.content\\"..."',
      },
    ]);
    expect(ring.query({ text: 'plugin "io.containerd' }).lines).toHaveLength(1);
    expect(ring.query({ text: 'plugin \\"io' }).lines).toHaveLength(1);
  });

  it('stays bounded under a long stream', () => {
    const ring = new LogRing(1000);
    for (let b = 0; b < 500; b++) {
      ring.push(Array.from({ length: 100 }, (_, i) => line(b * 100 + i + 1)));
    }
    expect(ring.size).toBe(1000);
    const all = ring.query({ maxBytes: 4 << 20 }).lines;
    expect(all[0]?.seq).toBe(49_001);
    expect(all[999]?.seq).toBe(50_000);
  });

  it('drops the oldest lines once their bytes pass maxBytes, always keeping the newest', () => {
    const big = (seq: number, n: number): LogLine => ({
      ...line(seq),
      raw: 'x'.repeat(n),
      msg: 'm',
    });
    const ring = new LogRing({ maxLines: 100, maxBytes: 10_000 });
    ring.push([1, 2, 3, 4, 5].map((s) => big(s, 3000)));
    expect(seqs(ring.query({}).lines)).toEqual([3, 4, 5]);
    expect(ring.bytes).toBeLessThanOrEqual(10_000);
    ring.push([big(6, 50_000)]);
    expect(seqs(ring.query({ maxBytes: 1 << 20 }).lines)).toEqual([6]);
    expect(ring.size).toBe(1);
  });

  it('pages a large answer by maxBytes: nextSeq fetches the rest, no gap, no repeat', () => {
    const ring = new LogRing({ maxLines: 1000 });
    ring.push(
      Array.from({ length: 500 }, (_, i) => ({
        ...line(i + 1),
        raw: `${i + 1} `.padEnd(400, 'y'),
      })),
    );
    const got: number[] = [];
    let page = ring.query({ maxBytes: 16 * 1024 });
    let calls = 1;
    while (true) {
      expect(Buffer.byteLength(JSON.stringify(page.lines))).toBeLessThanOrEqual(16 * 1024);
      got.push(...seqs(page.lines));
      if (page.nextSeq === null) break;
      expect(page.nextSeq).toBe(got[got.length - 1]);
      page = ring.query({ sinceSeq: page.nextSeq, maxBytes: 16 * 1024 });
      calls++;
    }
    expect(got).toEqual(Array.from({ length: 500 }, (_, i) => i + 1));
    expect(calls).toBeGreaterThan(10);
  });

  it('counts escaped JSON bytes, so control characters cannot blow a page past maxBytes', () => {
    const ring = new LogRing(100);
    const ctl = '\u0001'.repeat(2000);
    ring.push(Array.from({ length: 20 }, (_, i) => ({ ...line(i + 1), raw: ctl, msg: ctl })));
    const page = ring.query({ maxBytes: 64 * 1024 });
    expect(Buffer.byteLength(JSON.stringify(page.lines))).toBeLessThanOrEqual(64 * 1024);
    expect(page.lines.length).toBeLessThan(20);
    expect(page.nextSeq).toBe(page.lines[page.lines.length - 1]?.seq);
  });

  it('shrinks a single line larger than maxBytes with a visible marker instead of exceeding it', () => {
    const ring = new LogRing(10);
    ring.push([{ ...line(1), raw: 'z'.repeat(200_000), msg: 'z'.repeat(200_000) }, line(2)]);
    const page = ring.query({ maxBytes: 8192 });
    expect(page.lines).toHaveLength(1);
    expect(page.lines[0]?.seq).toBe(1);
    expect(page.lines[0]?.raw).toMatch(/… \[cut \d+(\.\d)? KiB\]$/);
    expect(Buffer.byteLength(JSON.stringify(page.lines))).toBeLessThanOrEqual(8192);
    expect(page.nextSeq).toBe(1);
    expect(seqs(ring.query({ sinceSeq: 1 }).lines)).toEqual([2]);
  });

  it('is reconfigured live, keeping the newest lines that fit', () => {
    const ring = new LogRing(100);
    ring.push(Array.from({ length: 50 }, (_, i) => line(i + 1)));
    ring.configure({ maxLines: 10 });
    expect(seqs(ring.query({}).lines)).toEqual([41, 42, 43, 44, 45, 46, 47, 48, 49, 50]);
    expect(ring.capacity).toBe(10);
    expect(ring.lastSeq).toBe(50);
    ring.configure({ maxLines: 100, maxBytes: 3 * (64 + 30) });
    expect(ring.size).toBeLessThanOrEqual(3);
    ring.push([line(51)]);
    expect(ring.query({}).lines.at(-1)?.seq).toBe(51);
    expect(() => ring.configure({ maxLines: 0 })).toThrow(/maxLines/);
  });
});
