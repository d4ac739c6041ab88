// Issue 7's fault test: 300 MB of 64k-character and non-UTF-8 lines flood containerd.log while `cdesk serve` runs real containerd; RSS stays bounded and the CLI and UI keep answering.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { defaultSettings } from '../../common/settings';
import { requireContainerd } from '../helpers/engine';
import { floodServe } from '../helpers/log-flood';
import { cdesk, ensureBuilt, startServe, type Serve } from '../helpers/serve';

const have = requireContainerd();
const MiB = 1024 * 1024;

/**
 * The documented bound (README "Files"): the process's own baseline, plus 4 × logRingBytes
 * for the ring (characters of line text, two bytes each in memory once a line holds
 * non-Latin-1 characters such as U+FFFD, plus V8's garbage before a collection), plus 64 MiB
 * for what is in flight (batcher backlog 8 MiB, pages and frames of ≤ 1 MiB, read buffers).
 */
export function rssBoundMiB(
  baselineMiB: number,
  ringBytes = defaultSettings().logRingBytes,
): number {
  return baselineMiB + (4 * ringBytes) / MiB + 64;
}

let serve: Serve | null = null;
beforeAll(() => ensureBuilt());
afterEach(async () => {
  await serve?.stop();
  serve?.cleanup();
  serve = null;
});

describe.skipIf(!have)('log flood while serve runs', () => {
  it('300 MB of long and invalid lines: RSS stays under the bound; status, logs and the UI keep answering', async () => {
    serve = await startServe({ prefix: '/tmp/cdf-' });
    const started = await cdesk(['daemon', 'start', '--wait', '--control', serve.control]);
    expect(started.code).toBe(0);

    const r = await floodServe(serve, { totalBytes: 300 * MiB, lineChars: 64 * 1024 });
    const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
    console.log(
      `log flood: ${(r.bytesWritten / MiB).toFixed(0)} MiB in ${r.writeSeconds.toFixed(1)} s; ` +
        `${r.linesIngested} lines ingested in ${r.ingestSeconds.toFixed(1)} s; ` +
        `RSS ${r.baselineRssMiB.toFixed(0)} → peak ${r.peakRssMiB.toFixed(0)} MiB ` +
        `(bound ${rssBoundMiB(r.baselineRssMiB).toFixed(0)}); status median ${med(r.statusMs).toFixed(0)} ms ` +
        `(idle ${r.idleStatusMs.toFixed(0)}), logs -n 1 median ${med(r.smallLogsMs).toFixed(0)} ms ` +
        `(idle ${r.idleLogsMs.toFixed(0)}), logs -n 20000 ${r.logsMs.map((x) => x.toFixed(0)).join('/')} ms, http median ${med(r.httpMs).toFixed(0)} ms; ` +
        `${r.statusMs.length} rounds; logs printed up to ${(Math.max(...r.logsBytes) / MiB).toFixed(1)} MiB`,
    );

    expect(r.failures).toEqual([]);
    expect(r.bytesWritten).toBeGreaterThanOrEqual(300 * MiB);
    expect(r.statusMs.length).toBeGreaterThanOrEqual(2);
    expect(r.peakRssMiB).toBeLessThan(rssBoundMiB(r.baselineRssMiB));
    // The app is still supervising, and what it shows is cut and marked, not raw megabytes.
    const st = await cdesk(['status', '--json', '--control', serve.control]);
    expect(JSON.parse(st.stdout).state).toBe('running');
    const cut = r.tail.filter((l) => / … \[cut \d+(\.\d)? KiB\]$/.test(l.raw));
    expect(cut.length).toBeGreaterThan(0);
    expect(cut.some((l) => l.level === 'error')).toBe(true);
    expect(r.tail.some((l) => l.raw.includes('\ufffd'))).toBe(true);
    const max = defaultSettings().logLineMaxBytes;
    expect(r.tail.every((l) => Buffer.byteLength(l.raw) <= 3 * max + 32)).toBe(true);
    expect(serve.child.exitCode).toBeNull();
  }, 180_000);
});
