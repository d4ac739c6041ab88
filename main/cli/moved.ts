// The command lines whose meaning changed when the container verbs went top level (docker's layout)
// and containerd's own controls moved under `cdesk daemon`: each exits 2 with the new command, so
// a script written for the old layout stops at once instead of doing something else.
import { parseArgs, UsageError, type FlagSpec } from './args';
import { COMMON_FLAGS, EXIT, type CliIo } from './common';
import { movedLine } from './moved-line';

/**
 * True when argv is the command's old daemon form: it parses under the old options and names no
 * container (`cdesk start --wait`, `cdesk logs -f`, `cdesk run --json`).
 */
export function isDaemonForm(argv: string[], oldSpec: Record<string, FlagSpec>): boolean {
  try {
    const p = parseArgs(argv, { ...COMMON_FLAGS, ...oldSpec });
    return !p.flags.help && p.positionals.length === 0;
  } catch (err) {
    if (err instanceof UsageError) return false;
    throw err;
  }
}

/** Print the moved line for `cdesk VERB`'s old daemon form; exit 2. */
export function daemonMoved(verb: string, io: CliIo, note: string): number {
  io.err(movedLine(verb, `\`cdesk daemon ${verb}\``, note));
  return EXIT.usage;
}
