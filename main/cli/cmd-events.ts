// `cdesk events`: containerd's events as they happen (like `ctr events`), until Ctrl-C.
import type { ContainerdEvent } from '../../common/containerd';
import { UsageError } from './args';
import { EXIT, parseCommand, processIo, withClient, type CliIo } from './common';
import {
  formatEvent,
  NAMESPACE_FLAG,
  namespaceFlag,
  type InsideOutputOptions,
} from './inside-format';
import {
  escapeForTerminal,
  escapeJsonForTerminal,
  escapeStringsForTerminal,
  stdoutIsTerminal,
} from './terminal-text';

const USAGE = `usage: cdesk events [-n NS | --all-namespaces] [--json]

Follow containerd's events (containers, tasks, images, snapshots…) until Ctrl-C: one line each with
time, namespace, topic and the ids involved. The app re-subscribes after every containerd restart.
  -n, --namespace NS     only events of this namespace (default: default)
  -A, --all-namespaces   events of every namespace
  --json                 one JSON object per line (at, namespace, topic, type, containerId, pid…)
`;

export async function run(
  argv: string[],
  io: CliIo = processIo(),
  opts: InsideOutputOptions = {},
): Promise<number> {
  const p = parseCommand(
    argv,
    { ...NAMESPACE_FLAG, 'all-namespaces': { type: 'boolean', short: 'A' } },
    USAGE,
    io,
  );
  if (!p) return EXIT.ok;
  if (p.positionals.length) throw new UsageError(`unexpected argument ${p.positionals[0]}`);
  if (p.flags['all-namespaces'] && p.flags.namespace !== undefined)
    throw new UsageError('use either --namespace or --all-namespaces');
  const namespace = p.flags['all-namespaces'] ? null : namespaceFlag(p.flags);
  const tty = stdoutIsTerminal(opts.tty);
  const line = (e: ContainerdEvent) => {
    if (!p.flags.json) return formatEvent(tty ? escapeStringsForTerminal(e) : e);
    const json = JSON.stringify(e);
    return `${tty ? escapeJsonForTerminal(json) : json}\n`;
  };
  const print = (events: ContainerdEvent[]) => {
    const mine = namespace === null ? events : events.filter((e) => e.namespace === namespace);
    if (mine.length) io.out(mine.map(line).join(''));
  };
  return withClient(
    'events',
    p.flags,
    io,
    async (c) => {
      const off = await c.events((e) => {
        if (e.event === 'containerd:events') print(e.payload.events);
        else if (
          e.event === 'inside:status' &&
          !p.flags.json &&
          e.payload.inside.state !== 'connected'
        )
          io.err(
            `cdesk events: ${escapeForTerminal(e.payload.inside.message ?? 'containerd unreachable')}; waiting for it to come back\n`,
          );
      });
      try {
        return await new Promise<number>((resolve) => {
          if (io.signal.aborted) return resolve(EXIT.ok);
          io.signal.addEventListener('abort', () => resolve(EXIT.ok), { once: true });
          c.onClose((err) => {
            io.err(`cdesk events: ${err.message}\n  hint: ${err.hint}\n`);
            resolve(EXIT.failed);
          });
        });
      } finally {
        off();
      }
    },
    true,
  );
}
