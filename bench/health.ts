// Health probe benchmarks: spawn → SERVING in a fresh Node (the daemon channel on grpc-js with the
// generated health types) against grpc-js alone with raw bytes and against containerd's own boot;
// warm liveness check latency.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type * as grpc from '@grpc/grpc-js';
import { checkHealth } from '../main/engine/health';
import { DaemonChannel } from '../main/shared/daemon-channel';
import { resolveLayout } from '../main/engine/paths';
import type { Row } from './row';
import { CONTAINERD, servingAt, settingsIn, writeConfigFor } from './temp';

const PROBE = join(import.meta.dirname, 'health-probe.ts');
const ms = (x: number) => `${x.toFixed(1)} ms`;

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? NaN;
}
const median = (xs: number[]) => quantile(xs, 0.5);

/** A fresh containerd config in a short temp dir; returns its socket and config paths. */
async function freshDaemonDir(): Promise<{ dir: string; socket: string; config: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'cdh-'));
  const s = settingsIn(dir);
  const layout = resolveLayout(s);
  const config = await writeConfigFor(layout, s);
  return { dir, socket: layout.socket, config };
}

/**
 * One spawn → SERVING in a fresh `node --import tsx` child (module caches cold, as at `cdesk daemon run`).
 * `healthModule` lets a one-off comparison time another copy of the health client.
 */
export async function timeFreshProbe(
  mode: 'probe' | 'raw' | 'floor',
  healthModule?: string,
): Promise<number> {
  const d = await freshDaemonDir();
  try {
    const args = ['--import', 'tsx', PROBE, mode, d.socket, d.config];
    if (healthModule) args.push(healthModule);
    const r = spawnSync(process.execPath, args, { encoding: 'utf8', timeout: 120_000 });
    const line = r.stdout.trim().split('\n').pop() ?? '';
    if (r.status !== 0 || !line.startsWith('{'))
      throw new Error(`health probe (${mode}) failed: ${r.stderr.slice(-2000)}`);
    return (JSON.parse(line) as { ms: number }).ms;
  } finally {
    rmSync(d.dir, { recursive: true, force: true });
  }
}

/** Warm Check round trips on one channel: ours (generated types) vs grpc-js with raw bytes. */
async function benchLiveness(n: number): Promise<{ ours: number[]; raw: number[] }> {
  const d = await freshDaemonDir();
  const child = spawn(CONTAINERD, ['--config', d.config], { stdio: 'ignore' });
  const exited = new Promise((r) => child.once('exit', r));
  const ours = new DaemonChannel(d.socket);
  const g = createRequire(import.meta.url)('@grpc/grpc-js') as typeof grpc;
  const raw = new g.Client(`unix://${d.socket}`, g.credentials.createInsecure(), {
    'grpc.use_local_subchannel_pool': 1,
  });
  const rawCheck = () =>
    new Promise<number>((resolve, reject) => {
      const t0 = performance.now();
      raw.makeUnaryRequest(
        '/grpc.health.v1.Health/Check',
        () => Buffer.alloc(0),
        (b: Buffer) => b,
        null,
        new g.Metadata(),
        { deadline: Date.now() + 3000 },
        (err) => (err ? reject(err) : resolve(performance.now() - t0)),
      );
    });
  try {
    const up = await servingAt(d.socket, { budgetMs: 60_000, intervalMs: 2 });
    if (!up.ok) throw new Error(`liveness bench: containerd not SERVING (${up.reason})`);
    const out = { ours: [] as number[], raw: [] as number[] };
    await checkHealth(ours, 3000);
    await rawCheck();
    for (let i = 0; i < n; i++) {
      const r = await checkHealth(ours, 3000);
      if (r.result !== 'SERVING') throw new Error(`liveness bench: ${r.result} ${r.detail ?? ''}`);
      out.ours.push(r.latencyMs);
      out.raw.push(await rawCheck());
    }
    return out;
  } finally {
    ours.close();
    raw.close();
    child.kill('SIGKILL');
    await exited;
    rmSync(d.dir, { recursive: true, force: true });
  }
}

/** Rows: fresh-process spawn → SERVING (alternating variants, median of n) and warm check latency. */
export async function benchHealthRows(n = 7): Promise<Row[]> {
  const probe: number[] = [];
  const raw: number[] = [];
  const floor: number[] = [];
  for (let i = 0; i < n; i++) {
    probe.push(await timeFreshProbe('probe'));
    raw.push(await timeFreshProbe('raw'));
    floor.push(await timeFreshProbe('floor'));
  }
  const live = await benchLiveness(200);
  return [
    {
      metric: `health: containerd spawn → SERVING in a fresh Node (median of ${n}; the daemon channel: grpc-js + generated types)`,
      ours: ms(median(probe)),
      reference: `grpc-js alone, raw Check ${ms(median(raw))}; socket accepts ${ms(median(floor))}`,
      ratio: `${(median(probe) / median(raw)).toFixed(2)}× raw, ${(median(probe) / median(floor)).toFixed(2)}× containerd's boot`,
    },
    {
      metric: 'health: liveness Check round trip, warm channel (p50 / p95 of 200)',
      ours: `${ms(median(live.ours))} / ${ms(quantile(live.ours, 0.95))}`,
      reference: `raw grpc-js call ${ms(median(live.raw))} / ${ms(quantile(live.raw, 0.95))}`,
      ratio: `${(median(live.ours) / median(live.raw)).toFixed(2)}× (p50)`,
    },
  ];
}
