// `cdesk plugins`: containerd's plugins with their status, the problems that matter listed first.
import { UsageError } from './args';
import { EXIT, parseCommand, processIo, reportFailure, withClient, type CliIo } from './common';
import { formatPlugins, formatProblems } from './inside-format';

const USAGE = `usage: cdesk plugins [--json]

Show the problems that matter (a failed default snapshotter, task runtime or store; CRI without a
CNI network…) with a hint each, then every plugin: type, id, ok / skip / error and its init error.
Skipped snapshotters and an unconfigured devmapper are normal and not problems.
`;

export async function run(argv: string[], io: CliIo = processIo()): Promise<number> {
  const p = parseCommand(argv, {}, USAGE, io);
  if (!p) return EXIT.ok;
  if (p.positionals.length) throw new UsageError(`unexpected argument ${p.positionals[0]}`);
  return withClient('plugins', p.flags, io, async (c) => {
    const r = await c.invoke('plugins:list', {});
    if (!r.ok) return reportFailure('plugins', r.error, p.flags, io);
    const v = r.value;
    if (p.flags.json) {
      io.out(`${JSON.stringify(v, null, 2)}\n`);
      return EXIT.ok;
    }
    const version = v.version ? `containerd ${v.version.version} (${v.version.revision})\n` : '';
    io.out(`${version}${formatProblems(v.problems)}\n${formatPlugins(v.plugins)}`);
    return EXIT.ok;
  });
}
