// Tailing the durable log file: external appends, partial lines, history, copytruncate rotation, truncation, replacement, floods, stop.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { LogLine } from '../../../common/states';
import {
  LogTailer,
  ROTATE_COPY_SLACK_BYTES,
  type LogTailerOptions,
} from '../../../main/engine/log-tail';

let dir: string;
let file: string;
const tailers: LogTailer[] = [];
const fds: number[] = [];

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'log-tail-'));
  file = path.join(dir, 'containerd.log');
});

afterEach(async () => {
  for (const t of tailers.splice(0)) await t.stop();
  for (const fd of fds.splice(0)) fs.closeSync(fd);
  fs.rmSync(dir, { recursive: true, force: true });
});

/** The supervisor's writer: an O_APPEND fd, as handed to containerd's stdout/stderr. */
function writer(): number {
  const fd = fs.openSync(file, 'a', 0o600);
  fds.push(fd);
  return fd;
}

function logLine(i: number): string {
  return `time="2026-11-29T21:35:25.${String(i % 1e9).padStart(9, '0')}Z" level=info msg="line ${i}" n=${i}\n`;
}

function tail(opts: Partial<LogTailerOptions> = {}): {
  tailer: LogTailer;
  lines: LogLine[];
  batches: number[];
} {
  const lines: LogLine[] = [];
  const batches: number[] = [];
  const tailer = new LogTailer({
    file,
    rotateBytes: 1 << 30,
    rotateKeep: 5,
    pollMs: 20,
    onError: (err) => {
      throw err;
    },
    ...opts,
    onLines: (batch) => {
      batches.push(batch.length);
      lines.push(...batch);
    },
  });
  tailers.push(tailer);
  return { tailer, lines, batches };
}

async function waitFor(cond: () => boolean, ms = 10_000): Promise<void> {
  const until = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 5));
  }
}

function expectConsecutive(lines: LogLine[]): void {
  // One expect for the whole run: 200k expect() calls would dominate the flood test's time.
  const bad = lines.findIndex((l, i) => l.seq !== i + 1);
  expect(bad === -1 ? null : { index: bad, seq: lines[bad]?.seq }).toBeNull();
}

/** Lines in file.1..file.N (oldest first) and the live file. */
function linesOnDisk(keep: number): string[] {
  const out: string[] = [];
  for (let i = keep; i >= 1; i--) {
    const f = `${file}.${i}`;
    if (fs.existsSync(f)) out.push(...fs.readFileSync(f, 'utf8').split('\n').filter(Boolean));
  }
  out.push(...fs.readFileSync(file, 'utf8').split('\n').filter(Boolean));
  return out;
}

function fdsOnFile(): number {
  let n = 0;
  for (const fd of fs.readdirSync('/proc/self/fd')) {
    try {
      if (fs.readlinkSync(`/proc/self/fd/${fd}`) === file) n++;
    } catch {
      // fd closed while listing
    }
  }
  return n;
}

describe('LogTailer', () => {
  it('creates a missing file 0600 and follows external appends in order', async () => {
    const { tailer, lines } = tail();
    await tailer.start();
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    const fd = writer();
    for (let i = 1; i <= 50; i++) fs.writeSync(fd, logLine(i));
    await tailer.flush();
    expect(lines.map((l) => l.fields.n)).toEqual(
      Array.from({ length: 50 }, (_, i) => String(i + 1)),
    );
    expectConsecutive(lines);
    expect(lines[0]?.msg).toBe('line 1');
    expect(tailer.offset).toBe(fs.statSync(file).size);
  });

  it('picks up appends on its own (watch or poll)', async () => {
    const { tailer, lines } = tail({ pollMs: 100 });
    await tailer.start();
    const fd = writer();
    fs.writeSync(fd, logLine(1));
    await waitFor(() => lines.length === 1);
    fs.writeSync(fd, logLine(2) + logLine(3));
    await waitFor(() => lines.length === 3);
    expectConsecutive(lines);
  });

  it('buffers a partial line until its newline arrives, across chunks and UTF-8 sequences', async () => {
    // A 7-byte chunk splits the multi-byte characters below.
    const { tailer, lines } = tail({ chunkBytes: 7 });
    await tailer.start();
    const fd = writer();
    fs.writeSync(fd, 'level=info msg="héllo €');
    await tailer.flush();
    expect(lines).toHaveLength(0);
    fs.writeSync(fd, ' wörld"\r\n\n');
    await tailer.flush();
    expect(lines).toHaveLength(1);
    expect(lines[0]?.msg).toBe('héllo € wörld');
    expect(lines[0]?.raw).toBe('level=info msg="héllo € wörld"');
  });

  it('cuts a line over maxLineBytes with a visible marker, holding only its head while it grows', async () => {
    const { tailer, lines } = tail({ chunkBytes: 4096, maxLineBytes: 1024 });
    await tailer.start();
    const fd = writer();
    fs.writeSync(fd, 'x'.repeat(100 * 1024));
    await tailer.flush();
    expect(lines).toHaveLength(0);
    fs.writeSync(fd, 'yyy\n' + logLine(2));
    await tailer.flush();
    expect(lines).toHaveLength(2);
    expect(lines[0]?.raw).toBe('x'.repeat(1024) + ' … [cut 99 KiB]');
    expect(lines[1]?.msg).toBe('line 2');
    expectConsecutive(lines);
  });

  it('cuts long complete lines inside one chunk and keeps the level of a cut logrus line', async () => {
    const { tailer, lines } = tail({ maxLineBytes: 200 });
    await tailer.start();
    const fd = writer();
    const long = `time="2026-11-29T21:35:25.000000000Z" level=error msg="${'e'.repeat(5000)}"\n`;
    fs.writeSync(fd, logLine(1) + long + logLine(3) + '€'.repeat(300) + '\n');
    await tailer.flush();
    expect(lines.map((l) => l.level)).toEqual(['info', 'error', 'info', 'unknown']);
    expect(lines[1]?.raw).toHaveLength(200 + ' … [cut 4.7 KiB]'.length);
    expect(lines[1]?.raw.endsWith(' … [cut 4.7 KiB]')).toBe(true);
    expect(lines[1]?.time).toBe(Date.parse('2026-11-29T21:35:25Z'));
    expect(lines[1]?.msg.startsWith('eeee')).toBe(true);
    // 200 bytes of 3-byte characters: cut on a character boundary (66 whole characters).
    expect(lines[3]?.raw).toBe('€'.repeat(66) + ' … [cut 702 B]');
    expectConsecutive(lines);
  });

  it('turns invalid UTF-8 into replacement characters without losing the following lines', async () => {
    const { tailer, lines } = tail({ chunkBytes: 5 });
    await tailer.start();
    const fd = writer();
    fs.writeSync(
      fd,
      Buffer.from([0x6c, 0xff, 0xfe, 0xc3, 0x0a, 0xe2, 0x82, 0x0a, 0x80, 0x41, 0x0a]),
    );
    fs.writeSync(fd, logLine(4));
    await tailer.flush();
    expect(lines.map((l) => l.raw)).toEqual([
      'l\ufffd\ufffd\ufffd',
      '\ufffd',
      '\ufffdA',
      logLine(4).trimEnd(),
    ]);
  });

  it('shows a long line of bytes that are not UTF-8 as its start and a note, cut like any long line', async () => {
    const { tailer, lines } = tail({ maxLineBytes: 16 * 1024 });
    await tailer.start();
    const fd = writer();
    const bad = Buffer.alloc(64 * 1024, 0xff);
    bad[bad.length - 1] = 10;
    const fewBad = Buffer.from('level=warn msg="caf\xe9 ' + 'ok '.repeat(100) + '"\n', 'latin1');
    fs.writeSync(fd, Buffer.concat([bad, fewBad, bad.subarray(0, 300), Buffer.from('\n')]));
    await tailer.flush();
    expect(lines).toHaveLength(3);
    expect(lines[0]?.raw).toBe(
      '\ufffd'.repeat(64) +
        ' … [not UTF-8: 16384 invalid sequences in 16384 characters] … [cut 48 KiB]',
    );
    expect(lines[1]?.level).toBe('warn');
    expect(lines[1]?.msg.startsWith('caf\ufffd ok')).toBe(true);
    expect(lines[2]?.raw).toBe(
      '\ufffd'.repeat(64) + ' … [not UTF-8: 300 invalid sequences in 300 characters]',
    );
  });

  it('reads back the last historyLines complete lines at start, then follows', async () => {
    const fd = writer();
    for (let i = 1; i <= 50; i++) fs.writeSync(fd, logLine(i));
    fs.writeSync(fd, 'level=info msg="half'); // the writer is mid-line
    const { tailer, lines } = tail({ historyLines: 10, chunkBytes: 100 });
    await tailer.start();
    expect(lines.map((l) => l.fields.n)).toEqual(
      Array.from({ length: 10 }, (_, i) => String(41 + i)),
    );
    expectConsecutive(lines);
    fs.writeSync(fd, ' done"\n');
    await tailer.flush();
    expect(lines[10]?.msg).toBe('half done');
    expect(lines[10]?.seq).toBe(11);
  });

  it('with historyEnd, tells history from what the writer added before the tailer started', async () => {
    const fd = writer();
    for (let i = 1; i <= 30; i++) fs.writeSync(fd, logLine(i));
    const end = fs.fstatSync(fd).size;
    // The writer (containerd, spawned first) runs ahead of the tailer: 40 lines nobody read yet.
    for (let i = 31; i <= 70; i++) fs.writeSync(fd, logLine(i));
    const { tailer, lines } = tail({ historyLines: 10, historyEnd: end, chunkBytes: 100 });
    await tailer.start();
    // History is the 10 lines before historyEnd; every line after it is read, none capped away.
    expect(lines.map((l) => l.fields.n)).toEqual(
      Array.from({ length: 50 }, (_, i) => String(21 + i)),
    );
    expectConsecutive(lines);
    expect(tailer.historySeq).toBe(10);
    expect(lines.find((l) => l.seq === tailer.historySeq)?.fields.n).toBe('30');
    fs.writeSync(fd, logLine(71));
    await tailer.flush();
    expect(lines.at(-1)?.fields.n).toBe('71');
    // Without historyEnd, the last historyLines lines at start are history, as before.
    const plain = tail({ historyLines: 10 });
    await plain.tailer.start();
    expect(plain.lines.map((l) => l.fields.n)[0]).toBe('62');
    expect(plain.tailer.historySeq).toBe(10);
  });

  it('reads a short file whole and an empty history when asked for none', async () => {
    const fd = writer();
    for (let i = 1; i <= 3; i++) fs.writeSync(fd, logLine(i));
    const a = tail({ historyLines: 1000 });
    await a.tailer.start();
    expect(a.lines).toHaveLength(3);
    const b = tail({ historyLines: 0 });
    await b.tailer.start();
    expect(b.lines).toHaveLength(0);
    fs.writeSync(fd, logLine(4));
    await b.tailer.flush();
    expect(b.lines.map((l) => l.fields.n)).toEqual(['4']);
  });

  it('rotates by copytruncate without losing or repeating a line', async () => {
    const keep = 50;
    const { tailer, lines } = tail({ rotateBytes: 4096, rotateKeep: keep, chunkBytes: 1000 });
    await tailer.start();
    const fd = writer();
    const total = 3000;
    for (let i = 1; i <= total; i++) {
      fs.writeSync(fd, logLine(i));
      if (i % 37 === 0) await tailer.flush();
    }
    await tailer.flush();
    expect(lines.map((l) => Number(l.fields.n))).toEqual(
      Array.from({ length: total }, (_, i) => i + 1),
    );
    expectConsecutive(lines);
    expect(fs.existsSync(`${file}.2`)).toBe(true);
    expect(fs.statSync(`${file}.1`).mode & 0o777).toBe(0o600);
    // The archives plus the live file hold every line exactly once, in order.
    const disk = linesOnDisk(keep);
    expect(disk).toHaveLength(total);
    expect(disk.map((l) => Number(/ n=(\d+)/.exec(l)?.[1]))).toEqual(
      Array.from({ length: total }, (_, i) => i + 1),
    );
    expect(fs.statSync(file).size).toBeLessThan(4096 + 1000);
  });

  it('keeps only rotateKeep archives, the newest ones', async () => {
    const { tailer, lines } = tail({ rotateBytes: 2048, rotateKeep: 3 });
    await tailer.start();
    const fd = writer();
    const total = 1000;
    for (let i = 1; i <= total; i++) {
      fs.writeSync(fd, logLine(i));
      if (i % 25 === 0) await tailer.flush();
    }
    await tailer.flush();
    expect(lines).toHaveLength(total);
    expect(fs.existsSync(`${file}.3`)).toBe(true);
    expect(fs.existsSync(`${file}.4`)).toBe(false);
    expect(fs.existsSync(`${file}.1.tmp`)).toBe(false);
    // What is left on disk is the newest, unbroken run of lines.
    const disk = linesOnDisk(3).map((l) => Number(/ n=(\d+)/.exec(l)?.[1]));
    const first = disk[0] as number;
    expect(disk).toEqual(Array.from({ length: total - first + 1 }, (_, i) => first + i));
  });

  it('rotates while a separate process keeps appending', async () => {
    const keep = 200;
    const { tailer, lines } = tail({ rotateBytes: 256 * 1024, rotateKeep: keep, pollMs: 10 });
    await tailer.start();
    const total = 20_000;
    const burst = 50;
    // Paced like a busy daemon (one 50-line write every ms), not a flood.
    await runWriter(total, burst, 1);
    for (let quiet = 0; quiet < 3;) {
      const before = lines.length;
      await tailer.flush();
      await new Promise((r) => setTimeout(r, 30));
      quiet = lines.length === before ? quiet + 1 : 0;
    }
    expect(fs.existsSync(`${file}.3`)).toBe(true);
    expectConsecutive(lines);
    const got = lines.map((l) => Number(l.fields.n));
    expect(got.findIndex((n, i) => i > 0 && n <= (got[i - 1] as number))).toBe(-1);
    // copytruncate's window (final EOF read → ftruncate; wider when a loaded box preempts
    // us between the two syscalls) can drop a write that lands inside it, measured here at
    // about one write per ~150 rotations. Anything missing must be whole writes, and rare.
    const missing: number[] = [];
    for (let i = 0, want = 1; want <= total; want++) {
      if (got[i] === want) i++;
      else missing.push(want);
    }
    expect(missing.length).toBeLessThanOrEqual(5 * burst);
    expect(
      missing.every((n, i) =>
        i % burst === 0 ? n % burst === 1 : n === (missing[i - 1] as number) + 1,
      ),
    ).toBe(true);
    // Whatever was delivered is exactly what the archives and the live file hold.
    expect(linesOnDisk(keep)).toHaveLength(got.length);
  });

  it('starts over when someone else truncates the file', async () => {
    const { tailer, lines } = tail();
    await tailer.start();
    const fd = writer();
    for (let i = 1; i <= 20; i++) fs.writeSync(fd, logLine(i));
    await tailer.flush();
    fs.truncateSync(file, 0);
    fs.writeSync(fd, logLine(21) + logLine(22));
    await tailer.flush();
    expect(lines.map((l) => Number(l.fields.n))).toEqual(
      Array.from({ length: 22 }, (_, i) => i + 1),
    );
    expectConsecutive(lines);
  });

  it('follows a replaced file: the old one while its writer holds it, then the new one', async () => {
    const { tailer, lines } = tail();
    await tailer.start();
    const oldFd = writer();
    fs.writeSync(oldFd, logLine(1));
    await tailer.flush();
    fs.renameSync(file, `${file}.moved`);
    fs.writeSync(oldFd, logLine(2) + 'level=info msg=cut-off');
    const newFd = writer();
    fs.writeSync(newFd, logLine(3));
    await tailer.flush();
    expect(lines.map((l) => l.msg)).toEqual(['line 1', 'line 2', 'line 3']);
    // The old file's writer is still there: its later lines keep arriving.
    fs.writeSync(oldFd, ' n=5\n');
    fs.writeSync(newFd, logLine(4));
    await tailer.flush();
    expect(lines.map((l) => l.msg)).toEqual(['line 1', 'line 2', 'line 3', 'cut-off', 'line 4']);
    expect(tailer.orphanCount).toBe(1);
    // Writer gone and quiet: the old file is let go.
    fs.closeSync(oldFd);
    fds.splice(fds.indexOf(oldFd), 1);
    await waitFor(() => tailer.orphanCount === 0, 10_000);
    expectConsecutive(lines);
  });

  it('keeps following the daemon after its log file is replaced (mv + new file), then its successor', async () => {
    const { tailer, lines } = tail({ pollMs: 20 });
    await tailer.start();
    // A separate process holds its O_APPEND fd for its whole life, as containerd does.
    const daemon = runWriter(3000, 10, 2);
    await waitFor(() => lines.length >= 500);
    fs.renameSync(file, `${file}.old`);
    fs.writeFileSync(file, '', { mode: 0o600 });
    await daemon;
    await waitFor(() => lines.length >= 3000);
    const got = lines.map((l) => Number(l.fields.n));
    expect(got).toEqual(Array.from({ length: 3000 }, (_, i) => i + 1));
    // The respawned daemon writes to the new file; the old one is let go once nobody holds it.
    await runWriter(100, 10, 1);
    await waitFor(() => lines.length >= 3100 && tailer.orphanCount === 0);
    expect(lines.slice(3000).map((l) => Number(l.fields.n))).toEqual(
      Array.from({ length: 100 }, (_, i) => i + 1),
    );
    expectConsecutive(lines);
  });

  it('bounds what a rotation copies when the reader lags far behind, and says what it skipped', async () => {
    const { tailer, lines } = tail({ rotateBytes: 1 << 20, rotateKeep: 2, maxLineBytes: 1024 });
    await tailer.start();
    const fd = writer();
    const long = 'L'.repeat(64 * 1024 - 1) + '\n';
    const block = Buffer.from(long.repeat(16));
    // 80 MiB lands before the tailer looks again: far more than one rotation should copy.
    for (let i = 0; i < 80; i++) fs.writeSync(fd, block);
    fs.writeSync(fd, logLine(1));
    await tailer.flush();
    const archived = fs.statSync(`${file}.1`).size;
    expect(archived).toBeLessThanOrEqual((1 << 20) + ROTATE_COPY_SLACK_BYTES);
    expect(archived).toBeGreaterThan(1 << 20);
    const notice = lines.find((l) => l.raw.startsWith('[cdesk] skipped'));
    expect(notice?.level).toBe('warn');
    expect(notice?.raw).toMatch(/skipped \d+(\.\d)? MiB of containerd\.log/);
    expect(lines.at(-1)?.msg).toBe('line 1');
    expect(lines.every((l) => l.raw.length <= 1024 + 20)).toBe(true);
    expectConsecutive(lines);
  });

  it('applies new limits live with configure()', async () => {
    const { tailer, lines } = tail({ maxLineBytes: 100 });
    await tailer.start();
    const fd = writer();
    fs.writeSync(fd, 'a'.repeat(500) + '\n');
    await tailer.flush();
    tailer.configure({ maxLineBytes: 300, rotateBytes: 1000, rotateKeep: 1 });
    fs.writeSync(fd, 'b'.repeat(500) + '\n');
    for (let i = 1; i <= 20; i++) fs.writeSync(fd, logLine(i));
    await tailer.flush();
    expect(lines[0]?.raw).toBe('a'.repeat(100) + ' … [cut 400 B]');
    expect(lines[1]?.raw).toBe('b'.repeat(300) + ' … [cut 200 B]');
    expect(lines).toHaveLength(22);
    expect(fs.existsSync(`${file}.1`)).toBe(true);
    expect(fs.existsSync(`${file}.2`)).toBe(false);
    expect(() => tailer.configure({ maxLineBytes: 1 })).toThrow(/maxLineBytes/);
  });

  it('keeps reading a deleted file the writer still holds', async () => {
    const { tailer, lines } = tail();
    await tailer.start();
    const fd = writer();
    fs.unlinkSync(file);
    fs.writeSync(fd, logLine(1));
    await tailer.flush();
    expect(lines.map((l) => l.msg)).toEqual(['line 1']);
  });

  it('polls rarely while the watch covers the file, and still reads an append at once', async () => {
    const { tailer, lines } = tail({ pollMs: 10 });
    await tailer.start();
    const stat = vi.spyOn(fs.promises, 'stat');
    try {
      await new Promise((r) => setTimeout(r, 600));
      // At pollMs alone this would be ~60 passes (each a stat, a read and 3 wake-ups).
      expect(stat.mock.calls.filter(([p]) => p === file).length).toBeLessThanOrEqual(1);
      const t0 = performance.now();
      fs.writeSync(writer(), logLine(1));
      while (lines.length === 0 && performance.now() - t0 < 5000)
        await new Promise((r) => setTimeout(r, 5));
      expect(lines.map((l) => l.msg)).toEqual(['line 1']);
      // Well before the rare poll (2 s): the watch brought it.
      expect(performance.now() - t0).toBeLessThan(1000);
    } finally {
      stat.mockRestore();
    }
  });

  it('reads a burst of single-line appends in a few passes, every line in order', async () => {
    // containerd writes its boot log a line at a time; one pass per line cost ~10 ms of CPU
    // while it booted. Watch events within WATCH_COALESCE_MS share one pass.
    const { tailer, lines } = tail();
    await tailer.start();
    const stat = vi.spyOn(fs.promises, 'stat');
    try {
      const fd = writer();
      for (let i = 1; i <= 60; i++) {
        fs.writeSync(fd, logLine(i));
        if (i % 6 === 0) await new Promise((r) => setTimeout(r, 2));
      }
      await waitFor(() => lines.length === 60);
      expectConsecutive(lines);
      expect(lines.map((l) => l.msg).at(-1)).toBe('line 60');
      // One pass per burst (the code before coalescing): 10 here.
      expect(stat.mock.calls.filter(([p]) => p === file).length).toBeLessThanOrEqual(5);
    } finally {
      stat.mockRestore();
    }
  });

  it('setWatching(false) stops waking on appends until setWatching(true), which reads them at once', async () => {
    // While containerd boots, every inotify event woke the supervisor; the lines wait.
    const { tailer, lines } = tail({ pollMs: 60_000 });
    await tailer.start();
    tailer.setWatching(false);
    const fd = writer();
    for (let i = 1; i <= 5; i++) fs.writeSync(fd, logLine(i));
    await new Promise((r) => setTimeout(r, 300));
    expect(lines).toEqual([]);
    const t0 = performance.now();
    tailer.setWatching(true);
    await waitFor(() => lines.length === 5, 5000);
    expect(performance.now() - t0).toBeLessThan(1000);
    expectConsecutive(lines);
    // Watching again: a later append is read without a poll (pollMs is a minute).
    fs.writeSync(fd, logLine(6));
    await waitFor(() => lines.length === 6, 5000);
  });

  it('a tailer made quiet before start() reads history and nothing live until watched', async () => {
    fs.writeFileSync(file, logLine(1), { mode: 0o600 });
    const { tailer, lines } = tail({ pollMs: 60_000 });
    tailer.setWatching(false);
    await tailer.start();
    expect(lines.map((l) => l.msg)).toEqual(['line 1']);
    fs.writeSync(writer(), logLine(2));
    await new Promise((r) => setTimeout(r, 300));
    expect(lines).toHaveLength(1);
    // flush() still reads on demand (the supervisor does before looking for config errors).
    await tailer.flush();
    expect(lines.map((l) => l.msg)).toEqual(['line 1', 'line 2']);
  });

  it('polls at pollMs again once the path is gone: a new file there would not wake the watch', async () => {
    const { tailer, lines } = tail({ pollMs: 10 });
    await tailer.start();
    fs.writeSync(writer(), logLine(1));
    await tailer.flush();
    fs.unlinkSync(file);
    // The watch reports the unlink; the pass after it finds no file and speeds the poll up.
    await new Promise((r) => setTimeout(r, 200));
    const t0 = performance.now();
    fs.writeFileSync(file, logLine(2), { mode: 0o600 });
    while (lines.length < 2 && performance.now() - t0 < 5000)
      await new Promise((r) => setTimeout(r, 5));
    expect(lines.map((l) => l.msg)).toEqual(['line 1', 'line 2']);
    expect(performance.now() - t0).toBeLessThan(1000);
  });

  it('lets the event loop turn between every two batches of a 200k-line flood from another process', async () => {
    // Counts instead of keeping every line: retaining 200k objects measures the GC, not us.
    // The loop turning between batches is what keeps the engine's timers (health checks,
    // restart policy) running during a flood; it is checked by count, not by a timing.
    let count = 0;
    let outOfOrder = 0;
    let turns = 0;
    let lastTurn = -1;
    let batchesWithoutTurn = 0;
    let batches = 0;
    const tailer = new LogTailer({
      file,
      rotateBytes: 1 << 30,
      rotateKeep: 5,
      onLines: (batch) => {
        batches++;
        if (turns === lastTurn) batchesWithoutTurn++;
        lastTurn = turns;
        for (const l of batch) {
          if (l.seq !== count + 1 || Number(l.fields.n) !== count + 1) outOfOrder++;
          count++;
        }
      },
    });
    tailers.push(tailer);
    await tailer.start();
    const timer = setInterval(() => turns++, 1);
    let spinning = true;
    const spin = () => {
      turns++;
      if (spinning) setImmediate(spin);
    };
    spin();
    const total = 200_000;
    try {
      await runWriter(total, 2000, 0);
      await waitFor(() => count >= total, 60_000);
    } finally {
      clearInterval(timer);
      spinning = false;
    }
    expect(count).toBe(total);
    expect(outOfOrder).toBe(0);
    expect(batches).toBeGreaterThan(10);
    expect(batchesWithoutTurn).toBe(0);
  });

  it('stop() closes its fd and watcher and delivers nothing more', async () => {
    const before = fdsOnFile();
    const { tailer, lines } = tail();
    await tailer.start();
    expect(fdsOnFile()).toBe(before + 1);
    await tailer.stop();
    expect(fdsOnFile()).toBe(before);
    const fd = writer();
    fs.writeSync(fd, logLine(1));
    await new Promise((r) => setTimeout(r, 150));
    expect(lines).toHaveLength(0);
    await tailer.flush();
    expect(lines).toHaveLength(0);
    await tailer.stop();
    await expect(tailer.start()).rejects.toThrow();
  });

  it('fails start() cleanly when the directory is missing', async () => {
    file = path.join(dir, 'missing', 'containerd.log');
    const { tailer } = tail();
    await expect(tailer.start()).rejects.toThrow(/ENOENT/);
    await tailer.flush();
  });

  it('rotates with rotateKeep 0 by truncating only', async () => {
    const { tailer, lines } = tail({ rotateBytes: 1000, rotateKeep: 0 });
    await tailer.start();
    const fd = writer();
    for (let i = 1; i <= 100; i++) fs.writeSync(fd, logLine(i));
    await tailer.flush();
    expect(lines).toHaveLength(100);
    expect(fs.statSync(file).size).toBe(0);
    expect(fs.readdirSync(dir)).toEqual(['containerd.log']);
  });
});

/** Appends `total` lines from a child process in bursts of `burst` lines, `pauseMs` apart. */
function runWriter(total: number, burst: number, pauseMs: number): Promise<void> {
  const src = `
    const fs = require('node:fs');
    const [file, total, burst, pauseMs] = process.argv.slice(1);
    const fd = fs.openSync(file, 'a', 0o600);
    const line = (i) => 'time="2026-11-29T21:35:25.' + String(i).padStart(9, '0') +
      'Z" level=info msg="loading plugin \\\\"io.containerd.snapshotter.v1.overlayfs\\\\"..." type=io.containerd.snapshotter.v1 n=' + i + '\\n';
    let i = 1;
    const step = () => {
      let s = '';
      for (let k = 0; k < +burst && i <= +total; k++, i++) s += line(i);
      fs.writeSync(fd, s);
      if (i > +total) return fs.closeSync(fd);
      if (+pauseMs > 0) setTimeout(step, +pauseMs); else setImmediate(step);
    };
    step();
  `;
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['-e', src, file, String(total), String(burst), String(pauseMs)],
      {
        stdio: ['ignore', 'ignore', 'inherit'],
      },
    );
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`writer exited ${code}`)),
    );
  });
}
