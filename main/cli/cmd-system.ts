// `cdesk system df` and `cdesk system prune`: a namespace's disk use, and its clean-up.
import { createInterface } from 'node:readline/promises';
import { formatBytes } from '../../common/format-bytes';
import { UsageError } from './args';
import { EXIT, parseCommand, processIo, reportFailure, withClient, type CliIo } from './common';
import { NAMESPACE_FLAG, NAMESPACE_HELP, namespaceFlag, table } from './inside-format';
import { escapeForTerminal, stdoutIsTerminal } from './terminal-text';

const USAGE = `usage: cdesk system df [-n NS] [--json]
       cdesk system prune [--all] [--force] [-n NS] [--json]

df: the namespace's disk use — images (count, content bytes as ctr content ls lists them, unpacked
snapshot bytes), containers (writable layers) and what prune could free.
prune: delete stopped containers, then images no remaining container uses that are dangling
(named by digest only, docker's <none>) — with --all every unused image — then run containerd's
garbage collection. Without --force it lists what would go and asks (on a terminal only).
  -a, --all           remove every image no container uses, not only dangling ones
  -f, --force         do not ask
${NAMESPACE_HELP}`;

export interface SystemOptions {
  /** Whether stdin is a terminal (tests); default: process.stdin.isTTY. */
  stdinTty?: boolean;
  /** The answer; null when the user pressed Ctrl-C. */
  ask?: (question: string) => Promise<string | null>;
}

async function askTerminal(q: string): Promise<string | null> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return await rl.question(q);
  } catch (err) {
    // readline rejects on Ctrl-D (end of input: as docker, a no) and Ctrl-C (stop, exit 130).
    if ((err as Error).name !== 'AbortError') throw err;
    process.stderr.write('\n');
    return /Ctrl\+C/.test((err as Error).message) ? null : '';
  } finally {
    rl.close();
  }
}

export async function run(
  argv: string[],
  io: CliIo = processIo(),
  opts: SystemOptions = {},
): Promise<number> {
  const p = parseCommand(
    argv,
    {
      ...NAMESPACE_FLAG,
      all: { type: 'boolean', short: 'a' },
      force: { type: 'boolean', short: 'f' },
    },
    USAGE,
    io,
  );
  if (!p) return EXIT.ok;
  const [sub, ...rest] = p.positionals;
  if (rest.length) throw new UsageError(`unexpected argument ${rest[0]}`);
  const namespace = namespaceFlag(p.flags);
  const tty = stdoutIsTerminal();
  const esc = (s: string) => (tty ? escapeForTerminal(s) : s);
  if (sub === 'df')
    return withClient('system df', p.flags, io, async (c) => {
      const r = await c.invoke('system:df', { namespace });
      if (!r.ok) return reportFailure('system df', r.error, p.flags, io);
      const v = r.value;
      if (p.flags.json) io.out(`${JSON.stringify(v)}\n`);
      else
        io.out(
          table(
            ['TYPE', 'TOTAL', 'ACTIVE', 'SIZE', 'UNPACKED', 'RECLAIMABLE'],
            [
              [
                'Images',
                String(v.images.count),
                String(v.images.count - v.images.unused),
                formatBytes(v.images.contentBytes),
                formatBytes(v.images.unpackedBytes),
                formatBytes(v.images.reclaimableBytes),
              ],
              [
                'Containers',
                String(v.containers.count),
                String(v.containers.running),
                formatBytes(v.containers.bytes),
                '-',
                formatBytes(v.containers.reclaimableBytes),
              ],
            ],
          ),
        );
      return EXIT.ok;
    });
  if (sub !== 'prune')
    throw new UsageError(
      sub ? `unknown subcommand ${sub}; use df or prune` : 'missing subcommand: df or prune',
    );
  const all = p.flags.all === true;
  const force = p.flags.force === true;
  const stdinTty = opts.stdinTty ?? process.stdin.isTTY === true;
  if (!force && !stdinTty)
    throw new UsageError(
      'system prune asks before deleting, and stdin is not a terminal: add --force to prune without asking',
    );
  return withClient('system prune', p.flags, io, async (c) => {
    if (!force) {
      const d = await c.invoke('system:prune', { namespace, all, dryRun: true });
      if (!d.ok) return reportFailure('system prune', d.error, p.flags, io);
      const v = d.value;
      if (!v.containers.length && !v.images.length) {
        io.err('Nothing to remove (garbage collection runs anyway).\n');
      } else {
        io.err(`This removes from namespace ${namespace}:\n`);
        for (const id of v.containers) io.err(`  container ${esc(id)}\n`);
        for (const n of v.images) io.err(`  image ${esc(n)}\n`);
        io.err(`and frees about ${formatBytes(v.bytes)}.\n`);
      }
      const answer = await (opts.ask ?? askTerminal)('Continue? [y/N] ');
      if (answer === null) return EXIT.interrupted;
      if (!/^y(es)?$/i.test(answer.trim())) {
        io.err('Nothing removed.\n');
        return EXIT.ok;
      }
    }
    const r = await c.invoke('system:prune', { namespace, all });
    if (!r.ok) return reportFailure('system prune', r.error, p.flags, io);
    const v = r.value;
    if (p.flags.json) io.out(`${JSON.stringify(v)}\n`);
    else {
      for (const id of v.containers) io.out(`Deleted container: ${esc(id)}\n`);
      for (const n of v.images) io.out(`Deleted image: ${esc(n)}\n`);
      io.out(`Total reclaimed space: ${formatBytes(v.bytes)}\n`);
    }
    return EXIT.ok;
  });
}
