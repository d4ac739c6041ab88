// Child process for bench/health.ts: spawns containerd in a fresh Node and times spawn → SERVING.
// argv: MODE SOCKET CONFIG [HEALTH_MODULE]; MODE is `probe` (waitForServing from HEALTH_MODULE,
// default main/engine/health), `raw` (grpc-js alone, no definitions) or `floor` (socket accepts).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { connect } from 'node:net';
import { performance } from 'node:perf_hooks';
import type * as grpc from '@grpc/grpc-js';
import { DaemonChannel } from '../main/shared/daemon-channel';

const [mode = '', socket = '', config = '', healthModule = '../main/engine/health'] =
  process.argv.slice(2);
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

function accepts(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    if (!existsSync(path)) return resolve(false);
    const s = connect(path);
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => (s.destroy(), resolve(false)));
  });
}

/** grpc-js only, an empty request and an ignored answer: the pre-definitions cost profile. */
async function rawServing(): Promise<number> {
  let g: typeof grpc | null = null;
  setImmediate(() => (g ??= createRequire(import.meta.url)('@grpc/grpc-js') as typeof grpc));
  for (let attempts = 1; ; attempts++) {
    if (!(await accepts(socket))) {
      await pause(2);
      continue;
    }
    g ??= createRequire(import.meta.url)('@grpc/grpc-js') as typeof grpc;
    const gj = g;
    const client = new gj.Client(`unix://${socket}`, gj.credentials.createInsecure(), {
      'grpc.use_local_subchannel_pool': 1,
    });
    const ok = await new Promise<boolean>((resolve) => {
      client.makeUnaryRequest(
        '/grpc.health.v1.Health/Check',
        () => Buffer.alloc(0),
        (b: Buffer) => b,
        null,
        new gj.Metadata(),
        { deadline: Date.now() + 2000 },
        (err) => resolve(!err),
      );
    });
    client.close();
    if (ok) return attempts;
    await pause(2);
  }
}

async function main(): Promise<void> {
  // Imported before the clock starts, as the supervisor imports it before spawning.
  const health =
    mode === 'probe'
      ? ((await import(healthModule)) as typeof import('../main/engine/health'))
      : null;
  const channel = health ? new DaemonChannel(socket) : null;
  const t0 = performance.now();
  const child = spawn('/usr/bin/containerd', ['--config', config], { stdio: 'ignore' });
  const exited = new Promise((r) => child.once('exit', r));
  let attempts = 0;
  try {
    if (health) {
      const r = await health.waitForServing(channel!, {
        budgetMs: 60_000,
        intervalMs: 2,
        isAlive: () => child.exitCode === null,
      });
      if (!r.ok) throw new Error(`not SERVING: ${r.reason} (last ${r.last})`);
      attempts = r.attempts;
    } else if (mode === 'raw') {
      attempts = await rawServing();
    } else {
      while (!(await accepts(socket))) await pause(2);
    }
    const ms = performance.now() - t0;
    process.stdout.write(`${JSON.stringify({ ms, attempts })}\n`);
  } finally {
    channel?.close();
    child.kill('SIGKILL');
    await exited;
  }
}

await main();
