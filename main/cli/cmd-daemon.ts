// `cdesk daemon VERB`: containerd itself (the supervisor, its log, its config), apart from the
// container verbs that are docker's top level.
import { UsageError } from './args';
import { runCommand, type CommandModule } from './command';
import { EXIT, processIo, type CliIo } from './common';

type Sub = { summary: string; load: () => Promise<CommandModule> };

export const DAEMON_COMMANDS: Record<string, Sub> = {
  run: {
    summary: 'run the supervisor in the foreground (no app needed)',
    load: () => import('./cmd-daemon-run'),
  },
  start: {
    summary: 'start containerd (--wait: until running or failed)',
    load: () => import('./cmd-daemon-start'),
  },
  stop: { summary: 'stop containerd', load: () => import('./cmd-daemon-stop') },
  restart: { summary: 'restart containerd', load: () => import('./cmd-daemon-restart') },
  logs: {
    summary: "print containerd's log (-f to follow)",
    load: () => import('./cmd-daemon-logs'),
  },
  config: {
    summary: 'print the generated containerd config (TOML)',
    load: () => import('./cmd-daemon-config'),
  },
};

function usage(): string {
  const lines = Object.entries(DAEMON_COMMANDS).map(([n, c]) => `  ${n.padEnd(8)}  ${c.summary}`);
  return `usage: cdesk daemon COMMAND [options]\n\ncontainerd itself, as the app supervises it:\n${lines.join('\n')}\n\nRun \`cdesk daemon COMMAND --help\` for a command's options.\n`;
}

export async function run(argv: string[], io: CliIo = processIo()): Promise<number> {
  const [verb, ...rest] = argv;
  if (verb === undefined || verb === '--help' || verb === '-h' || verb === 'help') {
    io.out(usage());
    return verb ? EXIT.ok : EXIT.usage;
  }
  const sub = Object.hasOwn(DAEMON_COMMANDS, verb) ? DAEMON_COMMANDS[verb] : undefined;
  if (!sub)
    throw new UsageError(
      `unknown daemon command "${verb}" (${Object.keys(DAEMON_COMMANDS).join(', ')})`,
    );
  return runCommand(`daemon ${verb}`, sub.load, rest);
}
