// `cdesk stats`: running containers' CPU, memory, block I/O and pids, as `docker stats` shows them.
import { cpuPercent, type TaskStats } from '../../common/containerd';
import type { CommandResults } from '../../common/contract';
import { formatBytes } from '../../common/format-bytes';
import type { ControlClient } from '../control-socket/control-client';
import { EXIT, parseCommand, processIo, reportFailure, withClient, type CliIo } from './common';
import { NAMESPACE_FLAG, NAMESPACE_HELP, namespaceFlag, namespaceOn, table } from './inside-format';
import { escapeForTerminal, escapeJsonForTerminal, stdoutIsTerminal } from './terminal-text';

const USAGE = `usage: cdesk stats [-n NS] [--no-stream] [--json] [CONTAINER…]

Live resource use of running containers (all in the namespace, or the ones named), refreshed every
second until Ctrl-C: CPU % (100 % is one core), memory in use without the inactive page cache and
its limit (the machine's memory when the container has none), block I/O read / written, pids.
${NAMESPACE_HELP}  --no-stream         one reading (two samples a second apart, for CPU %), then exit
  --json              one JSON object per container and reading, a line each
`;

/** Samples a second apart, as docker refreshes. */
const INTERVAL_MS = 1000;

/** One row's figures, as printed and as --json gives them. */
export interface StatsRow {
  id: string;
  /** null until a second sample exists. */
  cpuPercent: number | null;
  memUsage: number;
  memLimit: number;
  memPercent: number;
  blockRead: number;
  blockWrite: number;
  pids: number | null;
}

export function statsRows(
  prev: ReadonlyMap<string, TaskStats>,
  r: CommandResults['tasks:stats'],
): StatsRow[] {
  return [...r.stats]
    .sort((a, b) => a.id.localeCompare(b.id))
    .map((s) => {
      const limit = s.memory.limit ?? r.hostMemory;
      return {
        id: s.id,
        cpuPercent: cpuPercent(prev.get(s.id), s),
        memUsage: s.memory.workingSet,
        memLimit: limit,
        memPercent: limit > 0 ? (s.memory.workingSet / limit) * 100 : 0,
        blockRead: s.blockIo.read,
        blockWrite: s.blockIo.write,
        pids: s.pids,
      };
    });
}

const pct = (n: number | null) => (n === null ? '--' : `${n.toFixed(2)}%`);

export function formatStats(rows: StatsRow[]): string {
  return table(
    ['CONTAINER', 'CPU %', 'MEM USAGE / LIMIT', 'MEM %', 'BLOCK I/O', 'PIDS'],
    rows.map((r) => [
      r.id,
      pct(r.cpuPercent),
      `${formatBytes(r.memUsage)} / ${formatBytes(r.memLimit)}`,
      pct(r.memPercent),
      `${formatBytes(r.blockRead)} / ${formatBytes(r.blockWrite)}`,
      r.pids === null ? '--' : String(r.pids),
    ]),
  );
}

export async function run(argv: string[], io: CliIo = processIo()): Promise<number> {
  const p = parseCommand(argv, { ...NAMESPACE_FLAG, 'no-stream': { type: 'boolean' } }, USAGE, io);
  if (!p) return EXIT.ok;
  namespaceFlag(p.flags);
  const named = p.positionals;
  const tty = stdoutIsTerminal();
  const json = p.flags.json === true;
  const once = p.flags['no-stream'] === true;
  return withClient(
    'stats',
    p.flags,
    io,
    async (c) =>
      sample(c, { namespace: await namespaceOn(p.flags, c), named, tty, json, once }, p.flags, io),
    true,
  );
}

async function sample(
  c: ControlClient,
  o: { namespace: string; named: string[]; tty: boolean; json: boolean; once: boolean },
  flags: Parameters<typeof reportFailure>[2],
  io: CliIo,
): Promise<number> {
  const prev = new Map<string, TaskStats>();
  const payload = o.named.length
    ? { namespace: o.namespace, ids: o.named }
    : { namespace: o.namespace };
  for (let round = 0; ; round++) {
    const r = await c.invoke('tasks:stats', payload);
    if (!r.ok) return reportFailure('stats', r.error, flags, io);
    const rows = statsRows(prev, r.value);
    prev.clear();
    for (const s of r.value.stats) prev.set(s.id, s);
    // The first sample has no CPU %: printed only when it is all there will be (Ctrl-C at once).
    if (round > 0 || !o.once) print(rows, o, io);
    if (round > 0 && o.once) {
      const missing = o.named.filter((id) => !prev.has(id));
      for (const id of missing)
        io.err(
          `cdesk stats: ${o.tty ? escapeForTerminal(id) : id} has no running task in namespace ${o.namespace} (cdesk ps -a -n ${o.namespace} lists its containers)\n`,
        );
      return missing.length ? EXIT.failed : EXIT.ok;
    }
    const stopped = await new Promise<boolean>((resolve) => {
      if (io.signal.aborted) return resolve(true);
      const t = setTimeout(() => resolve(false), INTERVAL_MS);
      io.signal.addEventListener(
        'abort',
        () => {
          clearTimeout(t);
          resolve(true);
        },
        { once: true },
      );
    });
    if (stopped) return EXIT.ok;
  }
}

function print(rows: StatsRow[], o: { tty: boolean; json: boolean; once: boolean }, io: CliIo) {
  if (o.json) {
    for (const r of rows) {
      const line = JSON.stringify(r);
      io.out(`${o.tty ? escapeJsonForTerminal(line) : line}\n`);
    }
    return;
  }
  const text = formatStats(rows.map((r) => (o.tty ? { ...r, id: escapeForTerminal(r.id) } : r)));
  // Streaming on a terminal redraws in place, as docker does; piped, readings follow each other.
  io.out(o.tty && !o.once ? `\x1b[2J\x1b[H${text}` : text);
}
