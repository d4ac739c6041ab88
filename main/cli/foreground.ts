// Shared by the foreground commands (`run`, `serve`): argv prologue, the state-change line, and printing that survives a closed stdout or a closed terminal.
import type { StateEvent } from '../../common/states';
import { parseArgs, UsageError, type FlagSpec, type Parsed } from './args';

/** Parse argv; print `help` and return null for --help; no positional arguments allowed. */
export function parseForeground(
  argv: string[],
  spec: Record<string, FlagSpec>,
  help: string | (() => string),
): Parsed | null {
  const parsed = parseArgs(argv, spec);
  if (parsed.flags.help) {
    // A function: the text is built only when asked for (`cdesk run` starts faster, issue 8).
    process.stdout.write(typeof help === 'function' ? help() : help);
    return null;
  }
  if (parsed.positionals.length) {
    throw new UsageError(`unexpected argument "${parsed.positionals[0]}"`);
  }
  return parsed;
}

/** HH:MM:SS.mmm (UTC) for a line a person reads in a terminal. */
export function clockTime(at: number): string {
  return new Date(at).toISOString().slice(11, 23);
}

/** One human-readable line per state change, with the hint on its own line when there is one. */
export function formatStateLine(e: StateEvent, extra = ''): string {
  const pid = (e.pid ? ` pid=${e.pid}` : '') + (extra ? ` ${extra}` : '');
  const hint = e.hint ? `\n  → ${e.hint}` : '';
  return `${clockTime(e.at)} ${e.state.padEnd(9)} ${e.reason}${pid}${hint}\n`;
}

/** Output streams that may close under us (`cdesk run | head -2`, a closed terminal). */
interface GuardedStream {
  write(text: string): boolean;
  on(event: 'error', fn: (err: Error) => void): unknown;
  destroyed?: boolean;
  writable?: boolean;
}

export interface ForegroundGuard {
  /** True once stdout failed (EPIPE…): nothing more is written to it. */
  stdoutClosed(): boolean;
  stderrClosed(): boolean;
  /** Removes the handlers (tests; a process keeps them for its life). */
  dispose(): void;
}

export interface ForegroundGuardOptions {
  stdout?: GuardedStream;
  stderr?: GuardedStream;
  /** The process whose SIGHUP is ignored; tests pass an EventEmitter. */
  proc?: Pick<NodeJS.Process, 'on' | 'off'>;
}

/**
 * Makes the foreground supervisor outlive its terminal (issue 7): a write error on stdout or
 * stderr (EPIPE when the reader of a pipe exits, EIO when the terminal is gone) marks that
 * stream closed and later writes to it are dropped, instead of an unhandled 'error' event
 * killing the process and leaving containerd unsupervised; SIGHUP (terminal closed) is
 * ignored with one line saying so, like `nohup`, rather than ending supervision. Call it
 * once, first thing in `run`/`serve`. The writes stay `process.stdout.write(...)`: the guard
 * wraps the stream's write so callers need not change.
 */
export function guardForeground(name: string, opts: ForegroundGuardOptions = {}): ForegroundGuard {
  const stdout: GuardedStream = opts.stdout ?? (process.stdout as unknown as GuardedStream);
  const stderr: GuardedStream = opts.stderr ?? (process.stderr as unknown as GuardedStream);
  const proc = opts.proc ?? process;
  const closed = new Set<GuardedStream>();
  const undo: (() => void)[] = [];

  for (const stream of new Set([stdout, stderr])) {
    const onError = () => void closed.add(stream);
    stream.on('error', onError);
    const write = stream.write;
    // Writes after a failure would only queue more errors: drop them, and never throw.
    stream.write = function guarded(this: GuardedStream, ...args: unknown[]): boolean {
      if (closed.has(stream) || stream.destroyed) return false;
      try {
        return (write as (...a: unknown[]) => boolean).apply(this, args);
      } catch {
        closed.add(stream);
        return false;
      }
    } as GuardedStream['write'];
    undo.push(() => {
      stream.write = write;
      (stream as unknown as NodeJS.EventEmitter).off?.('error', onError);
    });
  }

  const onHup = () => {
    stderr.write(
      `${clockTime(Date.now())} SIGHUP ignored: ${name} keeps supervising containerd (stop it with Ctrl-C or SIGTERM)\n`,
    );
  };
  proc.on('SIGHUP', onHup);
  undo.push(() => proc.off('SIGHUP', onHup));

  return {
    stdoutClosed: () => closed.has(stdout),
    stderrClosed: () => closed.has(stderr),
    dispose: () => {
      for (const u of undo.splice(0)) u();
    },
  };
}
