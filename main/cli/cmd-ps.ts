// `cdesk ps`: containers of a namespace joined with their tasks (running ones, or all with -a).
import { isLiveTask } from '../../common/containerd';
import { UsageError } from './args';
import { EXIT, parseCommand, processIo, reportFailure, withClient, type CliIo } from './common';
import {
  formatContainers,
  NAMESPACE_FLAG,
  NAMESPACE_HELP,
  namespaceFlag,
  type InsideOutputOptions,
} from './inside-format';
import { escapeJsonForTerminal, escapeStringsForTerminal, stdoutIsTerminal } from './terminal-text';

const USAGE = `usage: cdesk ps [-n NS] [-a] [--json]

List containers in a namespace with their task's status and pid, read from containerd's API by
the running app. Without -a, only containers whose task runs (or is paused / not responding).
${NAMESPACE_HELP}  -a, --all           every container, also stopped ones and those without a task
`;

export async function run(
  argv: string[],
  io: CliIo = processIo(),
  opts: InsideOutputOptions = {},
): Promise<number> {
  const tty = stdoutIsTerminal(opts.tty);
  const p = parseCommand(
    argv,
    { ...NAMESPACE_FLAG, all: { type: 'boolean', short: 'a' } },
    USAGE,
    io,
  );
  if (!p) return EXIT.ok;
  if (p.positionals.length) throw new UsageError(`unexpected argument ${p.positionals[0]}`);
  const namespace = namespaceFlag(p.flags);
  return withClient('ps', p.flags, io, async (c) => {
    const r = await c.invoke('containers:list', { namespace });
    if (!r.ok) return reportFailure('ps', r.error, p.flags, io);
    const shown = p.flags.all
      ? r.value.containers
      : r.value.containers.filter((x) => isLiveTask(x.task?.status));
    if (p.flags.json) {
      const json = JSON.stringify({ namespace, containers: shown }, null, 2);
      io.out(`${tty ? escapeJsonForTerminal(json) : json}\n`);
    } else if (!shown.length)
      io.out(
        r.value.containers.length
          ? `No running containers in namespace ${namespace} (${r.value.containers.length} stopped or created: cdesk ps -a).\n`
          : `No containers in namespace ${namespace}. Run one with: ctr -n ${namespace} run -d IMAGE ID (see cdesk env).\n`,
      );
    else io.out(formatContainers(tty ? escapeStringsForTerminal(shown) : shown));
    return EXIT.ok;
  });
}
