// `cdesk container VERB`: docker's container verbs (run, logs, start, stop, restart, rm, inspect) over the app.
import { UsageError } from './args';
import { EXIT, parseCommand, processIo, reportFailure, withClient, type CliIo } from './common';
import { logsCommand } from './container-logs';
import { runContainerCommand } from './container-run';
import { NAMESPACE_FLAG, NAMESPACE_HELP, namespaceFlag, onePositional } from './inside-format';
import { escapeJsonForTerminal } from './terminal-text';

const USAGE = `usage: cdesk container COMMAND …

commands:
  run       create a container from a local image and start it (-d: in the background)
  logs      print a container's output (-f to follow)
  start     start a stopped container again
  stop      stop a container (SIGTERM, grace, SIGKILL)
  restart   stop, then start a container
  rm        remove a stopped container (-f: stop it first)
  inspect   the container record, OCI spec, runtime options and task as JSON

Run \`cdesk container COMMAND --help\` for a command's options.
`;

const one = (
  verb: string,
  what: string,
) => `usage: cdesk container ${verb} CONTAINER [-n NS] [--json]

${what}
${NAMESPACE_HELP}`;

async function simple(
  verb: 'start' | 'stop' | 'restart' | 'rm' | 'inspect',
  argv: string[],
  io: CliIo,
): Promise<number> {
  const spec = {
    ...NAMESPACE_FLAG,
    ...(verb === 'rm' ? { force: { type: 'boolean' as const, short: 'f' } } : {}),
  };
  const help: Record<typeof verb, string> = {
    start: 'Start a stopped container: a new task on the same filesystem and log.',
    stop: "Stop a container's task: SIGTERM, the stopGraceMs setting's grace, then SIGKILL.",
    restart: 'Stop the container (if it runs), then start it again.',
    rm: 'Remove a stopped container, its filesystem and its log. -f, --force: stop it first.',
    inspect: 'Print the container record, its OCI spec, runtime options and task as JSON.',
  };
  const p = parseCommand(argv, spec, one(verb, help[verb]), io);
  if (!p) return EXIT.ok;
  const id = onePositional(p, 'CONTAINER (cdesk ps -a lists them)');
  const namespace = namespaceFlag(p.flags);
  const name = `container ${verb}`;
  return withClient(name, p.flags, io, async (c) => {
    if (verb === 'stop' || verb === 'restart' || (verb === 'rm' && p.flags.force)) {
      const s = await c.invoke('task:stop', { namespace, id });
      // Nothing to stop is fine for restart and rm -f.
      if (
        !s.ok &&
        !(verb !== 'stop' && s.error.code === 'not-found' && /has no task/.test(s.error.message))
      )
        return reportFailure(name, s.error, p.flags, io);
      if (verb === 'stop') {
        io.out(p.flags.json && s.ok ? `${JSON.stringify(s.value)}\n` : `${id}\n`);
        return EXIT.ok;
      }
    }
    if (verb === 'start' || verb === 'restart') {
      const r = await c.invoke('container:start', { namespace, id });
      if (!r.ok) return reportFailure(name, r.error, p.flags, io);
      io.out(p.flags.json ? `${JSON.stringify(r.value)}\n` : `${id}\n`);
      return EXIT.ok;
    }
    if (verb === 'rm') {
      const r = await c.invoke('container:delete', { namespace, id });
      if (!r.ok) return reportFailure(name, r.error, p.flags, io);
      io.out(p.flags.json ? `${JSON.stringify(r.value)}\n` : `${id}\n`);
      return EXIT.ok;
    }
    const r = await c.invoke('container:inspect', { namespace, id });
    if (!r.ok) return reportFailure(name, r.error, p.flags, io);
    const json = JSON.stringify(r.value, null, 2);
    io.out(`${process.stdout.isTTY ? escapeJsonForTerminal(json) : json}\n`);
    return EXIT.ok;
  });
}

export async function run(argv: string[], io: CliIo = processIo()): Promise<number> {
  const [verb, ...rest] = argv;
  switch (verb) {
    case 'run':
      return runContainerCommand(rest, io);
    case 'logs':
      return logsCommand(rest, io);
    case 'start':
    case 'stop':
    case 'restart':
    case 'rm':
    case 'inspect':
      return simple(verb, rest, io);
    case undefined:
    case '--help':
    case '-h':
    case 'help':
      io.out(USAGE);
      return verb ? EXIT.ok : EXIT.usage;
    default:
      throw new UsageError(
        `unknown container command "${verb}" (run, logs, start, stop, restart, rm, inspect)`,
      );
  }
}
