// One request, one printed answer: the command `cdesk ps`, `images`, `plugins`, `status` and
// `daemon config` each describe.
import type { CommandName, CommandPayload, CommandResults } from '../../common/contract';
import type { ControlClient } from '../control-socket/control-client';
import type { FlagSpec, Parsed } from './args';
import { EXIT, parseCommand, processIo, reportFailure, withClient, type CliIo } from './common';
import {
  NAMESPACE_FLAG,
  namespaceFlag,
  namespaceOn,
  type InsideOutputOptions,
} from './inside-format';
import { escapeJsonForTerminal, escapeStringsForTerminal, stdoutIsTerminal } from './terminal-text';

/** What `text` may use besides the value: the client (still open, to ask more for a hint), flags, tty. */
export interface ReplyContext {
  client: ControlClient;
  flags: Parsed['flags'];
  tty: boolean;
}

export interface ReplyCommand<C extends CommandName> {
  /** As in "cdesk NAME: …" errors. */
  name: string;
  usage: string;
  command: C;
  /**
   * A command with `payload` takes -n NS (checked before connecting: a bad -n is a usage error;
   * without it, the namespace the host shows first) and asks `payload(namespace)`. Without
   * `payload` there is no -n and the request is empty.
   */
  payload?: (namespace: string) => CommandPayload<C>;
  /** The command's own flags, besides the common ones and -n. */
  flags?: Record<string, FlagSpec>;
  /** With --json: what to print (default: the whole value). */
  json?: (v: CommandResults[C], flags: Parsed['flags']) => unknown;
  text: (v: CommandResults[C], ctx: ReplyContext) => string | Promise<string>;
  /** false: print the answer as the app sent it, also on a terminal (default: escaped there). */
  escape?: boolean;
}

/**
 * The command's `run`: no arguments besides flags; with --json, `json(value)` as JSON, otherwise
 * `text(value)`. On a terminal, containerd's strings are escaped first either way.
 */
export function replyCommand<C extends CommandName>(def: ReplyCommand<C>) {
  return async (
    argv: string[],
    io: CliIo = processIo(),
    opts: InsideOutputOptions = {},
  ): Promise<number> => {
    const tty = def.escape !== false && stdoutIsTerminal(opts.tty);
    const payload = def.payload;
    const spec = payload ? { ...NAMESPACE_FLAG, ...def.flags } : { ...def.flags };
    const p = parseCommand(argv, spec, def.usage, io, { positionals: 0 });
    if (!p) return EXIT.ok;
    if (payload) namespaceFlag(p.flags);
    return withClient(def.name, p.flags, io, async (client) => {
      const request = payload
        ? payload(await namespaceOn(p.flags, client))
        : ({} as CommandPayload<C>);
      const r = await client.invoke(def.command, request);
      if (!r.ok) return reportFailure(def.name, r.error, p.flags, io);
      if (p.flags.json) {
        const json = JSON.stringify(def.json ? def.json(r.value, p.flags) : r.value, null, 2);
        io.out(`${tty ? escapeJsonForTerminal(json) : json}\n`);
      } else
        io.out(
          await def.text(tty ? escapeStringsForTerminal(r.value) : r.value, {
            client,
            flags: p.flags,
            tty,
          }),
        );
      return EXIT.ok;
    });
  };
}
