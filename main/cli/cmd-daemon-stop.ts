// `cdesk daemon stop`: stop containerd (SIGTERM, grace, SIGKILL) and cancel any pending respawn.
import { EXIT, parseCommand, processIo, type CliIo } from './common';
import { runAction } from './daemon-action';

const USAGE = `usage: cdesk daemon stop [--json]

Stop containerd and cancel any pending respawn. Exits 0 once it is stopped, 1 otherwise.
`;

export async function run(argv: string[], io: CliIo = processIo()): Promise<number> {
  const p = parseCommand(argv, {}, USAGE, io, { positionals: 0 });
  if (!p) return EXIT.ok;
  return runAction('daemon stop', 'daemon:stop', 'stopped', p.flags, io);
}
