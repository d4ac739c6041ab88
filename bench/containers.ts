// Running and using containers, side by side with containerd's own ctr in one `cdesk serve` + real
// containerd: run -d → RUNNING, exec, a pull from a local registry (wall time and the app's RSS),
// stats for 100 running containers and 100 containers logging 1,000 lines/s (the app's CPU and
// RSS), and the window's rows (a printed line → on screen, terminal open and echo) from
// bench/containers-ui.ts.
import { execFile, spawn } from 'node:child_process';
import { Readable, Writable } from 'node:stream';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { run as execCommand } from '../main/cli/cmd-exec';
import { run as runCommand } from '../main/cli/cmd-run';
import { connectControl, type ControlClient } from '../main/control-socket/control-client';
import { requireContainerd } from '../test/helpers/engine';
import { removeNetworks } from '../test/helpers/inside-fixture';
import {
  buildBusyboxImage,
  canRunContainers,
  CTR,
  importImage,
  removeAllContainers,
  type BuiltImage,
} from '../test/helpers/oci-image';
import { buildLayoutImage, canRunRegistry, startRegistry } from '../test/helpers/registry';
import { CDESK, cdesk, ensureBuilt, startServe, type Serve } from '../test/helpers/serve';
import { benchContainersUi } from './containers-ui';
import {
  cpuMs,
  cpuOver,
  endedChildrenCpuMs,
  pidsMatching,
  rssBytes,
  rssSampler,
  usageOf,
} from './proc-usage';
import { median, type Row } from './row';

const run = promisify(execFile);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const ms = (x: number) => `${x.toFixed(1)} ms`;
const mib = (b: number) => `${(b / 2 ** 20).toFixed(1)} MiB`;
const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}×`;
const NS = 'default';

/**
 * How `cdesk` runs a detached container: the one place this bench spells the verb and flags
 * (the CLI's layout may move, e.g. to `cdesk run IMAGE`).
 */
export function cdeskRunArgs(o: {
  control: string;
  image: string;
  name: string;
  cmd: string[];
  namespace?: string;
  flags?: string[];
}): string[] {
  return [
    'run',
    '-d',
    '--control',
    o.control,
    '-n',
    o.namespace ?? NS,
    '--name',
    o.name,
    ...(o.flags ?? []),
    o.image,
    ...o.cmd,
  ];
}

/** `cdesk run -d --net none IMAGE sleep 1000`, the like-for-like of `ctr run -d` (empty netns). */
const sleeperArgs = (env: ContainersEnv, name: string) =>
  cdeskRunArgs({
    control: env.serve.control,
    image: env.img.name,
    name,
    cmd: ['sleep', '1000'],
    flags: ['--net', 'none'],
  });

/** What every part of this section shares: the app, its containerd, the image. */
export interface ContainersEnv {
  serve: Serve;
  socket: string;
  client: ControlClient;
  img: BuiltImage;
  dir: string;
}

/** Wall time of one process from spawn to a zero exit (a failure is an error, never a figure). */
function wall(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'ignore', 'pipe'], env });
    let err = '';
    child.stderr.on('data', (b: Buffer) => (err += b.toString().slice(0, 2000)));
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      const t = performance.now() - t0;
      if (code === 0) resolve(t);
      else
        reject(new Error(`${argv.slice(0, 6).join(' ')}… exited with ${code ?? signal}: ${err}`));
    });
  });
}

const ctrArgv = (socket: string, ns: string, args: string[]) => [
  CTR,
  '-a',
  socket,
  '-n',
  ns,
  ...args,
];
const cdeskArgv = (args: string[]) => [process.execPath, CDESK, ...args];

/**
 * A cdesk command's floor: the same command run inside this already started Node (its code, the
 * connection and the app's whole part, but no process start), plus a bare Node's start and exit
 * (`node -e 0`). No Node CLI can do the command in less, so a ratio to ctr below this one is out
 * of reach while cdesk is a Node program.
 */
async function floorSample(
  inProcess: (io: ReturnType<typeof quietIo>) => Promise<number>,
  env: NodeJS.ProcessEnv,
): Promise<{ inProcess: number; node: number }> {
  const io = quietIo(env);
  const t0 = performance.now();
  const code = await inProcess(io);
  const t = performance.now() - t0;
  if (code !== 0) throw new Error(`in-process cdesk exited ${code}: ${io.errText().slice(0, 500)}`);
  return { inProcess: t, node: await wall([process.execPath, '-e', '0'], env) };
}

/** A command's io with nothing on stdin and its output kept (only to report a failure). */
function quietIo(env: NodeJS.ProcessEnv) {
  let err = '';
  const sink = () =>
    new Writable({
      write: (chunk: Buffer, _enc, done) => {
        if (err.length < 4000) err += chunk.toString();
        done();
      },
    });
  return {
    out: () => undefined,
    err: (t: string) => void (err.length < 4000 && (err += t)),
    env,
    signal: new AbortController().signal,
    stdin: Readable.from([]),
    stdout: sink(),
    stderr: sink(),
    errText: () => err,
  };
}

/** The floor row (floorSample's figures, medians of the sums), against ctr's median. */
function floorRow(
  command: string,
  samples: { inProcess: number; node: number }[],
  theirs: number,
  reference: string,
): Row {
  const sums = samples.map((x) => x.inProcess + x.node);
  return {
    metric: `… its floor: \`${command}\` run inside a started Node (no process start) + a bare Node's start and exit (\`node -e 0\`), same rounds`,
    ours: ms(median(sums)),
    reference: `${reference}; in-process ${ms(median(samples.map((x) => x.inProcess)))}, \`node -e 0\` ${ms(median(samples.map((x) => x.node)))}`,
    ratio: `${ratio(median(sums), theirs)} (no Node CLI gets below this)`,
  };
}

async function taskStatus(socket: string, ns: string, id: string): Promise<string> {
  const { stdout } = await run(CTR, ['-a', socket, '-n', ns, 'tasks', 'ls']);
  for (const line of stdout.split('\n').slice(1)) {
    const [tid, , status] = line.trim().split(/\s+/);
    if (tid === id) return status ?? '';
  }
  return '';
}

/** SIGKILL and delete through the app, so it also removes what it made (logs, cgroup folders). */
export async function removeViaApp(env: ContainersEnv, ids: string[], ns = NS): Promise<void> {
  await mapLimit(ids, 8, async (id) => {
    await env.client.invoke('task:kill', { namespace: ns, id, signal: 'SIGKILL' });
    for (let i = 0; i < 200; i++) {
      const st = await taskStatus(env.socket, ns, id);
      if (st !== 'RUNNING') break;
      await sleep(25);
    }
    const r = await env.client.invoke('container:delete', { namespace: ns, id });
    if (!r.ok) throw new Error(`removing ${ns}/${id}: ${r.error.message}`);
  });
}

export async function mapLimit<T>(xs: T[], n: number, fn: (x: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, xs.length) }, async () => {
      while (next < xs.length) await fn(xs[next++]!);
    }),
  );
}

/**
 * This machine sets NODE_EXTRA_CA_CERTS (for its npm proxy): every Node process then parses that
 * certificate bundle before any code runs (~40 ms here), which a user's machine does not. The cdesk
 * rows count the run without it and give the figure with it too (ctr, in Go, never reads it).
 */
function cdeskEnvs(): { plain: NodeJS.ProcessEnv; withCerts: NodeJS.ProcessEnv | null } {
  if (!process.env.NODE_EXTRA_CA_CERTS) return { plain: process.env, withCerts: null };
  const plain = { ...process.env };
  delete plain.NODE_EXTRA_CA_CERTS;
  return { plain, withCerts: process.env };
}

/** The figure with NODE_EXTRA_CA_CERTS, when this machine sets it. */
function withCertsRow(metric: string, samples: number[], theirs: number, reference: string): Row[] {
  if (!samples.length) return [];
  const m = median(samples);
  return [
    {
      metric: `${metric}, NODE_EXTRA_CA_CERTS set (this machine; the target counts the run without it)`,
      ours: ms(m),
      reference,
      ratio: `${ratio(m, theirs)}; min ${ms(Math.min(...samples))}`,
    },
  ];
}

/** `cdesk run -d` vs `ctr run -d`, alternating, each to a RUNNING task. */
async function runRows(env: ContainersEnv, rounds: number): Promise<Row[]> {
  const tag = process.pid.toString(36);
  const envs = cdeskEnvs();
  const ours: number[] = [];
  const oursWithCerts: number[] = [];
  const bridge: number[] = [];
  const theirs: number[] = [];
  const floor: { inProcess: number; node: number }[] = [];
  const check = async (id: string) => {
    const st = await taskStatus(env.socket, NS, id);
    if (st !== 'RUNNING') throw new Error(`${id}: task is ${st || 'missing'}, not RUNNING`);
  };
  // ctr run gives the task an empty network namespace: --net none is the like-for-like run.
  const runNone = (name: string, e: NodeJS.ProcessEnv) =>
    wall(cdeskArgv(sleeperArgs(env, name)), e);
  for (let i = 0; i <= rounds; i++) {
    const a = `bench-run-c-${tag}-${i}`;
    const a2 = `bench-run-e-${tag}-${i}`;
    const b = `bench-run-x-${tag}-${i}`;
    const c = `bench-run-b-${tag}-${i}`;
    const f = `bench-run-f-${tag}-${i}`;
    const tA = await runNone(a, envs.plain);
    await check(a);
    const tB = await wall(ctrArgv(env.socket, NS, ['run', '-d', env.img.name, b, 'sleep', '1000']));
    await check(b);
    const tA2 = envs.withCerts ? await runNone(a2, envs.withCerts) : null;
    if (tA2 !== null) await check(a2);
    // The default network (a bridge with an address where the CNI plugins are).
    const tC = await wall(
      cdeskArgv(
        cdeskRunArgs({
          control: env.serve.control,
          image: env.img.name,
          name: c,
          cmd: ['sleep', '1000'],
        }),
      ),
      envs.plain,
    );
    await check(c);
    // sleeperArgs' first word is the verb, which cmd-run's argv leaves out.
    const tF = await floorSample((io) => runCommand(sleeperArgs(env, f).slice(1), io), envs.plain);
    await check(f);
    // Round 0 warms the caches (node's compile cache, containerd's snapshot of the image).
    if (i > 0) {
      floor.push(tF);
      ours.push(tA);
      if (tA2 !== null) oursWithCerts.push(tA2);
      theirs.push(tB);
      bridge.push(tC);
    }
    await removeViaApp(env, tA2 !== null ? [a, a2, c, f] : [a, c, f]);
    await run(CTR, ['-a', env.socket, '-n', NS, 'tasks', 'delete', '-f', b]);
    await run(CTR, ['-a', env.socket, '-n', NS, 'containers', 'rm', b]);
  }
  const m = median(ours);
  const r = median(theirs);
  const metric = `\`cdesk run -d --net none IMG sleep 1000\` → RUNNING, wall (median of ${rounds}, alternating)`;
  return [
    {
      metric: envs.withCerts ? `${metric}, without NODE_EXTRA_CA_CERTS` : metric,
      ours: ms(m),
      reference: `\`ctr run -d\` ${ms(r)}`,
      ratio: `${ratio(m, r)} (target ≤ 1.2×); min ${ms(Math.min(...ours))} vs ${ms(Math.min(...theirs))}`,
    },
    floorRow('cdesk run -d --net none IMG sleep 1000', floor, r, `\`ctr run -d\` ${ms(r)}`),
    ...withCertsRow(metric, oursWithCerts, r, `\`ctr run -d\` ${ms(r)}`),
    {
      metric: '`cdesk run -d` on the default network (CNI bridge) → RUNNING, wall',
      ours: ms(median(bridge)),
      reference: `\`ctr run -d\` (no network) ${ms(r)}`,
      ratio: ratio(median(bridge), r),
    },
  ];
}

/** `cdesk exec c1 true` vs `ctr tasks exec` in the same container, alternating. */
async function execRows(env: ContainersEnv, rounds: number): Promise<Row[]> {
  const id = `bench-exec-${process.pid.toString(36)}`;
  await wall(cdeskArgv(sleeperArgs(env, id)));
  const envs = cdeskEnvs();
  const ours: number[] = [];
  const oursWithCerts: number[] = [];
  const theirs: number[] = [];
  const floor: { inProcess: number; node: number }[] = [];
  const execArgs = ['--control', env.serve.control, id, 'true'];
  const execArgv = cdeskArgv(['exec', ...execArgs]);
  try {
    for (let i = 0; i <= rounds; i++) {
      const a = await wall(execArgv, envs.plain);
      const b = await wall(
        ctrArgv(env.socket, NS, ['tasks', 'exec', '--exec-id', `b${i}-${process.pid}`, id, 'true']),
      );
      const a2 = envs.withCerts ? await wall(execArgv, envs.withCerts) : null;
      const f = await floorSample((io) => execCommand(execArgs, io), envs.plain);
      if (i > 0) {
        floor.push(f);
        ours.push(a);
        theirs.push(b);
        if (a2 !== null) oursWithCerts.push(a2);
      }
    }
  } finally {
    await removeViaApp(env, [id]);
  }
  const m = median(ours);
  const r = median(theirs);
  const metric = `\`cdesk exec c1 true\` wall (median of ${rounds}, alternating)`;
  return [
    {
      metric: envs.withCerts ? `${metric}, without NODE_EXTRA_CA_CERTS` : metric,
      ours: ms(m),
      reference: `\`ctr tasks exec\` ${ms(r)}`,
      ratio: `${ratio(m, r)} (target ≤ 1.2×); min ${ms(Math.min(...ours))} vs ${ms(Math.min(...theirs))}`,
    },
    floorRow('cdesk exec c1 true', floor, r, `\`ctr tasks exec\` ${ms(r)}`),
    ...withCertsRow(metric, oursWithCerts, r, `\`ctr tasks exec\` ${ms(r)}`),
  ];
}

/** 100 containers: stats at 1 s, then all of them logging 1,000 lines/s; the app's CPU and RSS. */
async function hundredRows(env: ContainersEnv, count: number, seconds: number): Promise<Row[]> {
  const pid = env.serve.info.pid;
  const ctl = join(env.dir, 'ctl');
  mkdirSync(ctl, { recursive: true });
  const tag = process.pid.toString(36);
  const ids = Array.from({ length: count }, (_, i) => `bench-h-${tag}-${i}`);
  // Idle until /ctl/go exists, then 1,000 lines a second: 100 lines, a tenth of a second's rest.
  const script =
    'while [ ! -e /ctl/go ]; do sleep 1; done; n=0; ' +
    'while :; do i=0; while [ $i -lt 100 ]; do echo "line $n.$i of a container logging at about 1000 lines per second"; i=$((i+1)); done; n=$((n+1)); sleep 0.1; done';
  const t0 = performance.now();
  const rows: Row[] = [];
  try {
    await mapLimit(ids, 6, async (name) => {
      await wall(
        cdeskArgv(
          cdeskRunArgs({
            control: env.serve.control,
            image: env.img.name,
            name,
            cmd: ['sh', '-c', script],
            flags: ['--net', 'none', '-v', `${ctl}:/ctl:ro`],
          }),
        ),
      );
    });
    const made = performance.now() - t0;
    await sleep(2000);
    const idle = await cpuOver(pid, seconds * 1000);
    // What the window's Stats tab and `cdesk stats` ask: every running task once a second.
    const stats = spawn(
      process.execPath,
      [CDESK, 'stats', '--control', env.serve.control, '-n', NS, '--json'],
      { stdio: ['ignore', 'pipe', 'ignore'] },
    );
    let seen = 0;
    stats.stdout.on('data', (b: Buffer) => (seen += b.toString().split('\n').length - 1));
    await sleep(2500);
    const polled = await cpuOver(pid, seconds * 1000);
    stats.kill('SIGINT');
    await new Promise((r) => stats.once('exit', r));
    if (seen < count * seconds * 0.8)
      throw new Error(`cdesk stats printed ${seen} rows, expected about ${count * seconds}`);
    rows.push({
      metric: `stats for ${count} running containers every 1 s (\`cdesk stats\`): the app's CPU over ${seconds} s`,
      ours: `${(polled.cpuPct - idle.cpuPct).toFixed(2)} % of a core above idle`,
      reference: `idle with ${count} containers ${idle.cpuPct.toFixed(2)} %; while polled ${polled.cpuPct.toFixed(2)} %`,
      ratio: `target ≤ 2 %; ${count} containers made in ${(made / 1000).toFixed(1)} s (6 at a time)`,
    });

    // Everyone starts logging.
    const rss0 = rssBytes(pid);
    writeFileSync(join(ctl, 'go'), '');
    await sleep(3000);
    const sampler = rssSampler(pid, 200);
    // The per-container loggers (started by the shims) do the writing: their cost is recorded too.
    const loggers = pidsMatching(join(env.serve.stateDir, 'bin', 'cdesk-logger'));
    const l0 = usageOf(loggers);
    const lt0 = performance.now();
    const flood = await cpuOver(pid, seconds * 1000);
    const l1 = usageOf(loggers);
    const loggerCpu = ((l1.cpuMs - l0.cpuMs) / (performance.now() - lt0)) * 100;
    const rss = sampler.stop();
    const lines = await linesWritten(env, ids.slice(0, 5));
    rows.push({
      metric: `${count} containers logging ~1,000 lines/s each: the app's CPU and RSS over ${seconds} s`,
      ours: `${flood.cpuPct.toFixed(1)} % of a core; RSS ${mib(rss.mean)} mean, ${mib(rss.peak)} peak`,
      reference: `RSS before ${mib(rss0)}; the ${loggers.length} logger processes (Node, one per container): ${loggerCpu.toFixed(0)} % of a core, PSS ${mib(l1.pss)} in all (${mib(l1.pss / Math.max(1, loggers.length))} each; RSS, which counts Node's shared code in each, ${mib(l1.rss / Math.max(1, loggers.length))} each)`,
      ratio: `measured rate ${lines.toFixed(0)} lines/s per container (5 sampled)`,
    });
  } finally {
    rmSync(join(ctl, 'go'), { force: true });
    await removeViaApp(env, ids);
  }
  return rows;
}

/** Lines per second each of `ids` writes, from the app's own log reader over one second. */
async function linesWritten(env: ContainersEnv, ids: string[]): Promise<number> {
  const rates: number[] = [];
  for (const id of ids) {
    const first = await env.client.invoke('container:logs', { namespace: NS, id, tail: 1 });
    if (!first.ok) throw new Error(`container:logs ${id}: ${first.error.message}`);
    const t0 = performance.now();
    await sleep(1000);
    let cursor = first.value.cursor;
    let n = 0;
    for (;;) {
      const r = await env.client.invoke('container:logs', { namespace: NS, id, cursor });
      if (!r.ok) throw new Error(`container:logs ${id}: ${r.error.message}`);
      n += r.value.lines.length;
      cursor = r.value.cursor;
      if (!r.value.more) break;
    }
    rates.push((n / (performance.now() - t0)) * 1000);
  }
  return rates.length ? median(rates) : 0;
}

/** A ~150 MB 3-layer image from a local registry into an empty namespace: cdesk pull vs ctr. */
async function pullRows(env: ContainersEnv, rounds: number): Promise<Row[]> {
  const can = canRunRegistry();
  if (!can.ok)
    return [
      {
        metric: 'pull from a local registry',
        ours: 'not measured',
        reference: can.reason,
        ratio: '',
      },
    ];
  const reg = await startRegistry();
  const dir = mkdtempSync('/tmp/cdbc-pull-');
  const ours: number[] = [];
  const theirs: number[] = [];
  const growth: number[] = [];
  // CPU is steadier than wall time on a shared machine: what each pull costs the app (or ctr), the
  // cdesk client and containerd (the registry's share is the same for both).
  const oursCpu: number[] = [];
  const appCpu: number[] = [];
  const theirsCpu: number[] = [];
  // A small image (busybox alone, ~1 MiB): what a pull costs besides its bytes.
  const oursSmall: number[] = [];
  const theirsSmall: number[] = [];
  try {
    // busybox's layer plus two of ~75 MB of random bytes (incompressible: the wire carries them).
    const image = buildLayoutImage(dir, { randomLayers: 2, layerBytes: 75 * 2 ** 20 });
    reg.push(image.layout, 'bench/big:1');
    const ref = `${reg.host}/bench/big:1`;
    const total = image.layers.reduce((a, l) => a + l.size, 0);
    const small = buildLayoutImage(join(dir, 'small'));
    reg.push(small.layout, 'bench/small:1');
    const smallRef = `${reg.host}/bench/small:1`;
    const smallBytes = small.layers.reduce((a, l) => a + l.size, 0);
    const pid = env.serve.info.pid;
    const containerd = pidsMatching(`${env.serve.stateDir}/containerd.toml`);
    const cpuNow = (withApp: boolean) =>
      endedChildrenCpuMs() + usageOf(containerd).cpuMs + (withApp ? cpuMs(pid) : 0);
    for (let i = 0; i < rounds; i++) {
      const nsA = `bench-pull-c-${process.pid}-${i}`;
      const nsB = `bench-pull-x-${process.pid}-${i}`;
      const base = rssBytes(pid);
      const sampler = rssSampler(pid, 10);
      let cpu0 = cpuNow(true);
      const app0 = cpuMs(pid);
      ours.push(await wall(cdeskArgv(['pull', '--control', env.serve.control, '-n', nsA, ref])));
      oursCpu.push(cpuNow(true) - cpu0);
      appCpu.push(cpuMs(pid) - app0);
      growth.push(sampler.stop().peak - base);
      await dropNamespace(env.socket, nsA, ref);
      cpu0 = cpuNow(false);
      theirs.push(await wall(ctrArgv(env.socket, nsB, ['images', 'pull', '--plain-http', ref])));
      theirsCpu.push(cpuNow(false) - cpu0);
      await dropNamespace(env.socket, nsB, ref);
      oursSmall.push(
        await wall(cdeskArgv(['pull', '--control', env.serve.control, '-n', nsA, smallRef])),
      );
      await dropNamespace(env.socket, nsA, smallRef);
      theirsSmall.push(
        await wall(ctrArgv(env.socket, nsB, ['images', 'pull', '--plain-http', smallRef])),
      );
      await dropNamespace(env.socket, nsB, smallRef);
    }
    const m = median(ours);
    const r = median(theirs);
    return [
      {
        metric: `pull a ${mib(total)}, 3-layer image from a local registry into an empty namespace (median of ${rounds}, alternating)`,
        ours: ms(m),
        reference: `\`ctr images pull --plain-http\` ${ms(r)}`,
        ratio: `${ratio(m, r)} (goal ≤ 1.0×); runs ${ours.map((x) => x.toFixed(0)).join(', ')} vs ${theirs.map((x) => x.toFixed(0)).join(', ')} ms`,
      },
      {
        metric: `CPU of that pull: the app, cdesk and containerd (median of ${rounds})`,
        ours: `${ms(median(oursCpu))} (the app alone ${ms(median(appCpu))})`,
        reference: `ctr and containerd ${ms(median(theirsCpu))}`,
        ratio: `${ratio(median(oursCpu), median(theirsCpu))}; runs ${oursCpu.map((x) => x.toFixed(0)).join(', ')} vs ${theirsCpu.map((x) => x.toFixed(0)).join(', ')} ms; the app's ${appCpu.map((x) => x.toFixed(0)).join(', ')} ms`,
      },
      {
        metric: "the app's peak RSS growth during a pull",
        ours: mib(Math.max(...growth)),
        reference: `median ${mib(median(growth))}`,
        ratio: `target ≤ 64 MiB (layers stream); runs ${growth.map((x) => (x / 2 ** 20).toFixed(1)).join(', ')} MiB`,
      },
      {
        metric: `pull a ${mib(smallBytes)}, 1-layer image (busybox) the same way (median of ${rounds}, alternating)`,
        ours: ms(median(oursSmall)),
        reference: `\`ctr images pull --plain-http\` ${ms(median(theirsSmall))}`,
        ratio: `${ratio(median(oursSmall), median(theirsSmall))}; cdesk starts Node first (\`node -e 0\`: see the run -d floor row); runs ${oursSmall.map((x) => x.toFixed(0)).join(', ')} vs ${theirsSmall.map((x) => x.toFixed(0)).join(', ')} ms`,
      },
    ];
  } finally {
    await reg.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Delete the image synchronously (garbage collection drops its blobs and snapshots) and the namespace. */
async function dropNamespace(socket: string, ns: string, ref: string): Promise<void> {
  const c = (args: string[]) => run(CTR, ['-a', socket, '-n', ns, ...args]);
  await c(['images', 'rm', '--sync', ref]).catch(() => undefined);
  const left = (await c(['content', 'ls', '-q'])).stdout.split('\n').filter(Boolean);
  if (left.length) await c(['content', 'rm', ...left]).catch(() => undefined);
  // A blob left in the shared store would make the next run a no-op: check it is gone.
  await c(['namespaces', 'rm', ns]).catch(() => undefined);
}

export async function benchContainersRows(): Promise<Row[]> {
  if (!requireContainerd() || !canRunContainers().ok)
    return [
      {
        metric: 'containers',
        ours: 'not measured',
        reference: 'needs containerd as root',
        ratio: '',
      },
    ];
  ensureBuilt();
  const serve = await startServe({ prefix: '/tmp/cdbc-' });
  // Made once the app is up, so a failed start leaves nothing in /tmp.
  const dir = mkdtempSync('/tmp/cdbc-ctr-');
  let env: ContainersEnv | null = null;
  const rows: Row[] = [];
  const t0 = performance.now();
  const mark = (what: string) =>
    process.stderr.write(
      `  containers: ${what} (${((performance.now() - t0) / 1000).toFixed(0)} s)\n`,
    );
  try {
    const started = await cdesk(['daemon', 'start', '--wait', '--control', serve.control]);
    if (started.code !== 0) throw new Error(`cdesk start failed: ${started.stderr}`);
    const st = JSON.parse(
      (await cdesk(['status', '--json', '--control', serve.control])).stdout,
    ) as {
      paths: { socket: string };
    };
    const img = buildBusyboxImage(join(dir, 'img'));
    importImage(st.paths.socket, NS, img);
    env = { serve, socket: st.paths.socket, client: await connectControl(serve.control), img, dir };
    const load = () => `load ${loadavg()[0]!.toFixed(2)} on ${cpus().length} cores`;
    // CDESK_BENCH_CONTAINERS=run,exec,window,pull,hundred picks parts (all by default).
    const parts = (process.env.CDESK_BENCH_CONTAINERS ?? 'run,exec,window,pull,hundred').split(',');
    const part = async (name: string, fn: (e: ContainersEnv) => Promise<Row[]>) => {
      if (!parts.includes(name)) return;
      rows.push(...(await fn(env!)));
      mark(`${name} done, ${load()}`);
    };
    await part('run', (e) => runRows(e, 10));
    await part('exec', (e) => execRows(e, 10));
    await part('window', (e) => benchContainersUi(e));
    // The pull before the hundred containers: their load lingers for minutes after they go.
    await part('pull', (e) => pullRows(e, 3));
    const many = Number(process.env.CDESK_BENCH_HUNDRED ?? 100);
    await part('hundred', (e) => hundredRows(e, many, 10));
    rows.push({
      metric: 'containers section: machine load at the end',
      ours: load(),
      reference: '',
      ratio: '',
    });
  } finally {
    env?.client.close();
    if (env) removeAllContainers(env.socket);
    await removeNetworks(serve.stateDir);
    await serve.stop();
    serve.cleanup();
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}
