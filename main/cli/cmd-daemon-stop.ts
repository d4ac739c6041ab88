// `cdesk daemon stop`: stop containerd (SIGTERM, grace, SIGKILL) and cancel any pending respawn.
import { UsageError } from './args';
import { EXIT, parseCommand, processIo, type CliIo } from './common';
import { runAction } from './daemon-action';

const USAGE = `usage: cdesk daemon stop [--json]

Stop containerd and cancel any pending respawn. Exits 0 once it is stopped, 1 otherwise.
`;

export async function run(argv: string[], io: CliIo = processIo()): Promise<number> {
  const p = parseCommand(argv, {}, USAGE, io);
  if (!p) return EXIT.ok;
  if (p.positionals.length) throw new UsageError(`unexpected argument ${p.positionals[0]}`);
  return runAction('daemon stop', 'daemon:stop', 'stopped', p.flags, io);
}
