// `cdesk run IMAGE`: create a container from a local image and start it, docker's way. Without an
// image it was the foreground supervisor, now `cdesk daemon run`: that form exits 2 naming it.
import { UsageError } from './args';
import { processIo, type CliIo } from './common';
import { runContainerCommand } from './container-run';
import { daemonMoved, isDaemonForm } from './moved';
import { splitRunArgs } from './run-flags';

export async function run(argv: string[], io: CliIo = processIo()): Promise<number> {
  // A command line that names an IMAGE runs a container. Only one naming none may be the old form,
  // and only then are its options (from the settings table) loaded to check.
  if (!namesImage(argv)) {
    const { DAEMON_RUN_SPEC } = await import('./setting-flag-spec');
    if (isDaemonForm(argv, DAEMON_RUN_SPEC))
      return daemonMoved('run', io, '`cdesk run IMAGE` runs a container');
  }
  return runContainerCommand(argv, io);
}

function namesImage(argv: string[]): boolean {
  try {
    return splitRunArgs(argv).image !== null;
  } catch (err) {
    if (err instanceof UsageError) return false;
    throw err;
  }
}
