// `cdesk logs CONTAINER`: a container's output, docker's way. Without a container it was
// containerd's own log, now `cdesk daemon logs`: that form exits 2 naming it.
import { processIo, type CliIo } from './common';
import { DAEMON_LOGS_SPEC } from './cmd-daemon-logs';
import { logsCommand } from './container-logs';
import { daemonMoved, isDaemonForm } from './moved';

export async function run(argv: string[], io: CliIo = processIo()): Promise<number> {
  if (isDaemonForm(argv, DAEMON_LOGS_SPEC))
    return daemonMoved('logs', io, "`cdesk logs CONTAINER` prints a container's output");
  return logsCommand(argv, io);
}
