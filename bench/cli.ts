// CLI cold-path benchmarks: `cdesk status` beside `node -e 0` and `ctr version`, and `cdesk daemon run` launch → containerd spawned / SERVING beside containerd alone.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { resolveLayout } from '../main/engine/paths';
import { CDESK, cdesk as runCdesk, ensureBuilt, startServe } from '../test/helpers/serve';
import { median, type Row } from './row';
import { CONTAINERD, servingAt, settingsIn, writeConfigFor } from './temp';

const CTR = '/usr/bin/ctr';

/** Wall time of one process from spawn to exit; a non-zero exit is an error (we would time a failure). */
export function wallTime(argv: string[], env = process.env): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(argv[0]!, argv.slice(1), { stdio: 'ignore', env });
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      const ms = performance.now() - t0;
      if (code === 0) resolve(ms);
      else reject(new Error(`${argv.join(' ')} exited with ${code ?? signal}`));
    });
  });
}

export interface StatusSamples {
  node: number[];
  ctr: number[];
  status: number[];
}

/**
 * `cdesk status` against a `cdesk serve` supervising real containerd, `ctr version` against that
 * containerd and `node -e 0`, interleaved round by round (the machine is shared: load drifts, so
 * only figures from the same rounds are compared). One unrecorded warm-up round fills the caches.
 */
export async function benchStatus(n: number, cdeskBin = CDESK): Promise<StatusSamples> {
  ensureBuilt();
  const serve = await startServe({ prefix: '/tmp/cdc-' });
  try {
    const started = await runCdesk(['daemon', 'start', '--wait', '--control', serve.control]);
    if (started.code !== 0) throw new Error(`cdesk daemon start failed: ${started.stderr}`);
    const socket = join(serve.stateDir, 'containerd.sock');
    const cmds = {
      node: [process.execPath, '-e', '0'],
      ctr: [CTR, '--address', socket, 'version'],
      status: [process.execPath, cdeskBin, 'status', '--control', serve.control],
    };
    const out: StatusSamples = { node: [], ctr: [], status: [] };
    for (let round = 0; round <= n; round++) {
      for (const key of Object.keys(cmds) as (keyof StatusSamples)[]) {
        const ms = await wallTime(cmds[key]);
        if (round > 0) out[key].push(ms);
      }
    }
    return out;
  } finally {
    await serve.stop();
    serve.cleanup();
  }
}

export interface LaunchSample {
  /**
   * Process launch → the engine announced the spawn (its `starting` event with a pid). containerd
   * is spawned earlier (the head start); the engine announces it once it has loaded.
   */
  spawnedMs: number;
  /** Process launch → containerd answers SERVING, probed from outside. */
  servingMs: number;
  /** Process launch → `cdesk daemon run` itself announces `running` (its own probe saw SERVING). */
  announcedMs: number;
}

/** Probe `socket` from outside every 2 ms until SERVING; ms since `t0`. */
async function servingAfter(t0: number, socket: string, what: string): Promise<number> {
  const r = await servingAt(socket, { budgetMs: 60_000, intervalMs: 2 });
  if (!r.ok) throw new Error(`${what}: not SERVING (${r.reason})`);
  return performance.now() - t0;
}

/** `cdesk daemon run --json` in a fresh temp dir: when containerd was spawned and when it was SERVING. */
export async function launchRun(cdeskBin = CDESK, env = process.env): Promise<LaunchSample> {
  const dir = mkdtempSync('/tmp/cdr-');
  try {
    const state = join(dir, 's');
    const argv = ['daemon', 'run', '--json', '--state', state, '--root', join(dir, 'r')];
    const wall0 = Date.now();
    const t0 = performance.now();
    const child = spawn(process.execPath, [cdeskBin, ...argv, '--containerd', CONTAINERD], {
      stdio: ['ignore', 'pipe', 'ignore'],
      env,
    });
    const exited = new Promise((r) => child.once('exit', r));
    // Event times are wall-clock ms: good to the millisecond, enough for a launch of ~100 ms.
    let spawnedAt: number | null = null;
    let runningAt: number | null = null;
    let markRunning: () => void = () => undefined;
    const announced = new Promise<void>((resolve) => {
      markRunning = resolve;
    });
    let buf = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      buf += d;
      for (let i = buf.indexOf('\n'); i !== -1; i = buf.indexOf('\n')) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        try {
          const e = JSON.parse(line) as {
            type?: string;
            state?: string;
            pid?: number | null;
            at?: number;
          };
          if (spawnedAt === null && e.type === 'state' && e.pid && e.at) spawnedAt = e.at;
          if (runningAt === null && e.type === 'state' && e.state === 'running' && e.at) {
            runningAt = e.at;
            markRunning();
          }
        } catch {
          // not an event line
        }
      }
    });
    try {
      const servingMs = await servingAfter(t0, join(state, 'containerd.sock'), 'cdesk daemon run');
      // The head start's containerd may answer before the engine has loaded and printed its
      // first event: both events are awaited after SERVING.
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise((r) => (timer = setTimeout(r, 10_000)));
      await Promise.race([announced, exited, late]).finally(() => clearTimeout(timer));
      if (spawnedAt === null) throw new Error('cdesk daemon run printed no state event with a pid');
      if (runningAt === null)
        throw new Error(
          'cdesk daemon run did not announce running within 10 s of containerd SERVING',
        );
      return { spawnedMs: spawnedAt - wall0, servingMs, announcedMs: runningAt - wall0 };
    } finally {
      child.kill('SIGTERM');
      await exited;
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * A Node process whose first statement spawns containerd (it stops it on SIGTERM): the floor for
 * any Node launcher, Node's own start-up included. Nothing is loaded, locked or probed.
 */
const NODE_FIRST = `const c = require('node:child_process').spawn(process.argv[1], ['--config', process.argv[2]], { stdio: 'ignore' });
process.on('SIGTERM', () => { c.kill('SIGTERM'); c.once('exit', () => process.exit(0)); });`;

/** containerd alone (or `viaNode`: spawned by a bare Node process), config written beforehand: launch → SERVING. */
export async function launchAlone(viaNode?: NodeJS.ProcessEnv): Promise<number> {
  const dir = mkdtempSync('/tmp/cda-');
  try {
    const s = settingsIn(dir);
    const layout = resolveLayout(s);
    const path = await writeConfigFor(layout, s);
    const t0 = performance.now();
    const child = viaNode
      ? spawn(process.execPath, ['-e', NODE_FIRST, CONTAINERD, path], {
          stdio: 'ignore',
          env: viaNode,
        })
      : spawn(CONTAINERD, ['--config', path], { stdio: 'ignore' });
    const exited = new Promise((r) => child.once('exit', r));
    try {
      return await servingAfter(
        t0,
        layout.socket,
        viaNode ? 'node spawning containerd' : 'containerd alone',
      );
    } finally {
      child.kill('SIGTERM');
      await exited;
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface LaunchSamples {
  run: LaunchSample[];
  alone: number[];
  /** `node -e 0` in the same environment: the part of a launch that is Node's own start-up. */
  node: number[];
  /** A bare Node process spawning containerd as its first statement: launch → SERVING. */
  nodeFirst: number[];
}

/** `cdesk daemon run`, containerd alone and `node -e 0`, round by round, after one unrecorded warm-up. */
export async function benchRunLaunch(
  n: number,
  cdeskBin = CDESK,
  env = process.env,
): Promise<LaunchSamples> {
  ensureBuilt();
  const out: LaunchSamples = { run: [], alone: [], node: [], nodeFirst: [] };
  for (let round = 0; round <= n; round++) {
    const run = await launchRun(cdeskBin, env);
    const alone = await launchAlone();
    const node = await wallTime([process.execPath, '-e', '0'], env);
    const nodeFirst = await launchAlone(env);
    if (round === 0) continue;
    out.run.push(run);
    out.alone.push(alone);
    out.node.push(node);
    out.nodeFirst.push(nodeFirst);
  }
  return out;
}

/**
 * This machine sets NODE_EXTRA_CA_CERTS (for its npm proxy): every Node process then parses that
 * certificate bundle before running any code (~40 ms here). containerd alone never pays it, and a
 * developer's machine usually does not set it, so the launch row is also given without it.
 */
function withoutExtraCerts(): NodeJS.ProcessEnv | null {
  if (!process.env.NODE_EXTRA_CA_CERTS) return null;
  const env = { ...process.env };
  delete env.NODE_EXTRA_CA_CERTS;
  return env;
}

function launchRow(launch: LaunchSamples, note: string): Row {
  const serving = median(launch.run.map((r) => r.servingMs));
  const announced = median(launch.run.map((r) => r.announcedMs));
  const alone = median(launch.alone);
  return {
    metric: `\`cdesk daemon run\` launch → containerd SERVING (probed from outside) / → \`running\` announced${note} (median of ${launch.run.length})`,
    ours: `${ms(serving)} / ${ms(announced)}`,
    reference: `containerd alone → SERVING ${ms(alone)}; a bare Node spawning it first thing ${ms(median(launch.nodeFirst))} (+${(median(launch.nodeFirst) - alone).toFixed(0)}); \`node -e 0\` ${ms(median(launch.node))}`,
    ratio: `+${(serving - alone).toFixed(0)} ms (target ≤ +150 ms)`,
  };
}

const ms = (x: number) => `${x.toFixed(0)} ms`;

/** Rows for the bench table: CLI start-up and `cdesk daemon run`'s cold path. */
export async function benchCliRows(n = 10): Promise<Row[]> {
  const st = await benchStatus(n);
  const node = median(st.node);
  const status = median(st.status);
  const rounds = Math.max(5, n);
  const launch = await benchRunLaunch(rounds);
  const plainEnv = withoutExtraCerts();
  const plain = plainEnv ? await benchRunLaunch(rounds, CDESK, plainEnv) : null;
  return [
    {
      metric: `\`cdesk status\` wall time, app running (median of ${n}, interleaved)`,
      ours: ms(status),
      reference: `\`node -e 0\` ${ms(node)}; \`ctr version\` ${ms(median(st.ctr))}`,
      ratio: `${(status / node).toFixed(2)}× node -e 0 (target ≤ 1.5×)`,
    },
    launchRow(launch, plain ? ', NODE_EXTRA_CA_CERTS set (this machine)' : ''),
    ...(plain ? [launchRow(plain, ', without NODE_EXTRA_CA_CERTS')] : []),
  ];
}

// `node --import tsx bench/cli.ts [N]`: these rows alone. `--run-only --cdesk DIR/cli.js`: only the
// launch row, for a given build (`node scripts/build.mjs --cli-only DIR`); `--compare A/cli.js
// B/cli.js`: two such builds and containerd alone, interleaved round by round.
if (process.argv[1] && import.meta.filename === process.argv[1]) {
  const args = process.argv.slice(2);
  const n = Number(args.find((a) => /^\d+$/.test(a)) ?? 10);
  const at = args.indexOf('--cdesk');
  const bin = at === -1 ? CDESK : args[at + 1]!;
  const cmp = args.indexOf('--compare');
  if (cmp !== -1) {
    // Two builds and containerd alone, round by round (load on the shared cores drifts).
    const bins = [args[cmp + 1]!, args[cmp + 2]!];
    const runs: LaunchSample[][] = [[], []];
    const alone: number[] = [];
    for (let round = 0; round <= n; round++) {
      const a = await launchRun(bins[0]);
      const b = await launchRun(bins[1]);
      const c = await launchAlone();
      if (round === 0) continue;
      runs[0]!.push(a);
      runs[1]!.push(b);
      alone.push(c);
    }
    const al = median(alone);
    process.stdout.write(`containerd alone → SERVING ${ms(al)} (median of ${n}, interleaved)\n`);
    bins.forEach((bin, i) => {
      const spawned = median(runs[i]!.map((r) => r.spawnedMs));
      const serving = median(runs[i]!.map((r) => r.servingMs));
      const announced = median(runs[i]!.map((r) => r.announcedMs));
      process.stdout.write(
        `${bin}: launch → spawn announced ${ms(spawned)} / → SERVING ${ms(serving)}; +${(serving - al).toFixed(0)} ms; running announced ${ms(announced)}\n`,
      );
    });
  } else if (args.includes('--run-only')) {
    const launch = await benchRunLaunch(n, bin);
    const spawned = median(launch.run.map((r) => r.spawnedMs));
    const serving = median(launch.run.map((r) => r.servingMs));
    const alone = median(launch.alone);
    process.stdout.write(
      `${bin}: launch → spawn announced ${ms(spawned)} / → SERVING ${ms(serving)}; containerd alone ${ms(alone)}; +${(serving - alone).toFixed(0)} ms (median of ${n})\n`,
    );
  } else
    for (const r of await benchCliRows(n))
      process.stdout.write(`${r.metric}\n  ours ${r.ours}\n  ref  ${r.reference}\n  ${r.ratio}\n`);
}
