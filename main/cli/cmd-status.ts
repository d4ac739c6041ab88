// `cdesk status`: the daemon's state, pid, uptime, restarts, last exit, health and version.
import { formatStatus } from './format-status';
import { replyCommand } from './reply-command';

const USAGE = `usage: cdesk status [--json]

Show containerd's state as the running app sees it. Exits 0 whenever the app answered
(check the "state" field); 3 when no app is running.
`;

export const run = replyCommand({
  name: 'status',
  usage: USAGE,
  command: 'daemon:status',
  escape: false,
  text: (v) => formatStatus(v),
});
