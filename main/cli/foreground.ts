// Shared by the foreground commands (`run`, `serve`): argv prologue and the state-change line.
import type { StateEvent } from '../../common/states';
import { parseArgs, UsageError, type FlagSpec, type Parsed } from './args';

/** Parse argv; print `help` and return null for --help; no positional arguments allowed. */
export function parseForeground(
  argv: string[],
  spec: Record<string, FlagSpec>,
  help: string,
): Parsed | null {
  const parsed = parseArgs(argv, spec);
  if (parsed.flags.help) {
    process.stdout.write(help);
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
