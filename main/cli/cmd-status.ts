// `cdesk status`: the daemon's state, pid, uptime, restarts, last exit, health and version.
import { EXIT, parseCommand, processIo, reportFailure, withClient, type CliIo } from './common';
import { formatStatus } from './format-status';

const USAGE = `usage: cdesk status [--json]

Show containerd's state as the running app sees it. Exits 0 whenever the app answered
(check the "state" field); 3 when no app is running.
`;

export async function run(argv: string[], io: CliIo = processIo()): Promise<number> {
  const p = parseCommand(argv, {}, USAGE, io, { positionals: 0 });
  if (!p) return EXIT.ok;
  return withClient('status', p.flags, io, async (c) => {
    const r = await c.invoke('daemon:status', {});
    if (!r.ok) return reportFailure('status', r.error, p.flags, io);
    io.out(p.flags.json ? `${JSON.stringify(r.value, null, 2)}\n` : formatStatus(r.value));
    return EXIT.ok;
  });
}
