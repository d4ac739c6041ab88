// A request naming a file on this machine that the app opens itself (cdesk save), in -n's
// namespace, and its answer printed (as JSON with --json).
import type { CommandPayload, CommandResults } from '../../common/contract';
import type { Parsed } from './args';
import { EXIT, reportFailure, withClient, type CliIo } from './common';
import { refuseRemoteFiles } from './connect-target';
import { namespaceFlag } from './inside-format';

type ArchiveCommand = 'image:load' | 'image:save';

/**
 * Refuse another host (the app there could not see our file), read -n, build the payload (it may
 * still refuse its arguments: all of this happens before connecting), then ask and print.
 */
export async function archiveRequest<C extends ArchiveCommand>(
  verb: 'load' | 'save',
  p: Parsed,
  io: CliIo,
  command: C,
  payload: (namespace: string) => CommandPayload<C>,
  text: (v: CommandResults[C]) => string,
): Promise<number> {
  refuseRemoteFiles(p.flags, io.env, verb);
  const request = payload(namespaceFlag(p.flags));
  return withClient(verb, p.flags, io, async (c) => {
    const r = await c.invoke(command, request);
    if (!r.ok) return reportFailure(verb, r.error, p.flags, io);
    io.out(p.flags.json ? `${JSON.stringify(r.value)}\n` : text(r.value));
    return EXIT.ok;
  });
}
