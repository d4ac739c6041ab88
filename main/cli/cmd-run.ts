// `cdesk run IMAGE`: create a container from a local image and start it, docker's way. Without an
// image it was the foreground supervisor, now `cdesk daemon run`: that form exits 2 naming it.
import { processIo, type CliIo } from './common';
import { runContainerCommand } from './container-run';
import { daemonMoved, isDaemonForm } from './moved';
import { DAEMON_RUN_SPEC } from './settings-flags';

export async function run(argv: string[], io: CliIo = processIo()): Promise<number> {
  if (isDaemonForm(argv, DAEMON_RUN_SPEC))
    return daemonMoved('run', io, '`cdesk run IMAGE` runs a container');
  return runContainerCommand(argv, io);
}
