// Engine benchmarks against real containerd: cold start, crash and hang recovery, idle CPU.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { defaultSettings, type Settings } from '../common/settings';
import type { EngineEvent, StateEvent } from '../common/states';
import { resolveLayout } from '../main/engine/paths';
import { Supervisor } from '../main/engine/supervisor';
import { CDESK } from '../test/helpers/serve';
import { cpuMs } from './proc-usage';
import { type Row, median } from './row';
import { CONTAINERD, servingAt, settingsIn, withDir, writeConfigFor } from './temp';

function nextRunning(engine: Supervisor, timeoutMs = 30_000): Promise<number> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('timed out waiting for running')), timeoutMs);
    const off = engine.onEvent((e: EngineEvent) => {
      if (e.type === 'state' && (e as StateEvent).state === 'running') {
        clearTimeout(timer);
        off();
        resolve(performance.now());
      }
    });
  });
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Cold start → first healthy, fresh state dir each time. */
export async function benchColdStart(n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    await withDir(async (dir) => {
      const engine = new Supervisor({ settings: settingsIn(dir) });
      const t0 = performance.now();
      const s = await engine.start();
      if (s.state !== 'running') throw new Error(`cold start ended ${s.state}: ${s.reason}`);
      out.push(performance.now() - t0);
      await engine.shutdown({ leaveRunning: false });
    });
  }
  return out;
}

/**
 * SIGKILL → running again, the respawn path alone: each run outlives the minimum uptime (1.2 s
 * between kills), and the flap backoff is lifted (flapExits 1000) so every kill is respawned at
 * once. `benchKillRows` (pm2.ts) measures the same with all defaults.
 */
export async function benchCrashRecovery(n: number): Promise<number[]> {
  return withDir(async (dir) => {
    const engine = new Supervisor({
      settings: settingsIn(dir, (s) => {
        s.restart.flapExits = 1000;
      }),
    });
    await engine.start();
    const out: number[] = [];
    for (let i = 0; i < n; i++) {
      await pause(1200);
      const back = nextRunning(engine);
      const t0 = performance.now();
      process.kill(engine.status().pid!, 'SIGKILL');
      out.push((await back) - t0);
    }
    await engine.shutdown({ leaveRunning: false });
    return out;
  });
}

/** SIGSTOP the daemon n times: ms from each stop to running again on a new daemon. */
function hangRecoveries(n: number, patch?: (s: Settings) => void): Promise<number[]> {
  return withDir(async (dir) => {
    const engine = new Supervisor({ settings: settingsIn(dir, patch) });
    await engine.start();
    const out: number[] = [];
    for (let i = 0; i < n; i++) {
      await pause(1200);
      const back = nextRunning(engine, 120_000);
      const t0 = performance.now();
      process.kill(engine.status().pid!, 'SIGSTOP');
      out.push((await back) - t0);
    }
    await engine.shutdown({ leaveRunning: false });
    return out;
  });
}

/** SIGSTOP → running again (a new daemon), with the liveness knobs given. */
export async function benchHangRecovery(
  n: number,
  knobs: { intervalMs: number; timeoutMs: number; failures: number },
): Promise<number[]> {
  return hangRecoveries(n, (s) => {
    s.health.livenessIntervalMs = knobs.intervalMs;
    s.health.livenessTimeoutMs = knobs.timeoutMs;
    s.health.livenessFailures = knobs.failures;
    s.hangDumpWaitMs = 100;
  });
}

/**
 * The floor: a bare loop that respawns containerd the moment it exits and probes health the
 * same fast way, with no pidfile, config or policy work. Our figure is compared with this.
 */
export async function benchBareRespawn(n: number): Promise<number[]> {
  return withDir(async (dir) => {
    const layout = resolveLayout({ rootDir: join(dir, 'root'), stateDir: join(dir, 'state') });
    const path = await writeConfigFor(layout, settingsIn(dir));
    const out: number[] = [];
    let child = spawn(CONTAINERD, ['--config', path], { stdio: 'ignore' });
    await servingAt(layout.socket, { budgetMs: 30_000, intervalMs: 2 });
    for (let i = 0; i < n; i++) {
      await pause(300);
      const exited = new Promise((r) => child.once('exit', r));
      const t0 = performance.now();
      child.kill('SIGKILL');
      await exited;
      child = spawn(CONTAINERD, ['--config', path], { stdio: 'ignore' });
      const alive = () => child.exitCode === null;
      const r = await servingAt(layout.socket, {
        budgetMs: 30_000,
        intervalMs: 2,
        isAlive: alive,
      });
      if (!r.ok) throw new Error(`bare respawn: ${r.reason}`);
      out.push(performance.now() - t0);
    }
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    return out;
  });
}

/**
 * CPU used by the engine while containerd runs healthy, per second: `cdesk daemon run` (the engine
 * in a process of its own, as a user runs it), read from /proc. Measured in this process it also
 * counted V8 collecting what the bench's earlier parts left behind (one run in a few read 15-18
 * ms/s instead of ~2).
 */
export async function benchIdleCpu(
  seconds: number,
): Promise<{ cpuMsPerSec: number; livenessMs: number }> {
  return withDir(async (dir) => {
    const child = spawn(
      process.execPath,
      [
        CDESK,
        'daemon',
        'run',
        '--json',
        '--state',
        join(dir, 's'),
        '--root',
        join(dir, 'r'),
        '--containerd',
        CONTAINERD,
      ],
      { stdio: ['ignore', 'pipe', 'ignore'] },
    );
    const exited = new Promise((r) => child.once('exit', r));
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error('cdesk daemon run: no running in 30 s')),
          30_000,
        );
        let buf = '';
        child.stdout.setEncoding('utf8').on('data', (d: string) => {
          buf = (buf + d).slice(-65_536);
          if (/"state":"running"/.test(buf)) {
            clearTimeout(timer);
            resolve();
          }
        });
        child.once('exit', () => reject(new Error('cdesk daemon run exited before running')));
      });
      // Steady state: V8 collects the start-up's garbage in the first ~10 s after a launch.
      await pause(10_000);
      const c0 = cpuMs(child.pid!);
      await pause(seconds * 1000);
      return {
        cpuMsPerSec: (cpuMs(child.pid!) - c0) / seconds,
        livenessMs: defaultSettings().health.livenessIntervalMs,
      };
    } finally {
      child.kill('SIGTERM');
      await exited;
    }
  });
}

/** SIGSTOP → running again on a new daemon, every setting at its default. */
export async function benchHangDefaults(n: number): Promise<number[]> {
  return hangRecoveries(n);
}

/** Rows for the lead's bench table: hang recovery with defaults (launch → SERVING is bench/cli.ts's). */
export async function benchEngineRows(): Promise<Row[]> {
  const d = defaultSettings().health;
  const hang = await benchHangDefaults(3);
  const window = d.livenessIntervalMs + d.livenessFailures * d.livenessTimeoutMs;
  return [
    {
      metric: 'SIGSTOP → SERVING again, default settings (median of 3)',
      ours: `${(median(hang) / 1000).toFixed(1)} s (max ${(Math.max(...hang) / 1000).toFixed(1)} s)`,
      reference: `target ≤ 15 s; confirm window ${window / 1000} s + ${defaultSettings().hangDumpWaitMs / 1000} s dump wait`,
      ratio: `${(median(hang) / 15_000).toFixed(2)}× target`,
    },
  ];
}
