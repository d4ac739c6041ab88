// Log flood benchmark: 300 MB of 64k-character and non-UTF-8 lines appended to containerd.log while `cdesk serve` supervises real containerd; peak RSS, lines/s and CLI latency during the flood.
import { defaultSettings } from '../common/settings';
import { floodServe, type FloodOptions } from '../test/helpers/log-flood';
import { cdesk, ensureBuilt, startServe } from '../test/helpers/serve';
import type { Row } from './row';

const MiB = 1024 * 1024;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
const ms = (x: number) => `${x.toFixed(0)} ms`;

/**
 * Runs the floods against a fresh `cdesk serve` each (default settings: ring 20,000 lines / 32 MiB,
 * lines cut at 16 KiB, rotation 10 MiB × 5). Reference for RSS: the documented bound
 * (baseline + 4 × logRingBytes + 64 MiB); for latency: the same command before the flood.
 * The first writes as fast as it can (rotation skips most of it); the second is paced so the
 * reader keeps up and the ring fills, with NUL bytes, escapes and two 20 MB lines, while
 * `cdesk logs -f` follows.
 */
export async function benchLogFlood(totalBytes = 300 * MiB): Promise<Row[]> {
  return [
    ...(await oneFlood(totalBytes, {}, '64k-char + non-UTF-8 lines')),
    ...(await oneFlood(
      totalBytes,
      { hostile: true, bytesPerSec: 40 * MiB, follow: true },
      'paced 40 MiB/s; + NUL, escapes, two 20 MB lines; logs -f following',
    )),
  ];
}

async function oneFlood(totalBytes: number, opts: FloodOptions, what: string): Promise<Row[]> {
  ensureBuilt();
  const serve = await startServe({ prefix: '/tmp/cdb-' });
  try {
    const started = await cdesk(['daemon', 'start', '--wait', '--control', serve.control]);
    if (started.code !== 0) throw new Error(`cdesk start failed: ${started.stderr}`);
    const r = await floodServe(serve, { totalBytes, ...opts });
    const bound = r.baselineRssMiB + (4 * defaultSettings().logRingBytes) / MiB + 64;
    const st = median(r.statusMs);
    const small = median(r.smallLogsMs);
    const rows: Row[] = [
      {
        metric: `log flood ${(r.bytesWritten / MiB).toFixed(0)} MiB (${what}): peak RSS of serve`,
        ours: `${r.peakRssMiB.toFixed(0)} MiB (baseline ${r.baselineRssMiB.toFixed(0)})`,
        reference: `bound ${bound.toFixed(0)} MiB`,
        ratio: `${(r.peakRssMiB / bound).toFixed(2)}× of bound`,
      },
      {
        metric: 'log flood: taken in (parsed, or skipped with a marker when the reader lagged)',
        ours: `${(r.bytesWritten / MiB / Math.max(r.ingestSeconds, 0.001)).toFixed(0)} MiB/s, ${Math.round(r.linesIngested / Math.max(r.ingestSeconds, 0.001))} lines/s (${r.linesIngested} lines parsed in ${r.ingestSeconds.toFixed(1)} s)`,
        reference: `writer ${(r.bytesWritten / MiB / r.writeSeconds).toFixed(0)} MiB/s`,
        ratio: '',
      },
      {
        metric: 'log flood: `cdesk status` wall time during the flood (median)',
        ours: ms(st),
        reference: `${ms(r.idleStatusMs)} idle`,
        ratio: `${(st / Math.max(r.idleStatusMs, 1)).toFixed(2)}×`,
      },
      {
        metric: 'log flood: `cdesk logs -n 1` wall time during the flood (median)',
        ours: ms(small),
        reference: `${ms(r.idleLogsMs)} idle`,
        ratio: `${(small / Math.max(r.idleLogsMs, 1)).toFixed(2)}×`,
      },
      {
        metric: 'log flood: `cdesk logs -n 20000` (whole ring, 1 MiB pages) during the flood',
        ours: `${ms(median(r.logsMs))}, ${(Math.max(...r.logsBytes) / MiB).toFixed(1)} MiB printed`,
        reference: '',
        ratio: '',
      },
      {
        metric: 'log flood: UI page (HTTP GET with token) during the flood (median)',
        ours: ms(median(r.httpMs)),
        reference: '',
        ratio: r.failures.length ? `failures: ${r.failures.join(', ')}` : 'no failures',
      },
    ];
    if (r.follower)
      rows.push({
        metric: 'log flood: `cdesk logs -f` following through it',
        ours: `${r.follower.alive ? 'still following' : 'ENDED'}, ${(r.follower.bytes / MiB).toFixed(1)} MiB printed, ${r.follower.droppedMarkers} drop markers`,
        reference: 'follows to the last line',
        ratio: r.follower.sawLast ? 'reached the last line' : 'did NOT reach the last line',
      });
    return rows;
  } finally {
    await serve.stop();
    serve.cleanup();
  }
}

// `npx tsx bench/log-flood.ts` prints the rows on their own.
if (import.meta.url === `file://${process.argv[1]}`) {
  for (const r of await benchLogFlood()) {
    process.stdout.write(`| ${r.metric} | ${r.ours} | ${r.reference} | ${r.ratio} |\n`);
  }
}
