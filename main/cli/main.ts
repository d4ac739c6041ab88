// cdesk: dispatches a subcommand; each lives in its own module exporting `run(argv)`.
import { editDistance } from '../../common/edit-distance';
import { UsageError } from './args';
import { runCommand, type CommandModule } from './command';
import type { Verb } from './cmd-container-verbs';
import { movedLine, REMOVED_COMMANDS } from './moved-line';
import { takeGlobalHost } from './global-host';

type Group = 'containers' | 'images' | 'app';
type Command = { group: Group; summary: string; load: () => Promise<CommandModule> };

const verb = (v: Verb) => () => import('./cmd-container-verbs').then((m) => m.verbCommand(v));
const loadVersion = () => import('./cmd-version');

// docker's layout: container and image verbs at the top, containerd itself under `daemon`.
const commands: Record<string, Command> = {
  run: {
    group: 'containers',
    summary: 'create a container from a local image and start it (-d: in the background)',
    load: () => import('./cmd-run'),
  },
  ps: {
    group: 'containers',
    summary: 'list containers and their tasks (-a: also stopped; -n NS)',
    load: () => import('./cmd-ps'),
  },
  logs: {
    group: 'containers',
    summary: "print a container's output (-f to follow)",
    load: () => import('./cmd-logs'),
  },
  start: { group: 'containers', summary: 'start stopped containers', load: verb('start') },
  stop: {
    group: 'containers',
    summary: 'stop containers (SIGTERM, grace, SIGKILL)',
    load: verb('stop'),
  },
  restart: { group: 'containers', summary: 'stop, then start containers', load: verb('restart') },
  kill: {
    group: 'containers',
    summary: "send a signal to containers' tasks (default SIGKILL)",
    load: verb('kill'),
  },
  rm: {
    group: 'containers',
    summary: 'remove stopped containers (-f: stop them first)',
    load: verb('rm'),
  },
  inspect: {
    group: 'containers',
    summary: 'a container record, OCI spec, runtime options and task as JSON',
    load: verb('inspect'),
  },
  exec: {
    group: 'containers',
    summary: 'run a command in a running container (-i stdin, -t terminal, exit code kept)',
    load: () => import('./cmd-exec'),
  },
  stats: {
    group: 'containers',
    summary: "running containers' CPU, memory, block I/O, pids (live; --no-stream: once)",
    load: () => import('./cmd-stats'),
  },
  events: {
    group: 'containers',
    summary: "follow containerd's events (-n NS; --since 5m: the recent ones first)",
    load: () => import('./cmd-events'),
  },
  images: {
    group: 'images',
    summary: 'list images with sizes (-n NS)',
    load: () => import('./cmd-images'),
  },
  pull: {
    group: 'images',
    summary: 'pull an image from a registry, with progress (-n NS, --platform P)',
    load: () => import('./cmd-pull'),
  },
  rmi: {
    group: 'images',
    summary: 'remove an image no container uses',
    load: () => import('./cmd-rmi'),
  },
  load: {
    group: 'images',
    summary: 'load images from a docker save / OCI archive (-i FILE or stdin)',
    load: () => import('./cmd-load'),
  },
  save: {
    group: 'images',
    summary: 'save images to an OCI archive docker load reads (-o FILE REF…)',
    load: () => import('./cmd-save'),
  },
  login: {
    group: 'images',
    summary: 'store registry credentials in your docker config (no app needed)',
    load: () => import('./cmd-login'),
  },
  logout: {
    group: 'images',
    summary: "remove a registry's stored credentials",
    load: () => import('./cmd-logout'),
  },
  system: {
    group: 'images',
    summary: 'disk use (system df) and clean-up (system prune [--all] [--force])',
    load: () => import('./cmd-system'),
  },
  daemon: {
    group: 'app',
    summary: 'containerd itself: daemon run|start|stop|restart|logs|config',
    load: () => import('./cmd-daemon'),
  },
  status: {
    group: 'app',
    summary: "show containerd's state, pid, uptime, health",
    load: () => import('./cmd-status'),
  },
  plugins: {
    group: 'app',
    summary: "containerd's plugins, the problems that matter first",
    load: () => import('./cmd-plugins'),
  },
  settings: {
    group: 'app',
    summary: 'get or set a setting (settings get [KEY] | set KEY VALUE)',
    load: () => import('./cmd-settings'),
  },
  env: {
    group: 'app',
    summary: 'print CONTAINERD_ADDRESS and ctr / nerdctl lines for the supervised socket',
    load: () => import('./cmd-env'),
  },
  host: {
    group: 'app',
    summary: 'other machines reached over ssh: host add NAME URL | ls | rm NAME (use with -H NAME)',
    load: () => import('./cmd-host'),
  },
  'dial-stdio': {
    group: 'app',
    summary: "bridge stdin/stdout to this machine's app (what -H runs over ssh)",
    load: () => import('./cmd-dial-stdio'),
  },
  serve: {
    group: 'app',
    summary:
      'headless mode: supervise containerd and serve the UI on 127.0.0.1 (no display needed)',
    load: () => import('./cmd-serve'),
  },
  version: {
    group: 'app',
    summary: "this cdesk's version, the app's and its containerd's (--version: cdesk's alone)",
    load: loadVersion,
  },
};

const GROUP_TITLES: Record<Group, string> = {
  containers: 'containers',
  images: 'images',
  app: 'containerd and the app',
};

function usage(): string {
  const width = Math.max(...Object.keys(commands).map((c) => c.length));
  const groups = (Object.keys(GROUP_TITLES) as Group[]).map((g) => {
    const lines = Object.entries(commands)
      .filter(([, c]) => c.group === g)
      .map(([n, c]) => `  ${n.padEnd(width)}  ${c.summary}`);
    return `${GROUP_TITLES[g]}:\n${lines.join('\n')}\n`;
  });
  return `usage: cdesk [-H NAME|URL] <command> [options]\n\n${groups.join('\n')}\n-H NAME|URL (or $CDESK_HOST): talk to another machine's app over ssh (cdesk host --help).\nRun \`cdesk <command> --help\` for a command's options.\n`;
}

/** "; did you mean status?" for a typo of a command, else nothing. */
function nearestCommand(name: string): string {
  const scored = Object.keys(commands).map((c) => ({
    c,
    d: editDistance(name.toLowerCase(), c),
    // On a tie the one of the same length wins: "stauts" is status swapped, not stats.
    len: Math.abs(c.length - name.length),
  }));
  const best = scored.sort((a, b) => a.d - b.d || a.len - b.len)[0];
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
  if (name === '--version' || name === '-v') {
    process.stdout.write((await loadVersion()).versionLine());
    return 0;
  }
  const removed = Object.hasOwn(REMOVED_COMMANDS, name) ? REMOVED_COMMANDS[name] : undefined;
  if (removed) {
    process.stderr.write(movedLine(name, removed(rest)));
    return 2;
  }
  const cmd = Object.hasOwn(commands, name) ? commands[name] : undefined;
  if (!cmd) {
    process.stderr.write(`cdesk: unknown command "${name}"${nearestCommand(name)}\n\n${usage()}`);
    return 2;
  }
  return runCommand(name, cmd.load, rest);
}

process.exitCode = await main(process.argv.slice(2));
