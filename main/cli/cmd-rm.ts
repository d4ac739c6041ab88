// `cdesk rm ID`: delete a container and its stopped task (refused while the task runs).
import { EXIT, parseCommand, processIo, reportFailure, withClient, type CliIo } from './common';
import { NAMESPACE_FLAG, NAMESPACE_HELP, namespaceFlag, onePositional } from './inside-format';

const USAGE = `usage: cdesk rm ID [-n NS] [--json]

Delete container ID and its task once stopped. A running task is not stopped for you: stop it
first with \`cdesk stop-task ID\` (deleting it from under a running task would orphan the task).
${NAMESPACE_HELP}`;

export async function run(argv: string[], io: CliIo = processIo()): Promise<number> {
  const p = parseCommand(argv, NAMESPACE_FLAG, USAGE, io);
  if (!p) return EXIT.ok;
  const id = onePositional(p, 'container ID (cdesk ps -a lists them)');
  const namespace = namespaceFlag(p.flags);
  return withClient('rm', p.flags, io, async (c) => {
    const r = await c.invoke('container:delete', { namespace, id });
    if (!r.ok) return reportFailure('rm', r.error, p.flags, io);
    io.out(p.flags.json ? `${JSON.stringify(r.value)}\n` : `${id}\n`);
    return EXIT.ok;
  });
}
