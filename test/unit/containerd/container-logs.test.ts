// Reading container logs from files: json-file and CRI lines, rotation, tail, since and the follow cursor.
import { appendFileSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  parseCriLogLine,
  parseJsonLogLine,
  readContainerLog,
  watchForChange,
} from '../../../main/containerd/container-logs';

let dir: string;
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'cd-clog-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const line = (text: string, stream = 'stdout', time = '2024-05-01T10:00:00.123456789Z') =>
  `${JSON.stringify({ log: `${text}\n`, stream, time })}\n`;

describe('line parsers', () => {
  it('reads docker json-file lines, partial ones too', () => {
    expect(parseJsonLogLine(line('hi', 'stderr'))).toEqual({
      stream: 'stderr',
      time: Date.parse('2024-05-01T10:00:00.123Z'),
      timestamp: '2024-05-01T10:00:00.123456789Z',
      text: 'hi',
    });
    expect(
      parseJsonLogLine('{"log":"no end","stream":"stdout","time":"2024-05-01T10:00:00Z"}'),
    ).toMatchObject({ text: 'no end', partial: true });
    expect(parseJsonLogLine('not json')).toBeNull();
    expect(parseJsonLogLine('{"log":"x","stream":"other","time":"t"}')).toBeNull();
  });
  it('reads CRI lines', () => {
    expect(parseCriLogLine('2016-10-06T00:17:09.669794202Z stderr P half')).toMatchObject({
      stream: 'stderr',
      text: 'half',
      partial: true,
    });
    expect(parseCriLogLine('garbage')).toBeNull();
  });
});

describe('readContainerLog', () => {
  it('reads rotations oldest first, honours tail and since', async () => {
    const f = join(dir, 'c-json.log');
    writeFileSync(`${f}.2`, line('a', 'stdout', '2024-05-01T10:00:00Z'));
    writeFileSync(`${f}.1`, line('b', 'stdout', '2024-05-01T10:00:01Z'));
    writeFileSync(
      f,
      line('c', 'stderr', '2024-05-01T10:00:02Z') + line('d', 'stdout', '2024-05-01T10:00:03Z'),
    );
    const all = await readContainerLog(f, { format: 'json-file', maxBytes: 1 << 20 });
    expect(all.lines.map((l) => l.text)).toEqual(['a', 'b', 'c', 'd']);
    const tail = await readContainerLog(f, { format: 'json-file', tail: 3, maxBytes: 1 << 20 });
    expect(tail.lines.map((l) => l.text)).toEqual(['b', 'c', 'd']);
    const since = await readContainerLog(f, {
      format: 'json-file',
      sinceMs: Date.parse('2024-05-01T10:00:02Z'),
      maxBytes: 1 << 20,
    });
    expect(since.lines.map((l) => l.text)).toEqual(['c', 'd']);
  });

  it('stays within maxBytes, keeping the newest lines', async () => {
    const f = join(dir, 'c-json.log');
    writeFileSync(f, Array.from({ length: 100 }, (_, i) => line(`n${i}`)).join(''));
    const r = await readContainerLog(f, { format: 'json-file', maxBytes: 1024 });
    expect(r.lines.length).toBeGreaterThan(0);
    expect(r.lines.length).toBeLessThan(100);
    expect(r.lines.at(-1)!.text).toBe('n99');
  });

  it('a cursor follows appends, a partial line waits, and a rotation is finished first', async () => {
    const f = join(dir, 'c-json.log');
    writeFileSync(f, line('one'));
    const p0 = await readContainerLog(f, { format: 'json-file', maxBytes: 1 << 20 });
    appendFileSync(f, line('two'));
    const half = line('three');
    appendFileSync(f, half.slice(0, 10));
    const p1 = await readContainerLog(f, {
      format: 'json-file',
      cursor: p0.cursor,
      maxBytes: 1 << 20,
    });
    expect(p1.lines.map((l) => l.text)).toEqual(['two']);
    appendFileSync(f, half.slice(10));
    renameSync(f, `${f}.1`);
    writeFileSync(f, line('four'));
    const p2 = await readContainerLog(f, {
      format: 'json-file',
      cursor: p1.cursor,
      maxBytes: 1 << 20,
    });
    expect(p2.lines.map((l) => l.text)).toEqual(['three', 'four']);
    const p3 = await readContainerLog(f, {
      format: 'json-file',
      cursor: p2.cursor,
      maxBytes: 1 << 20,
    });
    expect(p3.lines).toEqual([]);
  });
});

describe('readContainerLog: every line of a log larger than a page', () => {
  const texts = (r: { lines: { text: string }[] }) => r.lines.map((l) => l.text);
  /** Ten lines a file: n0..n9 in FILE.2, n10..n19 in FILE.1, n20..n29 live. */
  const rotated = () => {
    const f = join(dir, 'c-json.log');
    const lines = (from: number) =>
      Array.from({ length: 10 }, (_, i) => line(`n${from + i}`)).join('');
    writeFileSync(`${f}.2`, lines(0));
    writeFileSync(`${f}.1`, lines(10));
    writeFileSync(f, lines(20));
    return f;
  };

  it('an untailed page that leaves older lines out says so', async () => {
    const f = rotated();
    const newest = await readContainerLog(f, { format: 'json-file', maxBytes: 1024 });
    expect(newest.truncated).toBe(true);
    expect(texts(newest).at(-1)).toBe('n29');
    const whole = await readContainerLog(f, { format: 'json-file', maxBytes: 1 << 20 });
    expect(whole.truncated).toBeUndefined();
    expect(texts(whole)).toHaveLength(30);
    const tail = await readContainerLog(f, { format: 'json-file', tail: 2, maxBytes: 1024 });
    expect(tail.truncated).toBeUndefined();
  });

  it('cursor 0:0 pages through every rotation, oldest first, then the live file', async () => {
    const f = rotated();
    const seen: string[] = [];
    let page = await readContainerLog(f, { format: 'json-file', cursor: '0:0', maxBytes: 300 });
    seen.push(...texts(page));
    for (let i = 0; page.more && i < 100; i++) {
      page = await readContainerLog(f, { format: 'json-file', cursor: page.cursor, maxBytes: 300 });
      seen.push(...texts(page));
    }
    expect(seen).toEqual(Array.from({ length: 30 }, (_, i) => `n${i}`));
    appendFileSync(f, line('n30'));
    const next = await readContainerLog(f, {
      format: 'json-file',
      cursor: page.cursor,
      maxBytes: 300,
    });
    expect(texts(next)).toEqual(['n30']);
  });

  it('a follower whose file rotated twice meanwhile reads the rotation in between too', async () => {
    const f = join(dir, 'c-json.log');
    writeFileSync(f, line('one'));
    const p0 = await readContainerLog(f, { format: 'json-file', maxBytes: 1 << 20 });
    appendFileSync(f, line('two'));
    renameSync(f, `${f}.1`);
    writeFileSync(f, line('three'));
    renameSync(`${f}.1`, `${f}.2`);
    renameSync(f, `${f}.1`);
    writeFileSync(f, line('four'));
    const p1 = await readContainerLog(f, {
      format: 'json-file',
      cursor: p0.cursor,
      maxBytes: 1 << 20,
    });
    expect(texts(p1)).toEqual(['two', 'three', 'four']);
  });

  it('since filters the pages a cursor reads', async () => {
    const f = join(dir, 'c-json.log');
    writeFileSync(
      f,
      line('old', 'stdout', '2024-05-01T10:00:00Z') + line('new', 'stdout', '2024-05-01T10:00:05Z'),
    );
    const r = await readContainerLog(f, {
      format: 'json-file',
      cursor: '0:0',
      sinceMs: Date.parse('2024-05-01T10:00:01Z'),
      maxBytes: 1 << 20,
    });
    expect(texts(r)).toEqual(['new']);
  });
});

describe('watchForChange', () => {
  it('resolves at the first write, long before its limit', async () => {
    const file = join(dir, 'w.log');
    writeFileSync(file, line('a'));
    const w = watchForChange(file, 10_000);
    const t0 = Date.now();
    setTimeout(() => appendFileSync(file, line('b')), 50);
    await w.changed;
    expect(Date.now() - t0).toBeLessThan(2000);
    w.close();
  });

  it('resolves at its limit when nothing changes, and for a missing file', async () => {
    const file = join(dir, 'quiet.log');
    writeFileSync(file, line('a'));
    const t0 = Date.now();
    await watchForChange(file, 150).changed;
    await watchForChange(join(dir, 'missing.log'), 150).changed;
    expect(Date.now() - t0).toBeGreaterThanOrEqual(290);
  });
});
