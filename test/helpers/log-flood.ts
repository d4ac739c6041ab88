// Floods a running `cdesk serve`'s containerd.log with long and invalid lines while sampling its RSS and timing the CLI and UI (shared by the fault test and the bench).
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { CDESK, cdesk, type Serve } from './serve';

export interface FloodOptions {
  /** Bytes to append (default 300 MiB). */
  totalBytes?: number;
  /** Characters of each long line (default 64 Ki). */
  lineChars?: number;
  /**
   * Also short lines with NUL bytes and escapes (quotes, backslashes, ESC sequences) and, at a
   * third and two thirds of the way, one 20 MB line of text and one of bytes that are not UTF-8.
   */
  hostile?: boolean;
  /** Writer's pace in bytes per second (default: as fast as it can, so rotation skips most). */
  bytesPerSec?: number;
  /** Run `cdesk daemon logs -f --tail 0` through the flood and report whether it followed to the end. */
  follow?: boolean;
}

export interface FloodResult {
  bytesWritten: number;
  /** Writer's own time to append everything. */
  writeSeconds: number;
  /** From the first byte written to the last line the app's ring took in. */
  ingestSeconds: number;
  /** Lines the app parsed during the flood (seq growth; what rotation skipped is not counted). */
  linesIngested: number;
  baselineRssMiB: number;
  peakRssMiB: number;
  /** Wall time of each CLI call / HTTP GET made during the flood (ms), and before it (idle). */
  statusMs: number[];
  /** `cdesk daemon logs -n 20000` (the whole ring, paged). */
  logsMs: number[];
  /** `cdesk daemon logs -n 1 --json`. */
  smallLogsMs: number[];
  httpMs: number[];
  idleStatusMs: number;
  /** `cdesk daemon logs -n 1 --json` before the flood. */
  idleLogsMs: number;
  /** Bytes `cdesk daemon logs -n 20000` printed, per call. */
  logsBytes: number[];
  failures: string[];
  /** Lines the ring shows after the flood, as `cdesk daemon logs --json` prints them. */
  tail: { level: string; raw: string }[];
  /** With `follow`: the follower was still running at the end, what it printed, and its marker lines. */
  follower?: { alive: boolean; bytes: number; droppedMarkers: number; sawLast: boolean };
}

const MiB = 1024 * 1024;

// Long logrus lines, long lines of bytes that are not UTF-8, and a short line, repeated.
const WRITER = String.raw`
const fs = require('node:fs');
const [file, total, chars, hostile, rate] = [process.argv[1], Number(process.argv[2]), Number(process.argv[3]), process.argv[4] === '1', Number(process.argv[5])];
const long = Buffer.from('time="2026-11-30T08:00:00.000000000Z" level=error msg="' + 'x'.repeat(chars - 60) + '"\n');
const bad = Buffer.alloc(chars);
for (let i = 0; i < chars - 1; i++) bad[i] = [0xff, 0xfe, 0xc3, 0x28, 0xe2, 0x82][i % 6];
bad[chars - 1] = 10;
const short = Buffer.from('time="2026-11-30T08:00:00.000000000Z" level=info msg="flood marker"\n');
const parts = [];
let size = 0;
const nul = Buffer.from('time="2026-11-30T08:00:00.000000000Z" level=warn msg="nul \u0000 in \u0000\u0000 the middle"\n');
const esc = Buffer.from('time="2026-11-30T08:00:00.000000000Z" level=info msg="a \\"quoted\\" \\\\ path \x1b[31mred\x1b[0m \x1b]0;title\x07 \\n end" key="v\\"al"\n');
while (size < 4 * 1024 * 1024) {
  const set = hostile ? [long, nul, bad, esc, short, esc, nul] : [long, bad, short];
  for (const b of set) { parts.push(b); size += b.length; }
}
const block = Buffer.concat(parts);
const huge = (text) => {
  const b = Buffer.alloc(20 * 1024 * 1024, text ? 0x79 : 0xff);
  if (text) b.write('time="2026-11-30T08:00:00.000000000Z" level=error msg="');
  b[b.length - 1] = 10;
  return b;
};
const hugeAt = hostile ? [Math.floor(total / 3), Math.floor((2 * total) / 3)] : [];
const fd = fs.openSync(file, 'a', 0o600);
let written = 0;
const t0 = process.hrtime.bigint();
const step = () => {
  if (written >= total) {
    fs.closeSync(fd);
    process.stdout.write(JSON.stringify({ written, seconds: Number(process.hrtime.bigint() - t0) / 1e9 }) + '\n');
    return;
  }
  const b = hugeAt.length && written >= hugeAt[0] ? (hugeAt.shift(), huge(hugeAt.length === 1)) : block;
  fs.writeSync(fd, b);
  written += b.length;
  // Paced: wait until the time this many bytes are due at the given rate.
  const due = rate > 0 ? (written / rate) * 1000 - Number(process.hrtime.bigint() - t0) / 1e6 : 0;
  if (due > 0) setTimeout(step, due); else setImmediate(step);
};
step();
`;

function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : 0;
}

/** `cdesk daemon logs ARGS` with its output counted, not kept (it can be tens of MB); the last line kept for its seq. */
function cdeskLogs(
  args: string[],
): Promise<{ code: number | null; bytes: number; ms: number; last: string }> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CDESK, 'daemon', 'logs', ...args], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    let bytes = 0;
    let tail = '';
    child.stdout.on('data', (d: Buffer) => {
      bytes += d.length;
      tail = (tail + d.toString('utf8')).slice(-256 * 1024);
    });
    child.on('exit', (code) =>
      resolve({
        code,
        bytes,
        ms: performance.now() - t0,
        last: tail.trimEnd().split('\n').at(-1) ?? '',
      }),
    );
  });
}

/** seq of the newest line the app holds, from `cdesk daemon logs -n 1 --json`; timed as a small logs call. */
async function lastSeq(s: Serve, into?: number[]): Promise<number> {
  const r = await cdeskLogs(['-n', '1', '--json', '--control', s.control]);
  into?.push(r.ms);
  if (r.code !== 0) throw new Error(`cdesk daemon logs exited ${r.code}`);
  return r.last ? (JSON.parse(r.last) as { seq: number }).seq : 0;
}

async function timed(f: () => Promise<boolean>, into: number[], failures: string[], what: string) {
  const t0 = performance.now();
  const ok = await f().catch(() => false);
  into.push(performance.now() - t0);
  if (!ok) failures.push(what);
}

export async function floodServe(s: Serve, opts: FloodOptions = {}): Promise<FloodResult> {
  const total = opts.totalBytes ?? 300 * MiB;
  const chars = opts.lineChars ?? 64 * 1024;
  const pid = s.info.pid;
  const failures: string[] = [];
  const statusOk = async () =>
    (await cdesk(['status', '--json', '--control', s.control])).code === 0;
  const httpOk = async () => {
    const r = await fetch(s.info.url);
    await r.arrayBuffer();
    return r.status === 200;
  };

  const idle: number[] = [];
  await timed(statusOk, idle, failures, 'idle status');
  const idleLogs: number[] = [];
  const seq0 = await lastSeq(s, idleLogs);
  const baselineRssMiB = rssMiB(pid);
  let peakRssMiB = baselineRssMiB;
  const sampler = setInterval(() => (peakRssMiB = Math.max(peakRssMiB, rssMiB(pid))), 25);

  const t0 = performance.now();
  const follower = opts.follow ? followLogs(s) : null;
  const writer = spawn(
    process.execPath,
    [
      '-e',
      WRITER,
      s.logFile,
      String(total),
      String(chars),
      opts.hostile ? '1' : '0',
      String(opts.bytesPerSec ?? 0),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let out = '';
  writer.stdout.on('data', (d: Buffer) => (out += d.toString()));
  let writing = true;
  const wrote = new Promise<{ written: number; seconds: number }>((resolve, reject) =>
    writer.on('exit', (code) => {
      writing = false;
      if (code === 0) resolve(JSON.parse(out) as { written: number; seconds: number });
      else reject(new Error(`flood writer exited with ${code}`));
    }),
  );

  const statusMs: number[] = [];
  const logsMs: number[] = [];
  const smallLogsMs: number[] = [];
  const httpMs: number[] = [];
  const logsBytes: number[] = [];
  const bigLogs = async () => {
    // What the UI's first read asks for: the whole ring, paged.
    const l = await cdeskLogs(['-n', '20000', '--control', s.control]);
    logsMs.push(l.ms);
    logsBytes.push(l.bytes);
    if (l.code !== 0) failures.push(`logs -n 20000 exit ${l.code}`);
  };
  // Ask while the flood runs, and until the app has taken in everything (seq stops moving).
  let seq = seq0;
  let seqAt = performance.now();
  for (let round = 0, quiet = 0; writing || quiet < 2; round++) {
    await timed(statusOk, statusMs, failures, 'status');
    await timed(httpOk, httpMs, failures, 'http');
    if (round === 1) await bigLogs();
    const now = await lastSeq(s, smallLogsMs).catch((e: Error) => {
      failures.push(e.message);
      return seq;
    });
    if (now !== seq) {
      seq = now;
      seqAt = performance.now();
      quiet = 0;
    } else if (!writing) quiet++;
    if (performance.now() - t0 > 150_000) {
      failures.push('flood did not settle within 150 s');
      break;
    }
  }
  if (logsMs.length === 0) await bigLogs();
  const w = await wrote;
  clearInterval(sampler);
  peakRssMiB = Math.max(peakRssMiB, rssMiB(pid));
  const tailOut = await cdesk(['daemon', 'logs', '-n', '6', '--json', '--control', s.control]);
  const followed = follower ? await follower.finish(seq) : undefined;
  const tail = tailOut.stdout
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { level: string; raw: string });
  return {
    bytesWritten: w.written,
    writeSeconds: w.seconds,
    ingestSeconds: (seqAt - t0) / 1000,
    linesIngested: seq - seq0,
    baselineRssMiB,
    peakRssMiB,
    statusMs,
    logsMs,
    smallLogsMs,
    httpMs,
    idleStatusMs: idle[0] ?? 0,
    idleLogsMs: idleLogs[0] ?? 0,
    logsBytes,
    failures,
    tail,
    ...(followed ? { follower: followed } : {}),
  };
}

/** `cdesk daemon logs -f --tail 0 --json`, counting what it prints; finish() says whether it followed to `lastSeq`. */
function followLogs(s: Serve) {
  const child = spawn(
    process.execPath,
    [CDESK, 'daemon', 'logs', '-f', '--tail', '0', '--json', '--control', s.control],
    { stdio: ['ignore', 'pipe', 'ignore'] },
  );
  let bytes = 0;
  let droppedMarkers = 0;
  let maxSeq = 0;
  let rest = '';
  let alive = true;
  child.on('exit', () => (alive = false));
  child.stdout.on('data', (d: Buffer) => {
    bytes += d.length;
    const text = rest + d.toString('utf8');
    const lines = text.split('\n');
    rest = lines.pop() ?? '';
    for (const l of lines) {
      const m = /^\{"seq":(\d+)/.exec(l);
      if (m) maxSeq = Math.max(maxSeq, Number(m[1]));
      if (l.includes('"dropped":')) droppedMarkers++;
    }
  });
  return {
    async finish(lastSeq: number) {
      const t0 = performance.now();
      while (alive && maxSeq < lastSeq && performance.now() - t0 < 30_000)
        await new Promise((r) => setTimeout(r, 50));
      const result = { alive, bytes, droppedMarkers, sawLast: maxSeq >= lastSeq };
      child.kill('SIGTERM');
      return result;
    },
  };
}
