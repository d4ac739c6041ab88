// `cdesk plugins`: containerd's plugins with their status, the problems that matter listed first.
import { formatContainerdVersion } from '../../common/containerd';
import { EXIT, parseCommand, printReply, processIo, type CliIo } from './common';
import { formatPlugins, formatProblems, type InsideOutputOptions } from './inside-format';
import { stdoutIsTerminal } from './terminal-text';

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
  const p = parseCommand(argv, {}, USAGE, io, { positionals: 0 });
  if (!p) return EXIT.ok;
  return printReply(
    'plugins',
    p,
    io,
    tty,
    { command: 'plugins:list', payload: {} },
    {
      text: (v) => {
        const version = v.version ? `containerd ${formatContainerdVersion(v.version)}\n` : '';
        return `${version}${formatProblems(v.problems)}\n${formatPlugins(v.plugins)}`;
      },
    },
  );
}
