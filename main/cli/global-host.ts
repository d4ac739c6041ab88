// `cdesk -H NAME|URL COMMAND …` (docker's global -H): taken off argv before the command is picked and
// handed to it as $CDESK_HOST, so every command, subcommands included, reads it the same way.
import { UsageError } from './args';

/** Commands that never talk to an app's control socket: -H means nothing to them. */
const LOCAL_ONLY = new Set(['serve', 'login', 'logout', 'host', 'dial-stdio', 'daemon run']);

/** argv without a leading `-H X` / `--host X` / `--host=X` / `-HX`, and X (or null). */
export function takeGlobalHost(argv: string[]): { argv: string[]; host: string | null } {
  const [first, second] = argv;
  let host: string | undefined;
  let used = 0;
  if (first === '-H' || first === '--host') {
    if (second === undefined || second.startsWith('-'))
      throw new UsageError(
        `${first} needs a host: a saved name (cdesk host ls) or ssh://user@host`,
      );
    host = second;
    used = 2;
  } else if (first?.startsWith('--host=')) {
    host = first.slice('--host='.length);
    used = 1;
  } else if (first?.startsWith('-H') && first.length > 2) {
    host = first.slice(2);
    used = 1;
  }
  if (host === undefined) return { argv, host: null };
  if (!host)
    throw new UsageError('-H needs a host: a saved name (cdesk host ls) or ssh://user@host');
  const rest = argv.slice(used);
  const command = rest[0] === 'daemon' && rest[1] === 'run' ? 'daemon run' : rest[0];
  if (command !== undefined && LOCAL_ONLY.has(command))
    throw new UsageError(
      `-H does not apply to \`cdesk ${command}\`, which runs on this machine only`,
    );
  return { argv: rest, host };
}
