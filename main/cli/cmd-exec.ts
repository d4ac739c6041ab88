// `cdesk exec [-i] [-t] [-e K=V] [-w DIR] [-u USER] CONTAINER CMD…`: docker's exec over the control
// socket, stdio carried as stream frames with flow control (a stalled reader pauses the process).
import type { Readable, Writable } from 'node:stream';
import {
  chunks,
  encodeFrame,
  EXEC_START,
  EXEC_WINDOW_BYTES,
  type ExecStartPayload,
  type ServerFrame,
} from '../../common/exec-stream';
import { EXEC_USER_PATTERN, EXEC_USER_RULE, WORKDIR_RULE } from '../../common/container-names';
import type { ContractError } from '../../common/contract';
import { UsageError } from './args';
import {
  connectFailureCode,
  EXIT,
  formatError,
  helpText,
  processIo,
  requestRefused,
  withClient,
  type CliIo,
} from './common';
import { namespaceFlag } from './inside-format';

const USAGE = `usage: cdesk exec [OPTIONS] CONTAINER COMMAND [ARG...]

Run a command in a running container. The exit code is the command's (126: it cannot be run,
127: not found); options end at CONTAINER, so the command keeps its own flags.
  -i, --interactive     keep stdin open and forward it (echo hi | cdesk exec -i c1 cat)
  -t, --tty             allocate a terminal (with -i on a terminal: raw mode, resized with it)
  -e, --env K=V         set an environment variable (repeatable)
  -w, --workdir DIR     working directory inside the container
  -u, --user USER       user name or uid, optionally :group or :gid
  -n, --namespace NS    containerd namespace (default: default)
`;

/** Byte streams of the terminal or pipes cdesk runs in (tests pass their own). */
export interface ExecIo extends CliIo {
  stdin: Readable & { isTTY?: boolean; setRawMode?(raw: boolean): unknown };
  stdout: Writable & { isTTY?: boolean; columns?: number; rows?: number };
  stderr: Writable;
}

function processExecIo(): ExecIo {
  return { ...processIo(), stdin: process.stdin, stdout: process.stdout, stderr: process.stderr };
}

interface ExecArgs {
  flags: Record<string, string | boolean | undefined>;
  interactive: boolean;
  tty: boolean;
  env: string[];
  workdir?: string;
  user?: string;
  container: string;
  command: string[];
}

const VALUED: Record<string, string> = {
  e: 'env',
  env: 'env',
  w: 'workdir',
  workdir: 'workdir',
  u: 'user',
  user: 'user',
  n: 'namespace',
  namespace: 'namespace',
  control: 'control',
  H: 'host',
  host: 'host',
};
const BOOLEAN: Record<string, string> = {
  i: 'interactive',
  interactive: 'interactive',
  t: 'tty',
  tty: 'tty',
  h: 'help',
  help: 'help',
};

/** docker's way: options up to the container, the rest is the command untouched. */
export function parseExecArgs(argv: string[]): ExecArgs | 'help' {
  const flags: ExecArgs['flags'] = {};
  const env: string[] = [];
  let i = 0;
  const set = (name: string, value: string | boolean) => {
    if (name === 'env') env.push(value as string);
    else flags[name] = value;
  };
  const take = (name: string, inline: string | undefined, shown: string) => {
    if (inline !== undefined) return set(name, inline);
    const v = argv[++i];
    if (v === undefined) throw new UsageError(`${shown} needs a value`);
    set(name, v);
  };
  for (; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      i++;
      break;
    }
    if (!a.startsWith('-') || a === '-') break;
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = a.slice(2, eq < 0 ? undefined : eq);
      const inline = eq < 0 ? undefined : a.slice(eq + 1);
      if (VALUED[name]) take(VALUED[name], inline, `--${name}`);
      else if (BOOLEAN[name] && inline === undefined) set(BOOLEAN[name], true);
      else
        throw new UsageError(
          `unknown option ${a} (known: -i, -t, -e, -w, -u, -n, -H, --control, --help)`,
        );
      continue;
    }
    // -it, -ti, -e K=V, -eK=V: booleans may be grouped; a valued one takes the rest or the next.
    for (let k = 1; k < a.length; k++) {
      const ch = a[k]!;
      if (BOOLEAN[ch]) set(BOOLEAN[ch], true);
      else if (VALUED[ch]) {
        take(VALUED[ch], k + 1 < a.length ? a.slice(k + 1) : undefined, `-${ch}`);
        break;
      } else
        throw new UsageError(`unknown option -${ch} in ${a} (known: -i, -t, -e, -w, -u, -n, -H)`);
    }
  }
  if (flags.help) return 'help';
  const [container, ...command] = argv.slice(i);
  if (!container)
    throw new UsageError('give the container (cdesk ps lists running ones) and the command');
  if (command.length === 0)
    throw new UsageError(
      `give the command to run in ${container} (e.g. cdesk exec -it ${container} sh)`,
    );
  for (const e of env)
    if (!/^[^=\s]+=/.test(e)) throw new UsageError(`-e needs KEY=VALUE (got ${JSON.stringify(e)})`);
  if (typeof flags.workdir === 'string' && flags.workdir !== '' && !flags.workdir.startsWith('/'))
    throw new UsageError(`-w ${flags.workdir}: ${WORKDIR_RULE}`);
  if (typeof flags.user === 'string' && flags.user !== '' && !EXEC_USER_PATTERN.test(flags.user))
    throw new UsageError(`-u ${JSON.stringify(flags.user)}: ${EXEC_USER_RULE}`);
  return {
    flags,
    interactive: flags.interactive === true,
    tty: flags.tty === true,
    env,
    workdir: typeof flags.workdir === 'string' ? flags.workdir : undefined,
    user: typeof flags.user === 'string' ? flags.user : undefined,
    container,
    command,
  };
}

/** The exit code a failed start means: docker's 127 / 126 for a command that cannot run. */
function startFailureCode(e: ContractError): number {
  if (e.code === 'command-not-found') return 127;
  if (e.code === 'command-not-executable') return 126;
  if (requestRefused(e)) return EXIT.usage;
  return connectFailureCode(e.code);
}

export async function run(argv: string[], io: ExecIo = processExecIo()): Promise<number> {
  const a = parseExecArgs(argv);
  if (a === 'help') {
    io.out(helpText(USAGE));
    return EXIT.ok;
  }
  const namespace = namespaceFlag(a.flags);
  // docker refuses -it when its input is not a terminal; -t alone still gets a terminal.
  if (a.tty && a.interactive && !io.stdin.isTTY) {
    io.err(
      'cdesk exec: the input device is not a TTY\n  hint: drop -t to pipe data in (cdesk exec -i …), or run it from a terminal\n',
    );
    return EXIT.failed;
  }
  const size = () =>
    io.stdout.isTTY && io.stdout.columns && io.stdout.rows
      ? { cols: io.stdout.columns, rows: io.stdout.rows }
      : null;
  const payload: ExecStartPayload = {
    namespace,
    id: a.container,
    args: a.command,
    tty: a.tty,
    stdin: a.interactive,
    ...(a.env.length ? { env: a.env } : {}),
    ...(a.workdir ? { cwd: a.workdir } : {}),
    ...(a.user ? { user: a.user } : {}),
    ...(a.tty ? (size() ?? {}) : {}),
  };
  return withClient(
    'exec',
    a.flags,
    io,
    (c) =>
      new Promise<number>((resolve) => {
        let settled = false;
        const cleanups: (() => void)[] = [];
        const done = (code: number) => {
          if (settled) return;
          settled = true;
          for (const fn of cleanups.splice(0)) fn();
          resolve(code);
        };
        // Output frames are acknowledged once written out: a stdout nobody reads stops the acks,
        // so the app stops reading the process's output and the process blocks.
        const onFrame = (f: ServerFrame) => {
          if (f.op === 'out') {
            const bytes = Buffer.from(f.data, 'base64');
            const target = f.fd === 2 ? io.stderr : io.stdout;
            target.write(bytes, () =>
              stream.send(encodeFrame({ stream: f.stream, op: 'ack', bytes: bytes.length })),
            );
          } else if (f.op === 'ack') {
            unackedIn -= f.bytes;
            sendStdin();
            if (!heldIn.length && reading) io.stdin.resume();
          } else if (f.op === 'end') {
            const end = f.end;
            // Let the last output reach the terminal before the exit.
            const finish = (code: number) => io.stdout.write('', () => done(code));
            if (end.kind === 'exit') finish(end.code);
            else if (end.kind === 'cut-off') {
              io.err(`cdesk exec: ${end.message}\n`);
              finish(EXIT.failed);
            } else {
              io.err(formatError('cdesk exec', end.error));
              finish(EXIT.failed);
            }
          }
        };
        const stream = c.openStream(EXEC_START, payload, onFrame);
        let streamId: number | string | null = null;
        let unackedIn = 0;
        let reading = false;
        /** stdin read but not sent: sending it would take the unacknowledged bytes past the window. */
        const heldIn: Uint8Array[] = [];
        let eofHeld = false;
        const sendStdin = () => {
          while (streamId !== null && heldIn.length) {
            const piece = heldIn[0]!;
            if (unackedIn + piece.length > EXEC_WINDOW_BYTES) return;
            heldIn.shift();
            unackedIn += piece.length;
            stream.send(
              encodeFrame({
                stream: streamId,
                op: 'in',
                data: Buffer.from(piece).toString('base64'),
              }),
            );
          }
          // End of stdin only after every byte of it went.
          if (streamId !== null && eofHeld && !heldIn.length) {
            eofHeld = false;
            stream.send(encodeFrame({ stream: streamId, op: 'eof' }));
          }
        };
        c.onClose((err) => {
          if (settled) return;
          if (io.signal.aborted) return done(EXIT.interrupted);
          io.err(`cdesk exec: ${err.message}\n  hint: ${err.hint}\n`);
          done(EXIT.failed);
        });
        void stream.result.then((r) => {
          if (!r.ok) {
            io.err(formatError('cdesk exec', r.error));
            return done(startFailureCode(r.error));
          }
          streamId = (r.value as { stream: number | string }).stream;
          const id = streamId;
          if (a.tty && a.interactive && io.stdin.setRawMode) {
            // Raw: Ctrl-C, Ctrl-D and every key go to the process, not to us.
            io.stdin.setRawMode(true);
            cleanups.push(() => io.stdin.setRawMode?.(false));
          }
          if (a.tty && io.stdout.isTTY) {
            const onResize = () => {
              const s = size();
              if (s) stream.send(encodeFrame({ stream: id, op: 'resize', ...s }));
            };
            io.stdout.on('resize', onResize);
            cleanups.push(() => io.stdout.off('resize', onResize));
          }
          if (a.interactive) {
            reading = true;
            const onData = (b: Buffer) => {
              heldIn.push(...chunks(b));
              sendStdin();
              // The rest goes as acks come back; stdin is read again once all of it went.
              if (heldIn.length) io.stdin.pause();
            };
            const onEnd = () => {
              reading = false;
              eofHeld = true;
              sendStdin();
            };
            io.stdin.on('data', onData);
            io.stdin.once('end', onEnd);
            io.stdin.resume();
            cleanups.push(() => {
              reading = false;
              io.stdin.off('data', onData);
              io.stdin.off('end', onEnd);
              io.stdin.pause();
              // A terminal's stdin would keep the process alive after the exit.
              if (io.stdin === process.stdin) io.stdin.destroy();
            });
          }
        });
      }),
  );
}
