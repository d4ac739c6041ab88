// Runs one daemon action (start/stop/restart) and reports the resulting state; shared by those commands.
import type { CommandName } from '../../common/contract';
import type { DaemonState, DaemonStatus } from '../../common/states';
import type { Parsed } from './args';
import { EXIT, reportFailure, withClient, type CliIo } from './common';
import { formatStatus, statusLine } from './format-status';

export type DaemonAction = Extract<CommandName, 'daemon:start' | 'daemon:stop' | 'daemon:restart'>;

/** Print the status (human or JSON) and map it to an exit code: `want` → 0, anything else → 1. */
export function reportStatus(
  s: DaemonStatus,
  want: DaemonState,
  flags: Parsed['flags'],
  io: CliIo,
): number {
  if (flags.json) io.out(`${JSON.stringify(s, null, 2)}\n`);
  else if (s.state !== want) io.out(formatStatus(s));
  else io.out(`${statusLine(s)}\n${s.notice ? `note: ${s.notice}\n` : ''}`);
  return s.state === want ? EXIT.ok : EXIT.failed;
}

export function runAction(
  name: string,
  cmd: DaemonAction,
  want: DaemonState,
  flags: Parsed['flags'],
  io: CliIo,
): Promise<number> {
  return withClient(name, flags, io, async (c) => {
    const r = await c.invoke(cmd, {});
    if (!r.ok) return reportFailure(name, r.error, flags, io);
    return reportStatus(r.value, want, flags, io);
  });
}
