// cdesk: dispatches a subcommand; each lives in its own module exporting `run(argv)`.
import { editDistance } from '../../common/edit-distance';
import { UsageError } from './args';
import { runCommand, type CommandModule } from './command';
import { takeGlobalHost } from './global-host';

type Command = { summary: string; load: () => Promise<CommandModule> };

const commands: Record<string, Command> = {
  run: {
    summary: 'run the supervisor in the foreground (no app needed)',
    load: () => import('./cmd-run'),
  },
  status: {
    summary: "show containerd's state, pid, uptime, health",
    load: () => import('./cmd-status'),
  },
  start: {
    summary: 'start containerd (--wait: until running or failed)',
    load: () => import('./cmd-start'),
  },
  stop: { summary: 'stop containerd', load: () => import('./cmd-stop') },
  restart: { summary: 'restart containerd', load: () => import('./cmd-restart') },
  logs: { summary: "print containerd's log (-f to follow)", load: () => import('./cmd-logs') },
  config: {
    summary: 'print the generated containerd config (TOML)',
    load: () => import('./cmd-config'),
  },
  settings: {
    summary: 'get or set a setting (settings get [KEY] | set KEY VALUE)',
    load: () => import('./cmd-settings'),
  },
  ps: {
    summary: 'list containers and their tasks (-a: also stopped; -n NS)',
    load: () => import('./cmd-ps'),
  },
  images: { summary: 'list images with sizes (-n NS)', load: () => import('./cmd-images') },
  stats: {
    summary: "running containers' CPU, memory, block I/O, pids (live; --no-stream: once)",
    load: () => import('./cmd-stats'),
  },
  plugins: {
    summary: "containerd's plugins, the problems that matter first",
    load: () => import('./cmd-plugins'),
  },
  events: {
    summary: "follow containerd's events (-n NS; --since 5m: the recent ones first)",
    load: () => import('./cmd-events'),
  },
  env: {
    summary: 'print CONTAINERD_ADDRESS and ctr / nerdctl lines for the supervised socket',
    load: () => import('./cmd-env'),
  },
  'stop-task': {
    summary: "stop a container's task (SIGTERM, grace, SIGKILL)",
    load: () => import('./cmd-stop-task'),
  },
  exec: {
    summary: 'run a command in a running container (-i stdin, -t terminal, exit code kept)',
    load: () => import('./cmd-exec'),
  },
  container: {
    summary: 'containers, docker style: container run|logs|start|stop|restart|rm|inspect',
    load: () => import('./cmd-container'),
  },
  rm: { summary: 'delete a stopped container', load: () => import('./cmd-rm') },
  rmi: { summary: 'remove an image no container uses', load: () => import('./cmd-rmi') },
  pull: {
    summary: 'pull an image from a registry, with progress (-n NS, --platform P)',
    load: () => import('./cmd-pull'),
  },
  login: {
    summary: 'store registry credentials in your docker config (no app needed)',
    load: () => import('./cmd-login'),
  },
  load: {
    summary: 'load images from a docker save / OCI archive (-i FILE or stdin)',
    load: () => import('./cmd-load'),
  },
  save: {
    summary: 'save images to an OCI archive docker load reads (-o FILE REF…)',
    load: () => import('./cmd-save'),
  },
  system: {
    summary: 'disk use (system df) and clean-up (system prune [--all] [--force])',
    load: () => import('./cmd-system'),
  },
  logout: { summary: "remove a registry's stored credentials", load: () => import('./cmd-logout') },
  host: {
    summary: 'other machines reached over ssh: host add NAME URL | ls | rm NAME (use with -H NAME)',
    load: () => import('./cmd-host'),
  },
  'dial-stdio': {
    summary: "bridge stdin/stdout to this machine's app (what -H runs over ssh)",
    load: () => import('./cmd-dial-stdio'),
  },
  serve: {
    summary:
      'headless mode: supervise containerd and serve the UI on 127.0.0.1 (no display needed)',
    load: () => import('./cmd-serve'),
  },
};

function usage(): string {
  const width = Math.max(...Object.keys(commands).map((c) => c.length));
  const lines = Object.entries(commands).map(([n, c]) => `  ${n.padEnd(width)}  ${c.summary}`);
  return `usage: cdesk [-H NAME|URL] <command> [options]\n\ncommands:\n${lines.join('\n')}\n\n-H NAME|URL (or $CDESK_HOST): talk to another machine's app over ssh (cdesk host --help).\nRun \`cdesk <command> --help\` for a command's options.\n`;
}

/** "; did you mean status?" for a typo of a command, else nothing. */
function nearestCommand(name: string): string {
  const scored = Object.keys(commands).map((c) => ({ c, d: editDistance(name.toLowerCase(), c) }));
  const best = scored.sort((a, b) => a.d - b.d)[0];
  return best && best.d <= Math.max(1, Math.floor(name.length / 3))
    ? `; did you mean ${best.c}?`
    : '';
}

async function main(args: string[]): Promise<number> {
  let argv: string[];
  try {
    const global = takeGlobalHost(args);
    argv = global.argv;
    if (global.host !== null) process.env.CDESK_HOST = global.host;
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`cdesk: ${err.message}\n`);
    return 2;
  }
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage());
    return name ? 0 : 2;
  }
  const cmd = commands[name];
  if (!cmd) {
    process.stderr.write(`cdesk: unknown command "${name}"${nearestCommand(name)}\n\n${usage()}`);
    return 2;
  }
  return runCommand(name, cmd.load, rest);
}

process.exitCode = await main(process.argv.slice(2));
