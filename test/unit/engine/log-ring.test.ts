// The live-view ring: bounded, wraps around, and answers follow/filter/search queries newest-first-limited.
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
    expect(ring.query({})).toEqual([]);
  });

  it('keeps the newest lines across wraparound, oldest first', () => {
    const ring = new LogRing(4);
    ring.push([line(1), line(2), line(3)]);
    ring.push([line(4), line(5)]);
    ring.push([line(6)]);
    expect(ring.size).toBe(4);
    expect(ring.lastSeq).toBe(6);
    expect(seqs(ring.query({}))).toEqual([3, 4, 5, 6]);
  });

  it('takes a batch larger than its capacity', () => {
    const ring = new LogRing(3);
    ring.push(Array.from({ length: 10 }, (_, i) => line(i + 1)));
    expect(seqs(ring.query({}))).toEqual([8, 9, 10]);
    expect(ring.lastSeq).toBe(10);
    ring.push([]);
    expect(ring.lastSeq).toBe(10);
  });

  it('returns the last `limit` matches', () => {
    const ring = new LogRing(10);
    ring.push(Array.from({ length: 8 }, (_, i) => line(i + 1)));
    expect(seqs(ring.query({ limit: 3 }))).toEqual([6, 7, 8]);
    expect(ring.query({ limit: 0 })).toEqual([]);
    expect(seqs(ring.query({ limit: 100 }))).toHaveLength(8);
  });

  it('follows with sinceSeq (exclusive)', () => {
    const ring = new LogRing(5);
    ring.push(Array.from({ length: 7 }, (_, i) => line(i + 1)));
    expect(seqs(ring.query({ sinceSeq: 5 }))).toEqual([6, 7]);
    expect(seqs(ring.query({ sinceSeq: 7 }))).toEqual([]);
    // Older than the ring holds: everything still there.
    expect(seqs(ring.query({ sinceSeq: 1 }))).toEqual([3, 4, 5, 6, 7]);
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
    expect(seqs(ring.query({ minLevel: 'warn' }))).toEqual([2, 4]);
    expect(seqs(ring.query({ minLevel: 'info' }))).toEqual([2, 3, 4, 5]);
    expect(seqs(ring.query({ sinceTime: 2000 }))).toEqual([2, 4, 5]);
    expect(seqs(ring.query({ text: 'BTRFS' }))).toEqual([2, 5]);
    expect(seqs(ring.query({ text: 'btrfs', minLevel: 'warn' }))).toEqual([2]);
    expect(seqs(ring.query({ text: 'plugin', limit: 1 }))).toEqual([5]);
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
    expect(ring.query({ text: 'plugin "io.containerd' })).toHaveLength(1);
    expect(ring.query({ text: 'plugin \\"io' })).toHaveLength(1);
  });

  it('stays bounded under a long stream', () => {
    const ring = new LogRing(1000);
    for (let b = 0; b < 500; b++) {
      ring.push(Array.from({ length: 100 }, (_, i) => line(b * 100 + i + 1)));
    }
    expect(ring.size).toBe(1000);
    const all = ring.query({});
    expect(all[0]?.seq).toBe(49_001);
    expect(all[999]?.seq).toBe(50_000);
  });
});
