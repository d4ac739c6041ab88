// `cdesk ps`: containers of a namespace joined with their tasks (running ones, or all with -a).
import { isLiveTask } from '../../common/containerd';
import type { CommandResults } from '../../common/contract';
import { EXIT, parseCommand, printReply, processIo, type CliIo } from './common';
import {
  formatContainers,
  NAMESPACE_FLAG,
  NAMESPACE_HELP,
  namespaceFlag,
  namespaceOn,
  type InsideOutputOptions,
} from './inside-format';
import { escapeForTerminal, stdoutIsTerminal } from './terminal-text';

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
    { positionals: 0 },
  );
  if (!p) return EXIT.ok;
  // Checked before connecting (a bad -n is a usage error); the host may prefer another default.
  namespaceFlag(p.flags);
  const shown = (v: CommandResults['containers:list']) =>
    p.flags.all ? v.containers : v.containers.filter((x) => isLiveTask(x.task?.status));
  return printReply(
    'ps',
    p,
    io,
    tty,
    async (c) => ({
      command: 'containers:list',
      payload: { namespace: await namespaceOn(p.flags, c) },
    }),
    {
      json: (v) => ({ namespace: v.namespace, containers: shown(v) }),
      text: async (v, client) => {
        const namespace = v.namespace;
        const rows = shown(v);
        if (rows.length) return formatContainers(rows);
        if (v.containers.length)
          return `No running containers in namespace ${namespace} (${v.containers.length} stopped or created: cdesk ps -a).\n`;
        // Nothing here: a missing or wrong -n is the usual reason, so say where containers are.
        const ns = await client.invoke('namespaces:list', {});
        const elsewhere = ns.ok ? ns.value.namespaces.filter((n) => n.containers > 0) : [];
        if (elsewhere.length) {
          const list = elsewhere.map((n) => `${n.name} (${n.containers})`).join(', ');
          const first = tty ? escapeForTerminal(elsewhere[0]!.name) : elsewhere[0]!.name;
          return `No containers in namespace ${namespace}; other namespaces have some: ${tty ? escapeForTerminal(list) : list}. Pass -n ${first}.\n`;
        }
        return `No containers in namespace ${namespace}. Run one with: ctr -n ${namespace} run -d IMAGE ID (see cdesk env).\n`;
      },
    },
  );
}
