// Shared CLI plumbing: exit codes, --control/--json/--help, connecting to the app, printing errors.
import type { AnyEvent, ContractError } from '../../common/contract';
import { AppError } from '../shared/app-error';
import type { ControlClient } from '../control-socket/control-client';
import { parseArgs, UsageError, type FlagSpec, type Parsed } from './args';
import { connectTarget } from './connect-target';
import { escapeForTerminal } from './terminal-text';

/** Exit codes a script can rely on. */
export const EXIT = { ok: 0, failed: 1, usage: 2, noApp: 3, interrupted: 130 } as const;

/** The exit code of a failure to reach the app: none runs (3), a malformed -H URL (2), else 1. */
export function connectFailureCode(code: string): number {
  return code === 'no-app' ? EXIT.noApp : code === 'invalid-host' ? EXIT.usage : EXIT.failed;
}

/** Where a command writes and how it learns to stop (tests pass their own). */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  env: NodeJS.ProcessEnv;
  /** Aborted on Ctrl-C; long-running commands (logs -f, start --wait) stop on it. */
  signal: AbortSignal;
}

let pipesWatched = false;

export function processIo(): CliIo {
  // `cdesk logs c1 | head`: once the reader is gone, so are we, quietly (as tools killed by
  // SIGPIPE are), not with Node's stack trace for the unhandled EPIPE.
  if (!pipesWatched) {
    pipesWatched = true;
    const onPipeError = (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EPIPE') throw err;
      process.exit(EXIT.ok);
    };
    process.stdout.on('error', onPipeError);
    process.stderr.on('error', onPipeError);
  }
  const ac = new AbortController();
  // First Ctrl-C: let the command finish cleanly; a second one exits at once.
  process.once('SIGINT', () => {
    ac.abort();
    process.once('SIGINT', () => process.exit(EXIT.interrupted));
  });
  return {
    out: (t) => process.stdout.write(t),
    err: (t) => process.stderr.write(t),
    env: process.env,
    signal: ac.signal,
  };
}

export const COMMON_FLAGS: Record<string, FlagSpec> = {
  control: { type: 'string' },
  host: { type: 'string', short: 'H' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
};

/** Each common option's help line, keyed by the long form a command's own usage might document. */
const COMMON_HELP: [flag: string, line: string][] = [
  [
    '--control',
    "  --control PATH   the app's control socket (default: $XDG_RUNTIME_DIR/containerd-desktop/control.sock)",
  ],
  [
    '--host',
    "  -H, --host HOST  another machine's app over ssh: a saved host (cdesk host ls) or ssh://user@host[:port]; default $CDESK_HOST",
  ],
  ['--json', '  --json           machine-readable output'],
  ['--help', '  -h, --help       show this help'],
];
const EXIT_HELP = 'exit codes: 0 ok, 1 the action failed, 2 usage error, 3 no running app\n';

/** The usage, then the common options it does not already describe in its own words. */
export function helpText(usage: string): string {
  const described = (flag: string) => new RegExp(`^ +(-\\w, )?${flag}\\b`, 'm').test(usage);
  const common = COMMON_HELP.filter(([flag]) => !described(flag)).map(([, line]) => `${line}\n`);
  return `${usage.trimEnd()}\n${common.join('')}\n${EXIT_HELP}`;
}

/** What a command accepts besides its flags. */
export interface ParseOptions {
  /** The most positional arguments the command takes; one more is a usage error naming it. */
  positionals?: number;
}

/**
 * Parse argv with the common flags; prints help and returns `null` for --help. With
 * `positionals`, an argument past that many is refused (after --help, which always answers).
 */
export function parseCommand(
  argv: string[],
  spec: Record<string, FlagSpec>,
  usage: string,
  io: CliIo,
  opts: ParseOptions = {},
): Parsed | null {
  const parsed = parseArgs(argv, { ...COMMON_FLAGS, ...spec });
  if (parsed.flags.help) {
    io.out(helpText(usage));
    return null;
  }
  const most = opts.positionals;
  if (most !== undefined && parsed.positionals.length > most)
    throw new UsageError(`unexpected argument ${parsed.positionals[most]}`);
  return parsed;
}

export function formatError(prefix: string, e: ContractError): string {
  // An error may quote what a registry, an archive or containerd said: its control characters
  // must not reach the terminal (a colour, a retitle, OSC 52 setting the clipboard). Lines stay.
  const safe = (t: string) => t.split('\n').map(escapeForTerminal).join('\n');
  // The contract's "invalid payload" message already lists each field: once is enough.
  const listed = e.fields?.every((f) => e.message.includes(`${f.field}: ${f.message}`));
  const fields =
    e.fields?.length && !listed
      ? e.fields.map((f) => `  ${safe(f.field)}: ${safe(f.message)}\n`).join('')
      : '';
  return `${prefix}: ${safe(e.message)}\n${fields}  hint: ${safe(e.hint)}\n`;
}

/**
 * Connect (per --control), run `fn`, close; "no app" prints how to start one and returns 3.
 * Ctrl-C closes the connection (returns 130) unless `handlesAbort` (followers stop on their own).
 */
export async function withClient(
  name: string,
  flags: Parsed['flags'],
  io: CliIo,
  fn: (client: ControlClient) => Promise<number>,
  handlesAbort = false,
): Promise<number> {
  let client: ControlClient;
  try {
    client = await connectTarget(flags, io.env);
  } catch (err) {
    if (err instanceof AppError) {
      if (flags.json)
        io.out(
          `${JSON.stringify({ ok: false, error: { code: err.code, message: err.message, hint: err.hint } })}\n`,
        );
      io.err(formatError(`cdesk ${name}`, err));
      return connectFailureCode(err.code);
    }
    throw err;
  }
  const onAbort = () => client.close();
  if (!handlesAbort) io.signal.addEventListener('abort', onAbort, { once: true });
  try {
    const code = await fn(client);
    return !handlesAbort && io.signal.aborted ? EXIT.interrupted : code;
  } finally {
    io.signal.removeEventListener('abort', onAbort);
    client.close();
  }
}

/**
 * For followers (`events`, `logs -f`): resolves 0 on Ctrl-C and 1, with the reason, when the app
 * ends the connection. Closing our own end after Ctrl-C fires onClose too; that close is ours,
 * not the app quitting, so it says nothing.
 */
export function untilStopped(name: string, client: ControlClient, io: CliIo): Promise<number> {
  return new Promise<number>((resolve) => {
    if (io.signal.aborted) return resolve(EXIT.ok);
    io.signal.addEventListener('abort', () => resolve(EXIT.ok), { once: true });
    client.onClose((err) => {
      if (io.signal.aborted) return;
      io.err(`cdesk ${name}: ${err.message}\n  hint: ${err.hint}\n`);
      resolve(EXIT.failed);
    });
  });
}

/**
 * A follower's body (`events`, `daemon logs -f`): the app's events flow to `onEvent` before
 * `replay` runs, so none falls between what it prints and the live stream; then follow until
 * Ctrl-C or the app goes away. A code `replay` returns ends the command at once. The events are
 * unsubscribed either way.
 */
export async function replayThenFollow(
  name: string,
  client: ControlClient,
  io: CliIo,
  onEvent: (e: AnyEvent) => void,
  replay: () => Promise<number | void>,
): Promise<number> {
  const off = await client.events(onEvent);
  try {
    return (await replay()) ?? (await untilStopped(name, client, io));
  } finally {
    off();
  }
}

/** Print a failed result (JSON to stdout with --json, always the message to stderr) and return 1. */
export function reportFailure(
  name: string,
  e: ContractError,
  flags: Parsed['flags'],
  io: CliIo,
): number {
  // Ctrl-C closed the connection (withClient): the app did not quit, and what it had started
  // (a load, a stop) may still finish there.
  if (io.signal.aborted && e.code === 'disconnected') {
    io.err(
      `cdesk ${name}: interrupted (Ctrl-C) before the app answered; what it had started may still finish there\n`,
    );
    return EXIT.interrupted;
  }
  if (flags.json) io.out(`${JSON.stringify({ ok: false, error: e })}\n`);
  io.err(formatError(`cdesk ${name}`, e));
  return requestRefused(e) ? EXIT.usage : EXIT.failed;
}

/**
 * The request broke the command's rules as sent (its schema names the fields, or it is too big):
 * bad usage, exit 2. What the app refuses after looking (a port in use, an unknown user) is 1.
 */
export function requestRefused(e: ContractError): boolean {
  return e.code === 'request-too-large' || (e.code === 'bad-payload' && !!e.fields?.length);
}
