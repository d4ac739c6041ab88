// Benchmarks of the containerd API client: event latency to a CLI-style client, ps with many containers, boot time with CRI on/off.
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import type { ContainerdEvent } from '../common/containerd';
import { connectControl } from '../main/control-socket/control-client';
import { startControlServer } from '../main/control-socket/control-server';
import { createService } from '../main/service/service';
import { createSettingsStore } from '../main/service/settings-store';
import { createInside } from '../main/containerd/index';
import { Supervisor } from '../main/engine/supervisor';
import { buildBusyboxImage, importImage, removeAllContainers } from '../test/helpers/oci-image';
import type { Row } from './row';
import { settingsIn, withDir } from './temp';

const run = promisify(execFile);
const CLI = new URL('../dist/cli.js', import.meta.url);

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}
const median = (xs: number[]) => pct(xs, 50);
const ms = (x: number) => `${x.toFixed(1)} ms`;
const ratio = (a: number, b: number) => (b > 0 ? `${(a / b).toFixed(2)}×` : '');

/** Cold start → running, fresh dirs, CRI on or off. */
export async function benchBootCri(cri: 'on' | 'off', n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    await withDir(async (dir) => {
      const engine = new Supervisor({ settings: settingsIn(dir, (s) => void (s.cri = cri)) });
      const t0 = performance.now();
      const s = await engine.start();
      out.push(performance.now() - t0);
      if (s.state !== 'running')
        throw new Error(`containerd did not start (cri ${cri}): ${s.reason}`);
      await engine.shutdown({ leaveRunning: false });
    });
  }
  return out;
}

interface Stack {
  engine: Supervisor;
  socket: string;
  control: string;
  close(): Promise<void>;
}

/** engine + inside + service + control socket, as `cdesk serve` composes them. */
async function stack(dir: string): Promise<Stack> {
  const settings = settingsIn(dir);
  const engine = new Supervisor({ settings });
  const inside = createInside({ engine, settings: () => settings, logError: () => undefined });
  const s = await engine.start();
  if (s.state !== 'running') throw new Error(`containerd did not start: ${s.reason}`);
  const store = createSettingsStore({ file: join(dir, 'settings.json') });
  const service = createService({
    engine,
    settings: store,
    inside,
    info: () => ({
      appVersion: 'bench',
      controlSocket: null,
      logsDir: dir,
      settingsFile: '',
      mode: 'headless',
    }),
  });
  const control = join(dir, 'ctl.sock');
  const server = await startControlServer({ path: control, service });
  for (let i = 0; i < 300 && inside.status().state !== 'connected'; i++)
    await new Promise((r) => setTimeout(r, 50));
  return {
    engine,
    socket: s.paths.socket,
    control,
    async close() {
      removeAllContainers(s.paths.socket);
      await server.close();
      service.dispose();
      inside.dispose();
      await engine.shutdown({ leaveRunning: false });
    },
  };
}

/**
 * Event latency: containerd's own envelope timestamp of /tasks/start → arrival at a client on the
 * control socket (what `cdesk events` does), vs → arrival at `ctr events` reading the socket directly.
 */
export async function benchEventLatency(n: number): Promise<{ ours: number[]; ctr: number[] }> {
  return withDir(async (dir) => {
    const st = await stack(dir);
    const img = buildBusyboxImage(join(dir, 'img'));
    importImage(st.socket, 'default', img);
    const ours = new Map<string, number>();
    const theirs = new Map<string, number>();
    const client = await connectControl(st.control);
    const off = await client.events((e) => {
      if (e.event !== 'containerd:events') return;
      const now = Date.now();
      for (const ev of e.payload.events as ContainerdEvent[])
        if (ev.topic === '/tasks/start' && ev.containerId) ours.set(ev.containerId, now - ev.at);
    });
    const ctrEvents = spawn('/usr/bin/ctr', ['-a', st.socket, 'events'], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    let buf = '';
    ctrEvents.stdout.on('data', (b: Buffer) => {
      const now = Date.now();
      buf += b.toString();
      const lines = buf.split('\n');
      buf = lines.pop()!;
      for (const l of lines) {
        // 2026-11-30 08:11:19.543210 +0000 UTC default /tasks/start {"container_id":"b3",…}
        const m = /^(\S+ \S+) \+0000 UTC \S+ \/tasks\/start .*"container_id":"([^"]+)"/.exec(l);
        if (m) theirs.set(m[2]!, now - Date.parse(`${m[1]!.replace(' ', 'T')}Z`));
      }
    });
    await new Promise((r) => setTimeout(r, 500));
    try {
      for (let i = 0; i < n; i++) {
        const id = `lat${i}`;
        await run('/usr/bin/ctr', ['-a', st.socket, 'run', '-d', img.name, id]);
        for (let k = 0; k < 200 && !(ours.has(id) && theirs.has(id)); k++)
          await new Promise((r) => setTimeout(r, 10));
        await run('/usr/bin/ctr', ['-a', st.socket, 'tasks', 'delete', '-f', id]).catch(
          () => undefined,
        );
        await run('/usr/bin/ctr', ['-a', st.socket, 'containers', 'rm', id]).catch(() => undefined);
      }
    } finally {
      ctrEvents.kill();
      off();
      client.close();
      await st.close();
    }
    return { ours: [...ours.values()], ctr: [...theirs.values()] };
  });
}

/**
 * `cdesk ps -a --json` (the built CLI, through the app) vs `ctr c ls` with `count` containers; also
 * the CLI's bare process start (`cdesk ps --help`) and one containers:list round trip on the socket.
 */
export async function benchPs(
  count: number,
  reps: number,
): Promise<{
  ours: number[];
  ctr: number[];
  floor: number[];
  roundTrip: number[];
  createSec: number;
}> {
  if (!existsSync(CLI)) throw new Error('dist/cli.js is missing: run npm run build first');
  return withDir(async (dir) => {
    const st = await stack(dir);
    const img = buildBusyboxImage(join(dir, 'img'));
    importImage(st.socket, 'default', img);
    const t0 = performance.now();
    for (let i = 0; i < count; i += 8) {
      const batch = Array.from({ length: Math.min(8, count - i) }, (_, k) =>
        run('/usr/bin/ctr', ['-a', st.socket, 'containers', 'create', img.name, `c${i + k}`]),
      );
      await Promise.all(batch);
    }
    const createSec = (performance.now() - t0) / 1000;
    const out = {
      ours: [] as number[],
      ctr: [] as number[],
      floor: [] as number[],
      roundTrip: [] as number[],
    };
    const client = await connectControl(st.control);
    try {
      for (let i = 0; i < reps; i++) {
        let t = performance.now();
        const { stdout } = await run(
          process.execPath,
          [CLI.pathname, 'ps', '-a', '--json', '--control', st.control],
          {
            maxBuffer: 64 << 20,
          },
        );
        out.ours.push(performance.now() - t);
        const listed = (JSON.parse(stdout) as { containers: unknown[] }).containers.length;
        if (listed !== count) throw new Error(`cdesk ps listed ${listed} of ${count} containers`);
        t = performance.now();
        await run('/usr/bin/ctr', ['-a', st.socket, 'containers', 'ls'], { maxBuffer: 64 << 20 });
        out.ctr.push(performance.now() - t);
        t = performance.now();
        await run(process.execPath, [CLI.pathname, 'ps', '--help']);
        out.floor.push(performance.now() - t);
        t = performance.now();
        const r = await client.invoke('containers:list', { namespace: 'default' });
        out.roundTrip.push(performance.now() - t);
        if (!r.ok) throw new Error(r.error.message);
      }
    } finally {
      client.close();
      await st.close();
    }
    return { ...out, createSec };
  });
}

/** All containerd-API rows for BENCHMARKS.md. CDESK_BENCH_PS_COUNT (default 200; 1000 takes ~1 min to create). */
export async function benchContainerdRows(): Promise<Row[]> {
  const rows: Row[] = [];
  const lat = await benchEventLatency(20);
  rows.push({
    metric:
      '`ctr run -d` → /tasks/start reaches a `cdesk events` client (control socket), p50 / p95',
    ours: `${ms(median(lat.ours))} / ${ms(pct(lat.ours, 95))}`,
    reference: `\`ctr events\` on the socket: ${ms(median(lat.ctr))} / ${ms(pct(lat.ctr, 95))}`,
    ratio: ratio(median(lat.ours), median(lat.ctr)),
  });

  const count = Number(process.env.CDESK_BENCH_PS_COUNT ?? 200);
  const ps = await benchPs(count, 5);
  rows.push({
    metric: `\`cdesk ps -a --json\` with ${count} containers (process start to exit, median of 5)`,
    ours: ms(median(ps.ours)),
    reference: `\`ctr c ls\`: ${ms(median(ps.ctr))}`,
    ratio: ratio(median(ps.ours), median(ps.ctr)),
  });
  rows.push({
    metric: `… of which: containers:list round trip on the control socket (${count} containers) / the CLI's bare start (\`cdesk ps --help\`)`,
    ours: `${ms(median(ps.roundTrip))} / ${ms(median(ps.floor))}`,
    reference: '',
    ratio: '',
  });
  rows.push({
    metric: `creating ${count} containers with \`ctr c create\` (8 at a time; setup)`,
    ours: `${ps.createSec.toFixed(1)} s`,
    reference: '',
    ratio: '',
  });

  // Interleaved, so a busy machine slows both sides alike.
  const on: number[] = [];
  const off: number[] = [];
  for (let i = 0; i < 5; i++) {
    off.push(...(await benchBootCri('off', 1)));
    on.push(...(await benchBootCri('on', 1)));
  }
  rows.push({
    metric: 'containerd cold start → running, `cri` off (default) vs on, median of 5 (interleaved)',
    ours: `off: ${ms(median(off))}`,
    reference: `on: ${ms(median(on))}`,
    ratio: ratio(median(off), median(on)),
  });
  return rows;
}

// `npx tsx bench/containerd.ts` prints the rows on their own.
if (import.meta.url === `file://${process.argv[1]}`) {
  for (const r of await benchContainerdRows())
    console.log(
      `${r.metric}: ${r.ours}${r.reference ? ` | ${r.reference}` : ''}${r.ratio ? ` | ${r.ratio}` : ''}`,
    );
}
