// `cdesk stop-task ID`: stop a container's task (SIGTERM, grace, SIGKILL), or send one signal with --signal.
import { TASK_SIGNALS, type TaskSignal } from '../../common/containerd';
import { durationFlag, UsageError } from './args';
import { EXIT, parseCommand, processIo, reportFailure, withClient, type CliIo } from './common';
import { NAMESPACE_FLAG, NAMESPACE_HELP, namespaceFlag, onePositional } from './inside-format';

const USAGE = `usage: cdesk stop-task ID [-n NS] [--grace DURATION] [--signal SIG] [--json]

Stop the task of container ID: SIGTERM, up to --grace for it to exit, then SIGKILL.
Prints the exit status. With --signal, send that one signal and return at once.
${NAMESPACE_HELP}  --grace D           wait after SIGTERM: 10s, 500ms, 2m (a bare number is seconds; at most 2m;
                      default: the stopGraceMs setting)
  --signal SIG        only send SIG (${TASK_SIGNALS.join(', ')})
`;

export async function run(argv: string[], io: CliIo = processIo()): Promise<number> {
  const p = parseCommand(
    argv,
    { ...NAMESPACE_FLAG, grace: { type: 'string' }, signal: { type: 'string' } },
    USAGE,
    io,
  );
  if (!p) return EXIT.ok;
  const id = onePositional(p, 'container ID (cdesk ps lists them)');
  const namespace = namespaceFlag(p.flags);
  const graceMs = durationFlag(p.flags, 'grace', 's', 0, 120_000);
  let signal: TaskSignal | undefined;
  if (typeof p.flags.signal === 'string') {
    const s = p.flags.signal.toUpperCase();
    const name = (s.startsWith('SIG') ? s : `SIG${s}`) as TaskSignal;
    if (!TASK_SIGNALS.includes(name))
      throw new UsageError(
        `--signal must be one of ${TASK_SIGNALS.join(', ')} (got ${p.flags.signal})`,
      );
    if (graceMs !== undefined) throw new UsageError('--grace applies to a stop, not to --signal');
    signal = name;
  }
  return withClient('stop-task', p.flags, io, async (c) => {
    if (signal) {
      const r = await c.invoke('task:kill', { namespace, id, signal });
      if (!r.ok) return reportFailure('stop-task', r.error, p.flags, io);
      io.out(p.flags.json ? `${JSON.stringify({ id, signal })}\n` : `sent ${signal} to ${id}\n`);
      return EXIT.ok;
    }
    const r = await c.invoke('task:stop', {
      namespace,
      id,
      ...(graceMs !== undefined ? { graceMs } : {}),
    });
    if (!r.ok) return reportFailure('stop-task', r.error, p.flags, io);
    const v = r.value;
    io.out(
      p.flags.json
        ? `${JSON.stringify(v)}\n`
        : `${id} stopped (exit status ${v.exitStatus ?? '?'}${v.killed ? ', killed with SIGKILL after the grace period' : ''})\n`,
    );
    return EXIT.ok;
  });
}
