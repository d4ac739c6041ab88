// Bench: SIGKILL containerd repeatedly under `cdesk daemon run` (defaults) and under PM2, kill → SERVING by the same probe.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { defaultSettings } from '../common/settings';
import type { StateEvent } from '../common/states';
import { resolveLayout } from '../main/engine/paths';
import { CDESK } from '../test/helpers/serve';
import { type Row, median } from './row';
import { servingAt, writeConfigFor } from './temp';

const ROOT = join(import.meta.dirname, '..');
const PM2 = join(ROOT, 'node_modules', '.bin', 'pm2');
const run = promisify(execFile);

const pause = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));

/** Live containerd pids started with this config file (how both supervisors' daemons are found). */
export function daemonPids(configFile: string): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const argv = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0');
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
      if (state !== 'Z' && argv[0]?.endsWith('containerd') && argv.includes(configFile))
        out.push(Number(name));
    } catch {
      // raced with an exit
    }
  }
  return out;
}

/** Identity of the socket file (a respawned daemon binds a new one), or null while it is missing. */
function socketId(socket: string): string | null {
  try {
    const st = statSync(socket);
    return `${st.ino}:${st.ctimeMs}:${st.birthtimeMs}`;
  } catch {
    return null;
  }
}

/** SIGKILL the daemon; resolves with the time until a new daemon answers SERVING on the socket. */
async function killAndTime(socket: string, configFile: string): Promise<number> {
  const pid = daemonPids(configFile)[0];
  if (pid === undefined) throw new Error('no containerd to kill');
  const before = socketId(socket);
  const t0 = performance.now();
  process.kill(pid, 'SIGKILL');
  while (performance.now() - t0 < 120_000) {
    const now = socketId(socket);
    if (now !== null && now !== before) {
      const r = await servingAt(socket, { budgetMs: 5000, intervalMs: 2 });
      if (r.ok) return performance.now() - t0;
    } else {
      await pause(2);
    }
  }
  throw new Error('not SERVING again within 120 s');
}

interface Supervised {
  socket: string;
  configFile: string;
  stop(): Promise<void>;
}

/** `cdesk daemon run` with default settings, its state events collected. */
async function startCdeskRun(dir: string, events: StateEvent[]): Promise<Supervised> {
  const state = join(dir, 's');
  const child = spawn(
    'node',
    [CDESK, 'daemon', 'run', '--json', '--state', state, '--root', join(dir, 'r')],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  collectStates(child, events);
  const exited = new Promise((r) => child.once('exit', r));
  const socket = join(state, 'containerd.sock');
  const t0 = performance.now();
  while (!events.some((e) => e.state === 'running')) {
    if (performance.now() - t0 > 60_000)
      throw new Error('cdesk daemon run: not running within 60 s');
    await pause(10);
  }
  return {
    socket,
    configFile: join(state, 'containerd.toml'),
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

function collectStates(child: ChildProcess, events: StateEvent[]): void {
  let buf = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    buf += d;
    for (let i = buf.indexOf('\n'); i !== -1; i = buf.indexOf('\n')) {
      const e = JSON.parse(buf.slice(0, i)) as { type: string };
      buf = buf.slice(i + 1);
      if (e.type === 'state') events.push(e as StateEvent);
    }
  });
}

/** PM2 (node_modules/.bin/pm2, PM2_HOME in the temp dir, autorestart) keeping a containerd. */
async function startPm2(dir: string): Promise<Supervised> {
  const layout = resolveLayout({ rootDir: join(dir, 'r'), stateDir: join(dir, 's') });
  const configFile = await writeConfigFor(layout, defaultSettings());
  const env = { ...process.env, PM2_HOME: join(dir, 'pm2') };
  const pm2 = (...args: string[]) => run(PM2, args, { env, cwd: dir });
  await pm2('start', '/usr/bin/containerd', '--name', 'containerd', '--', '--config', configFile);
  const r = await servingAt(layout.socket, { budgetMs: 60_000, intervalMs: 2 });
  if (!r.ok) {
    await pm2('kill').catch(() => undefined);
    throw new Error(`containerd under PM2 not SERVING: ${r.reason}`);
  }
  return {
    socket: layout.socket,
    configFile,
    stop: async () => {
      await pm2('kill').catch(() => undefined);
    },
  };
}

/**
 * Both supervisors at once, killed in turns (so both see the same machine load): each kill comes
 * once the daemon has been SERVING for `apartMs`, so every run outlives both minimum uptimes.
 */
export async function benchKills(
  n: number,
  apartMs: number,
): Promise<{ ours: number[]; pm2: number[]; failed: boolean; backoffs: number[] }> {
  const a = mkdtempSync(join(tmpdir(), 'cdk-'));
  const b = mkdtempSync(join(tmpdir(), 'cdp-'));
  const events: StateEvent[] = [];
  const started: Supervised[] = [];
  try {
    const ours = await startCdeskRun(a, events);
    started.push(ours);
    const ref = await startPm2(b);
    started.push(ref);
    const times = { ours: [] as number[], pm2: [] as number[] };
    for (let i = 0; i < n; i++) {
      await pause(apartMs);
      times.ours.push(await killAndTime(ours.socket, ours.configFile));
      await pause(apartMs);
      times.pm2.push(await killAndTime(ref.socket, ref.configFile));
    }
    const backoffs = events.filter((e) => e.state === 'backoff').map((e) => e.retryInMs ?? 0);
    return { ...times, failed: events.some((e) => e.state === 'failed'), backoffs };
  } finally {
    for (const s of started) await s.stop();
    rmSync(a, { recursive: true, force: true });
    rmSync(b, { recursive: true, force: true });
  }
}

const ms = (x: number) => `${x.toFixed(0)} ms`;

/** SIGKILL ×10, each after 1.5 s SERVING: `cdesk daemon run` defaults vs PM2 in the same run. */
export async function benchKillRows(n = 10, apartMs = 1500): Promise<Row[]> {
  const r = await benchKills(n, apartMs);
  const m = median(r.ours);
  const p = median(r.pm2);
  const first = r.ours.slice(0, defaultSettings().restart.flapExits);
  const list = (xs: number[]) => xs.map((t) => t.toFixed(0)).join(', ');
  return [
    {
      metric: `SIGKILL ×${n}, each after ${apartMs / 1000} s SERVING, \`cdesk daemon run\` defaults: median kill → SERVING`,
      ours: `${ms(m)}${r.failed ? ' (went failed!)' : ', never failed'}`,
      reference: `PM2 autorestart, same run: ${ms(p)}`,
      ratio: `${(m / p).toFixed(2)}× PM2`,
    },
    {
      metric: `… first ${first.length} kills (before the flap backoff)`,
      ours: ms(median(first)),
      reference: `PM2 ${ms(median(r.pm2.slice(0, first.length)))}`,
      ratio: `${(median(first) / median(r.pm2.slice(0, first.length))).toFixed(2)}× PM2`,
    },
    {
      metric: `… each kill → SERVING, ms (backoffs chosen: ${r.backoffs.map((d) => (d / 1000).toFixed(1)).join(', ')} s)`,
      ours: list(r.ours),
      reference: `PM2: ${list(r.pm2)}`,
      ratio: '',
    },
  ];
}
