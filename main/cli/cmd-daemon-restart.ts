// `cdesk daemon restart`: stop and start containerd again.
import { EXIT, parseCommand, processIo, type CliIo } from './common';
import { runAction } from './daemon-action';

const USAGE = `usage: cdesk daemon restart [--json]

Restart containerd. Exits 0 once it is running again, 1 if it did not come back.
`;

export async function run(argv: string[], io: CliIo = processIo()): Promise<number> {
  const p = parseCommand(argv, {}, USAGE, io, { positionals: 0 });
  if (!p) return EXIT.ok;
  return runAction('daemon restart', 'daemon:restart', 'running', p.flags, io);
}
