// `npm run bench`: every figure measured in one run, printed as a table and saved to BENCHMARKS.md.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import {
  benchBareRespawn,
  benchColdStart,
  benchCrashRecovery,
  benchHangRecovery,
  benchIdleCpu,
} from './engine';
import { benchLogIngest } from './log-ingest';

import { median, type Row } from './row';

const ms = (x: number) => `${x.toFixed(1)} ms`;
const rows: Row[] = [];
const add = (metric: string, ours: string, reference = '', ratio = '') => {
  rows.push({ metric, ours, reference, ratio });
  process.stderr.write(`  ${metric}: ${ours}${reference ? `  (ref ${reference})` : ''}\n`);
};

async function main(): Promise<void> {
  if (!existsSync('/usr/bin/containerd')) {
    process.stderr.write(
      'bench: /usr/bin/containerd is missing; install it (apt-get install containerd)\n',
    );
    process.exit(1);
  }
  const only = process.argv.slice(2);
  const want = (name: string) => only.length === 0 || only.includes(name);
  process.stderr.write('bench: measuring (about 15 minutes)…\n');

  if (want('engine')) {
    const cold = await benchColdStart(5);
    add('cold start → healthy (median of 5)', ms(median(cold)), '', `min ${ms(Math.min(...cold))}`);

    const bare = await benchBareRespawn(10);
    const crash = await benchCrashRecovery(12);
    const m = median(crash);
    const b = median(bare);
    add(
      `SIGKILL → healthy again (median of ${crash.length})`,
      ms(m),
      `bare respawn-at-once loop ${ms(b)}`,
      `${(m / b).toFixed(2)}× the floor; moby ≈ 10 000 ms → ${(10_000 / m).toFixed(0)}× faster`,
    );
    add(
      'SIGKILL → healthy again, p90',
      ms([...crash].sort((x, y) => x - y)[Math.floor(crash.length * 0.9)]!),
    );

    const knobs = { intervalMs: 1000, timeoutMs: 500, failures: 3 };
    const hang = await benchHangRecovery(3, knobs);
    const window = knobs.intervalMs * knobs.failures + knobs.timeoutMs;
    add(
      `SIGSTOP → healthy again (median of 3; liveness ${knobs.intervalMs} ms × ${knobs.failures}, ${knobs.timeoutMs} ms deadline)`,
      ms(median(hang)),
      `window ${window} ms + dump wait; moby/PM2/supervisord: never`,
      `${(median(hang) / window).toFixed(2)}× the window`,
    );

    const idle = await benchIdleCpu(20);
    add(
      'engine CPU while containerd is healthy',
      `${idle.cpuMsPerSec.toFixed(2)} ms/s`,
      `liveness every ${idle.livenessMs} ms`,
    );
  }

  if (want('logs')) {
    const dir = mkdtempSync(join(tmpdir(), 'cdl-'));
    try {
      const r = await benchLogIngest({ lines: 500_000, dir });
      add(
        'log ingest (500k containerd lines, rotation on)',
        `${Math.round(r.linesPerSec).toLocaleString('en')} lines/s`,
        'target ≥ 50 000 lines/s',
        `${(r.linesPerSec / 50_000).toFixed(1)}× target`,
      );
      add(
        'log ingest peak RSS',
        `${r.peakRssMiB.toFixed(0)} MiB`,
        `baseline ${r.baselineRssMiB.toFixed(0)} MiB, ring ${r.ringSize} lines`,
      );
      add('log ingest longest timer delay', ms(r.maxLoopGapMs), '10 ms timer');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  // Sections that return ready-made rows, in the order the table shows them.
  const sections: Array<[string, () => Promise<Row[]>]> = [
    ['engine', async () => (await import('./engine')).benchEngineRows()],
    ['pm2', async () => (await import('./pm2')).benchKillRows()],
    ['health', async () => (await import('./health')).benchHealthRows()],
    ['cli', async () => (await import('./cli')).benchCliRows()],
    ['hosts', async () => (await import('./hosts')).benchHostsRows()],
    ['hosts-fleet', async () => (await import('./hosts-fleet')).benchHostsFleet()],
    ['log-flood', async () => (await import('./log-flood')).benchLogFlood()],
    ['greedy', async () => (await import('./greedy-clients')).benchGreedyClients()],
    ['containerd', async () => (await import('./containerd')).benchContainerdRows()],
    ['ui', async () => (await import('./ui')).benchUi()],
    ['ui-inside', async () => (await import('./ui-inside')).benchUiInside()],
    ['ui-hosts', async () => (await import('./ui-hosts')).benchUiHosts()],
    ['containers', async () => (await import('./containers')).benchContainersRows()],
  ];
  for (const [name, bench] of sections) {
    if (!want(name)) continue;
    process.stderr.write(`bench: ${name}…\n`);
    for (const r of await bench()) add(r.metric, r.ours, r.reference, r.ratio);
  }

  const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, containerd ${containerdVersion()}`;
  const table = [
    '| metric | ours | reference | ratio / note |',
    '| --- | --- | --- | --- |',
    ...rows.map((r) => `| ${r.metric} | ${r.ours} | ${r.reference} | ${r.ratio} |`),
  ].join('\n');
  process.stdout.write(`\n${table}\n\n${machine}\n`);
  if (only.length === 0) {
    const date = new Date().toISOString().slice(0, 10);
    const text = `# Benchmarks\n\nLatest \`npm run bench\`, ${date}, on ${machine}.\nAll figures come from one run; regenerate with \`npm run bench\`.\n\n${table}\n`;
    // Formatted like every other file, so `npm run lint` stays green after a bench run.
    const { format } = await import('prettier');
    writeFileSync(
      join(import.meta.dirname, '..', 'BENCHMARKS.md'),
      await format(text, { parser: 'markdown' }),
    );
  }
}

function containerdVersion(): string {
  const out = execFileSync('/usr/bin/containerd', ['--version']).toString();
  return out.split(' ')[2] ?? out.trim();
}

await main();
process.exit(0);
