// `cdesk plugins`: containerd's plugins with their status, the problems that matter listed first.
import { UsageError } from './args';
import { EXIT, parseCommand, processIo, reportFailure, withClient, type CliIo } from './common';
import { formatPlugins, formatProblems, type InsideOutputOptions } from './inside-format';
import { escapeJsonForTerminal, escapeStringsForTerminal, stdoutIsTerminal } from './terminal-text';

const USAGE = `usage: cdesk plugins [--json]

Show the problems that matter (a failed default snapshotter, task runtime or store; CRI without a
CNI network…) with a hint each, then every plugin: type, id, ok / skip / error and its init error.
Skipped snapshotters and an unconfigured devmapper are normal and not problems.
`;

export async function run(
  argv: string[],
  io: CliIo = processIo(),
  opts: InsideOutputOptions = {},
): Promise<number> {
  const tty = stdoutIsTerminal(opts.tty);
  const p = parseCommand(argv, {}, USAGE, io);
  if (!p) return EXIT.ok;
  if (p.positionals.length) throw new UsageError(`unexpected argument ${p.positionals[0]}`);
  return withClient('plugins', p.flags, io, async (c) => {
    const r = await c.invoke('plugins:list', {});
    if (!r.ok) return reportFailure('plugins', r.error, p.flags, io);
    if (p.flags.json) {
      const json = JSON.stringify(r.value, null, 2);
      io.out(`${tty ? escapeJsonForTerminal(json) : json}\n`);
      return EXIT.ok;
    }
    const v = tty ? escapeStringsForTerminal(r.value) : r.value;
    const version = v.version ? `containerd ${v.version.version} (${v.version.revision})\n` : '';
    io.out(`${version}${formatProblems(v.problems)}\n${formatPlugins(v.plugins)}`);
    return EXIT.ok;
  });
}
