// Log ingest benchmark: a separate process floods the log file through an O_APPEND fd while LogTailer + LogRing follow it with the engine's rotation settings.
import { boundHeapGrowth } from '../main/shared/heap-growth';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { LogRing } from '../main/engine/log-ring';
import { LogTailer } from '../main/engine/log-tail';

export interface LogIngestResult {
  /** Lines that reached the ring (less than `written` only if copytruncate's window bit). */
  lines: number;
  /** From the writer's go signal to the last line parsed. */
  seconds: number;
  linesPerSec: number;
  /** Peak RSS of this process (tailer + ring + the runtime), sampled every 10 ms. */
  peakRssMiB: number;
  /** RSS just before ingest started, for scale. */
  baselineRssMiB: number;
  ringSize: number;
  written: number;
  bytes: number;
  /** How many times the tailer rotated the file (10 MiB × 5, the engine's defaults). */
  rotations: number;
  /** Longest gap seen by the 10 ms sampler timer: how much the flood delayed our timers. */
  maxLoopGapMs: number;
}

const ROTATE_BYTES = 10 * 1024 * 1024;
const ROTATE_KEEP = 5;
const RING = 20_000;
/** The settings' defaults: logRingBytes, logLineMaxBytes. */
const RING_BYTES = 32 * 1024 * 1024;
const LINE_MAX_BYTES = 16 * 1024;

// The writer runs as plain JS in its own process so its CPU time is not ours. It builds
// every line first (so generation is not timed), says "ready", waits for "go" on stdin, then
// writes ~64 KiB batches as fast as it can: the reader, not the writer, is the bottleneck.
// Lines are shaped like containerd 1.6 logfmt output captured from a real daemon.
const WRITER = String.raw`
const fs = require('node:fs');
const [file, total] = [process.argv[1], Number(process.argv[2])];
const hex = (i) => (i * 2654435761 >>> 0).toString(16).padStart(8, '0').repeat(8);
const plugins = ['io.containerd.content.v1.content', 'io.containerd.snapshotter.v1.overlayfs',
  'io.containerd.metadata.v1.bolt', 'io.containerd.grpc.v1.tasks', 'io.containerd.runtime.v2.task'];
const base = Date.UTC(2026, 10, 29, 21, 0, 0);
const stamp = (i) => {
  const iso = new Date(base + Math.floor(i / 10)).toISOString();
  return iso.slice(0, 23) + String((i % 10) * 100000 + 12345).padStart(6, '0') + 'Z';
};
const line = (i) => {
  const t = 'time="' + stamp(i) + '" ';
  const id = hex(i);
  switch (i % 8) {
    case 0: { const p = plugins[i % 5]; return t + 'level=info msg="loading plugin \\"' + p + '\\"..." type=' + p.slice(0, p.lastIndexOf('.')); }
    case 1: return t + 'level=debug msg="garbage collected" d=' + (i % 997) + '.802251ms';
    case 2: return t + 'level=info msg="starting signal loop" namespace=default path=/run/containerd/io.containerd.runtime.v2.task/default/' + id + ' pid=' + (1000 + i % 30000) + ' runtime=io.containerd.runc.v2';
    case 3: return t + 'level=debug msg="event published" ns=default topic=/tasks/exit type=containerd.events.TaskExit';
    case 4: return t + 'level=info msg="shim disconnected" id=' + id + ' namespace=default';
    case 5: return t + 'level=warning msg="cleaning up after shim disconnected" id=' + id + ' namespace=default';
    case 6: return t + 'level=info msg="skip loading plugin \\"io.containerd.snapshotter.v1.btrfs\\"..." error="path /var/lib/containerd/io.containerd.snapshotter.v1.btrfs (ext4) must be a btrfs filesystem to be used with the btrfs snapshotter: skip plugin" type=io.containerd.snapshotter.v1';
    default: return t + 'level=error msg="failed to handle container TaskExit event" error="failed to stop container: context deadline exceeded: unknown" id=' + id;
  }
};
const batches = [];
let s = '';
for (let i = 1; i <= total; i++) {
  s += line(i) + '\n';
  if (s.length >= 65536) { batches.push(Buffer.from(s)); s = ''; }
}
if (s) batches.push(Buffer.from(s));
const fd = fs.openSync(file, 'a', 0o600);
process.stdin.once('data', () => {
  for (const b of batches) fs.writeSync(fd, b);
  fs.closeSync(fd);
  process.stdin.destroy();
});
process.stdout.write('ready ' + batches.reduce((n, b) => n + b.length, 0) + '\n');
`;

const MiB = 1024 * 1024;

export async function benchLogIngest(opts: {
  lines: number;
  dir: string;
}): Promise<LogIngestResult> {
  // The engine's heap as the app's processes run it (cdesk daemon run / serve and the desktop app set it).
  boundHeapGrowth();
  fs.mkdirSync(opts.dir, { recursive: true, mode: 0o700 });
  const file = path.join(opts.dir, 'containerd.log');
  for (const f of [
    file,
    ...Array.from({ length: ROTATE_KEEP + 1 }, (_, i) => `${file}.${i + 1}`),
  ]) {
    fs.rmSync(f, { force: true });
  }

  const ring = new LogRing({ maxLines: RING, maxBytes: RING_BYTES });
  let received = 0;
  let rotations = 0;
  let lastOffset = 0;

  let tLast = 0;
  let allIn: () => void = () => {};
  const allArrived = new Promise<void>((resolve) => (allIn = resolve));

  const tailer = new LogTailer({
    file,
    rotateBytes: ROTATE_BYTES,
    rotateKeep: ROTATE_KEEP,
    maxLineBytes: LINE_MAX_BYTES,
    historyLines: 0,
    onLines: (batch) => {
      ring.push(batch);
      received += batch.length;
      tLast = performance.now();
      // The offset only goes down when the tailer truncated the file it just copied.
      if (tailer.offset < lastOffset) rotations++;
      lastOffset = tailer.offset;
      if (received >= opts.lines) allIn();
    },
    onError: (err) => console.error('log-ingest:', err.message),
  });
  await tailer.start();

  const child = spawn(process.execPath, ['-e', WRITER, file, String(opts.lines)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const bytes = await new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    child.stdout.once('data', (d: Buffer) =>
      resolve(Number(/ready (\d+)/.exec(d.toString())?.[1])),
    );
  });

  const baselineRss = process.memoryUsage.rss();
  let peakRss = baselineRss;
  let maxGap = 0;
  let lastTick = performance.now();
  const sampler = setInterval(() => {
    const now = performance.now();
    maxGap = Math.max(maxGap, now - lastTick);
    lastTick = now;
    peakRss = Math.max(peakRss, process.memoryUsage.rss());
  }, 10);

  const tStart = performance.now();
  child.stdin.write('go\n');
  // Done when every line arrived, or (if rotation's window dropped some) when the writer has
  // exited and further flushes bring nothing new.
  const settled = (async () => {
    const code = await exited;
    if (code !== 0) throw new Error(`log writer exited with ${code}`);
    for (let quiet = 0; quiet < 3;) {
      const before = received;
      await tailer.flush();
      await new Promise((r) => setTimeout(r, 50));
      quiet = received === before ? quiet + 1 : 0;
    }
  })();
  await Promise.race([allArrived, settled]);
  clearInterval(sampler);
  await tailer.stop();
  await exited;

  const seconds = (tLast - tStart) / 1000;
  return {
    lines: received,
    seconds: Math.round(seconds * 1000) / 1000,
    linesPerSec: Math.round(received / seconds),
    peakRssMiB: Math.round((peakRss / MiB) * 10) / 10,
    baselineRssMiB: Math.round((baselineRss / MiB) * 10) / 10,
    ringSize: ring.size,
    written: opts.lines,
    bytes,
    rotations,
    maxLoopGapMs: Math.round(maxGap),
  };
}
