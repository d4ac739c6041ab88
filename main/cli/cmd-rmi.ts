// `cdesk rmi NAME`: remove an image reference (refused while a container uses it).
import { EXIT, parseCommand, processIo, reportFailure, withClient, type CliIo } from './common';
import { NAMESPACE_FLAG, NAMESPACE_HELP, namespaceFlag, onePositional } from './inside-format';

const USAGE = `usage: cdesk rmi NAME [-n NS] [--json]

Remove the image NAME (its full reference, as cdesk images shows it). Refused while a container
in the namespace uses it: delete those first (cdesk rm ID). containerd's garbage collector then
frees the content no other image shares.
${NAMESPACE_HELP}`;

export async function run(argv: string[], io: CliIo = processIo()): Promise<number> {
  const p = parseCommand(argv, NAMESPACE_FLAG, USAGE, io);
  if (!p) return EXIT.ok;
  const name = onePositional(p, 'image NAME (cdesk images lists them)');
  const namespace = namespaceFlag(p.flags);
  return withClient('rmi', p.flags, io, async (c) => {
    const r = await c.invoke('image:delete', { namespace, name });
    if (!r.ok) return reportFailure('rmi', r.error, p.flags, io);
    io.out(p.flags.json ? `${JSON.stringify(r.value)}\n` : `${name}\n`);
    return EXIT.ok;
  });
}
