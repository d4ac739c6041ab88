// `cdesk plugins`: containerd's plugins with their status, the problems that matter listed first.
import { formatContainerdVersion } from '../../common/containerd';
import { formatPlugins, formatProblems } from './inside-format';
import { replyCommand } from './reply-command';

const USAGE = `usage: cdesk plugins [--json]

Show the problems that matter (a failed default snapshotter, task runtime or store; CRI without a
CNI network…) with a hint each, then every plugin: type, id, ok / skip / error and its init error.
Skipped snapshotters and an unconfigured devmapper are normal and not problems.
`;

export const run = replyCommand({
  name: 'plugins',
  usage: USAGE,
  command: 'plugins:list',
  text: (v) => {
    const version = v.version ? `containerd ${formatContainerdVersion(v.version)}\n` : '';
    return `${version}${formatProblems(v.problems)}\n${formatPlugins(v.plugins)}`;
  },
});
