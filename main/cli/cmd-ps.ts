// `cdesk ps`: containers of a namespace joined with their tasks (running ones, or all with -a).
import { isLiveTask } from '../../common/containerd';
import type { CommandResults } from '../../common/contract';
import type { Parsed } from './args';
import { formatContainers, NAMESPACE_HELP } from './inside-format';
import { replyCommand } from './reply-command';
import { escapeForTerminal } from './terminal-text';

const USAGE = `usage: cdesk ps [-n NS] [-a] [--json]

List containers in a namespace with their task's status and pid, read from containerd's API by
the running app. Without -a, only containers whose task runs (or is paused / not responding).
${NAMESPACE_HELP}  -a, --all           every container, also stopped ones and those without a task
`;

const shown = (v: CommandResults['containers:list'], flags: Parsed['flags']) =>
  flags.all ? v.containers : v.containers.filter((x) => isLiveTask(x.task?.status));

export const run = replyCommand({
  name: 'ps',
  usage: USAGE,
  command: 'containers:list',
  payload: (namespace) => ({ namespace }),
  flags: { all: { type: 'boolean', short: 'a' } },
  json: (v, flags) => ({ namespace: v.namespace, containers: shown(v, flags) }),
  text: async (v, { client, flags, tty }) => {
    const namespace = v.namespace;
    const rows = shown(v, flags);
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
    const n =
      namespace === 'default' ? '' : ` -n ${tty ? escapeForTerminal(namespace) : namespace}`;
    return `No containers in namespace ${namespace}. Run one with: cdesk run -d${n} IMAGE (cdesk images lists them).\n`;
  },
});
