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
    // A function: the text is built only when asked for (`cdesk daemon run` spends nothing on it).
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

/** Output streams that may close under us (`cdesk daemon run | head -2`, a closed terminal). */
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
  /**
   * Guards stdout and stderr now (idempotent). Only needed with `streamsLater`, and then before
   * anything is written; a SIGHUP before it guards them itself before it writes its line.
   */
  guardStreams(): void;
  /** Removes the handlers (tests; a process keeps them for its life). */
  dispose(): void;
}

export interface ForegroundGuardOptions {
  stdout?: GuardedStream;
  stderr?: GuardedStream;
  /** The process whose SIGHUP is ignored; tests pass an EventEmitter. */
  proc?: Pick<NodeJS.Process, 'on' | 'off'>;
  /**
   * Ignore SIGHUP at once but leave stdout/stderr to `guardStreams()`: Node creates
   * process.stdout/stderr on first touch, which `cdesk daemon run` does after it has spawned
   * containerd, not before.
   */
  streamsLater?: boolean;
}

/**
 * Makes the foreground supervisor outlive its terminal: a write error on stdout or
 * stderr (EPIPE when the reader of a pipe exits, EIO when the terminal is gone) marks that
 * stream closed and later writes to it are dropped, instead of an unhandled 'error' event
 * killing the process and leaving containerd unsupervised; SIGHUP (terminal closed) is
 * ignored with one line saying so, like `nohup`, rather than ending supervision. Call it
 * once, first thing in `run`/`serve`. The writes stay `process.stdout.write(...)`: the guard
 * wraps the stream's write so callers need not change.
 */
export function guardForeground(name: string, opts: ForegroundGuardOptions = {}): ForegroundGuard {
  const streams = () => ({
    stdout: opts.stdout ?? (process.stdout as unknown as GuardedStream),
    stderr: opts.stderr ?? (process.stderr as unknown as GuardedStream),
  });
  const proc = opts.proc ?? process;
  const closed = new Set<GuardedStream>();
  const undo: (() => void)[] = [];
  let guarded: { stdout: GuardedStream; stderr: GuardedStream } | null = null;

  const guardStreams = () => {
    if (guarded) return guarded;
    guarded = streams();
    for (const stream of new Set([guarded.stdout, guarded.stderr])) {
      const onError = () => void closed.add(stream);
      stream.on('error', onError);
      const write = stream.write;
      // Writes after a failure would only queue more errors: drop them, and never throw.
      stream.write = function guardedWrite(this: GuardedStream, ...args: unknown[]): boolean {
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
    return guarded;
  };

  const onHup = () => {
    guardStreams().stderr.write(
      `${clockTime(Date.now())} SIGHUP ignored: ${name} keeps supervising containerd (stop it with Ctrl-C or SIGTERM)\n`,
    );
  };
  proc.on('SIGHUP', onHup);
  undo.push(() => proc.off('SIGHUP', onHup));
  if (!opts.streamsLater) guardStreams();

  return {
    stdoutClosed: () => guarded !== null && closed.has(guarded.stdout),
    stderrClosed: () => guarded !== null && closed.has(guarded.stderr),
    guardStreams: () => void guardStreams(),
    dispose: () => {
      for (const u of undo.splice(0)) u();
      guarded = null;
    },
  };
}
