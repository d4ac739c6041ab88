// docker's container verbs over the app: `cdesk start|stop|restart|kill|rm|inspect CONTAINER…`.
// Without a container, start/stop/restart are their old meaning (containerd's own controls, now
// under `cdesk daemon`): that form exits 2 naming the new command.
import { constants } from 'node:os';
import { TASK_SIGNALS, type TaskSignal } from '../../common/containerd';
import type { ContractError, Result } from '../../common/contract';
import { intFlag, UsageError, type FlagSpec, type Parsed } from './args';
import type { CommandModule } from './command';
import { EXIT, parseCommand, processIo, reportFailure, withClient, type CliIo } from './common';
import { NAMESPACE_FLAG, NAMESPACE_HELP, namespaceFlag } from './inside-format';
import { daemonMoved, isDaemonForm } from './moved';
import { escapeJsonForTerminal } from './terminal-text';
import type { ControlClient } from '../control-socket/control-client';

export type Verb = 'start' | 'stop' | 'restart' | 'kill' | 'rm' | 'inspect';

const HELP: Record<Verb, { args: string; text: string; flags: string }> = {
  start: {
    args: 'CONTAINER…',
    text: 'Start stopped containers: a new task on the same filesystem and log.',
    flags: '',
  },
  stop: {
    args: '[-t SECONDS] CONTAINER…',
    text: "Stop containers' tasks: SIGTERM, up to the grace, then SIGKILL. Prints each id.",
    flags:
      '  -t, --time SECONDS  the grace after SIGTERM (default: the stopGraceMs setting; at most 120)\n',
  },
  restart: {
    args: '[-t SECONDS] CONTAINER…',
    text: 'Stop containers (those that run), then start them again.',
    flags:
      '  -t, --time SECONDS  the grace after SIGTERM (default: the stopGraceMs setting; at most 120)\n',
  },
  kill: {
    args: '[-s SIGNAL] CONTAINER…',
    text: "Send a signal to containers' tasks (default SIGKILL) and return at once.",
    flags: `  -s, --signal SIG    ${TASK_SIGNALS.join(', ')} (the SIG may be left out, -s TERM, or the number given, -s 9)\n`,
  },
  rm: {
    args: '[-f] CONTAINER…',
    text: 'Remove stopped containers, their filesystems and logs. A running one is refused unless -f.',
    flags: '  -f, --force         stop it first (SIGTERM, grace, SIGKILL)\n',
  },
  inspect: {
    args: 'CONTAINER…',
    text: 'Print the container record, its OCI spec, runtime options and task as JSON (an array).',
    flags: '',
  },
};

const SPEC: Record<Verb, Record<string, FlagSpec>> = {
  start: NAMESPACE_FLAG,
  stop: { ...NAMESPACE_FLAG, time: { type: 'string', short: 't' } },
  restart: { ...NAMESPACE_FLAG, time: { type: 'string', short: 't' } },
  kill: { ...NAMESPACE_FLAG, signal: { type: 'string', short: 's' } },
  rm: { ...NAMESPACE_FLAG, force: { type: 'boolean', short: 'f' } },
  inspect: NAMESPACE_FLAG,
};

/** Each verb's old (daemon) options: argv that parses under these and names no container is the old form. */
const OLD_DAEMON_SPEC: Partial<Record<Verb, Record<string, FlagSpec>>> = {
  start: { wait: { type: 'boolean' }, timeout: { type: 'string' } },
  stop: {},
  restart: {},
};

const NEW_MEANING: Partial<Record<Verb, string>> = {
  start: '`cdesk start CONTAINER` starts a container',
  stop: '`cdesk stop CONTAINER` stops a container',
  restart: '`cdesk restart CONTAINER` restarts a container',
};

function usage(verb: Verb): string {
  const h = HELP[verb];
  return `usage: cdesk ${verb} ${h.args} [-n NS] [--json]\n\n${h.text}\n${h.flags}${NAMESPACE_HELP}`;
}

function signalFlag(p: Parsed): TaskSignal {
  const raw = p.flags.signal;
  if (typeof raw !== 'string') return 'SIGKILL';
  const s = raw.toUpperCase();
  // docker's -s 9 / -s 15: a number names the signal it is here.
  const byNumber = /^\d+$/.test(s)
    ? TASK_SIGNALS.find((n) => constants.signals[n] === Number(s))
    : undefined;
  const name = byNumber ?? ((s.startsWith('SIG') ? s : `SIG${s}`) as TaskSignal);
  if (!TASK_SIGNALS.includes(name))
    throw new UsageError(
      `--signal must be one of ${TASK_SIGNALS.join(', ')} or its number (got ${raw})`,
    );
  return name;
}

/** Stop one container; nothing to stop is fine (docker's stop of a stopped one prints its id too). */
async function stopOne(
  c: ControlClient,
  namespace: string,
  id: string,
  graceMs: number | undefined,
): Promise<{ ok: true; value: unknown } | { ok: false; error: ContractError }> {
  const s = await c.invoke('task:stop', {
    namespace,
    id,
    ...(graceMs !== undefined ? { graceMs } : {}),
  });
  if (s.ok) return { ok: true, value: s.value };
  if (s.error.code === 'not-found' && /has no task/.test(s.error.message))
    return { ok: true, value: { id, exitStatus: null, killed: false } };
  return { ok: false, error: s.error };
}

export async function runVerb(verb: Verb, argv: string[], io: CliIo): Promise<number> {
  const old = OLD_DAEMON_SPEC[verb];
  if (old && isDaemonForm(argv, old)) return daemonMoved(verb, io, NEW_MEANING[verb]!);
  const p = parseCommand(argv, SPEC[verb], usage(verb), io);
  if (!p) return EXIT.ok;
  if (p.positionals.length === 0)
    throw new UsageError('missing CONTAINER (cdesk ps -a lists them)');
  const namespace = namespaceFlag(p.flags);
  const seconds = intFlag(p.flags, 'time', 0, 120);
  const graceMs = seconds === undefined ? undefined : seconds * 1000;
  const signal = verb === 'kill' ? signalFlag(p) : undefined;
  const name = verb;
  return withClient(name, p.flags, io, async (c) => {
    /** The verb on one container: what to print for it (inspect: its record), or why it failed. */
    const actOn = async (id: string): Promise<Result<unknown>> => {
      if (verb === 'stop' || verb === 'restart' || (verb === 'rm' && p.flags.force)) {
        const s = await stopOne(c, namespace, id, graceMs);
        if (!s.ok || verb === 'stop') return s;
      }
      switch (verb) {
        case 'kill': {
          const r = await c.invoke('task:kill', { namespace, id, signal: signal! });
          return r.ok ? { ok: true, value: { id, signal } } : r;
        }
        case 'start':
        case 'restart':
          return c.invoke('container:start', { namespace, id });
        case 'rm':
          return c.invoke('container:delete', { namespace, id });
        case 'inspect':
          return c.invoke('container:inspect', { namespace, id });
      }
    };
    let code: number = EXIT.ok;
    const inspected: unknown[] = [];
    for (const id of p.positionals) {
      const r = await actOn(id);
      if (!r.ok) code = reportFailure(name, r.error, p.flags, io);
      else if (verb === 'inspect') inspected.push(r.value);
      else io.out(p.flags.json ? `${JSON.stringify(r.value)}\n` : `${id}\n`);
    }
    if (verb === 'inspect' && inspected.length) {
      const json = JSON.stringify(inspected, null, 2);
      io.out(`${process.stdout.isTTY ? escapeJsonForTerminal(json) : json}\n`);
    }
    return code;
  });
}

/** The command module `cdesk VERB` loads. */
export function verbCommand(verb: Verb): CommandModule & {
  run(argv: string[], io?: CliIo): Promise<number>;
} {
  return { run: (argv: string[], io: CliIo = processIo()) => runVerb(verb, argv, io) };
}
