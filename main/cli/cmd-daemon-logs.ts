// `cdesk daemon logs`: containerd's log from the app's ring buffer, paged in byte-bounded replies and filtered; -f keeps following live lines.
import { compileLogFilter, lineCost, type LogFilter } from '../../common/log-filter';
import type { AnyEvent, CommandPayload, ContractError } from '../../common/contract';
import type { LogLine } from '../../common/states';
import type { ControlClient } from '../control-socket/control-client';
import { UsageError, type FlagSpec, type Parsed } from './args';
import {
  EXIT,
  parseCommand,
  processIo,
  replayThenFollow,
  reportFailure,
  withClient,
  type CliIo,
} from './common';
import { LEVEL_FLAG_CHOICES, parseLevel, parseSince } from './log-filter';
import { escapeForTerminal, escapeJsonForTerminal } from './terminal-text';

export { escapeForTerminal } from './terminal-text';

const USAGE = `usage: cdesk daemon logs [-f] [--tail N] [--since TIME] [--level LEVEL] [--grep TEXT] [--json]

Print containerd's recent log lines (from the app's in-memory buffer, oldest first).
  -f, --follow     keep printing new lines until Ctrl-C
  -n, --tail N     only the newest N lines (all: every line, the default; 0: none, e.g. with -f
                   to see only new lines). -n here is docker logs' -n, not a namespace:
                   containerd's log covers every namespace. --lines N is an older name
  --since TIME     only lines since TIME: an ISO date or a time ago like 500ms, 30s, 5m, 2h, 1d
  --level LEVEL    only LEVEL and worse: ${LEVEL_FLAG_CHOICES}
  --grep TEXT      only lines whose text or message contains TEXT (case-insensitive)
  --json           one JSON object per line (seq, time, level, msg, fields, raw)

On a terminal, control characters and escape sequences in log lines are shown escaped
(\\x1b[31m…); piped output keeps the bytes as containerd wrote them.
`;

/** Bytes asked for per logs:read: well under any transport's reply limit. */
export const PAGE_BYTES = 1024 * 1024;
/** Continuation pages ask for every line after the cursor (the byte budget bounds the reply). */
const ALL_LINES = 100_000;
/** Live lines held while the backlog prints, at most (then the backlog is re-read from the ring). */
const HELD_BYTES = 8 << 20;

export interface LogsOptions {
  /** Escape control characters (stdout is a terminal). Default: process.stdout.isTTY. */
  tty?: boolean;
  /** Bytes per logs:read page (tests use small pages). */
  pageBytes?: number;
}

/** The options (exported: `cdesk logs` recognises its old, daemon form by them). */
export const DAEMON_LOGS_SPEC: Record<string, FlagSpec> = {
  follow: { type: 'boolean', short: 'f' },
  since: { type: 'string' },
  level: { type: 'string' },
  grep: { type: 'string' },
  tail: { type: 'string', short: 'n' },
  lines: { type: 'string' },
};

export async function run(
  argv: string[],
  io: CliIo = processIo(),
  opts: LogsOptions = {},
): Promise<number> {
  const p = parseCommand(argv, DAEMON_LOGS_SPEC, USAGE, io, { positionals: 0 });
  if (!p) return EXIT.ok;
  const filter: LogFilter = {};
  if (typeof p.flags.since === 'string') filter.sinceTime = parseSince(p.flags.since);
  if (typeof p.flags.level === 'string') filter.minLevel = parseLevel(p.flags.level);
  if (typeof p.flags.grep === 'string') {
    if (p.flags.grep.length > 1000)
      throw new UsageError('--grep TEXT may be at most 1000 characters');
    filter.text = p.flags.grep;
  }
  const tail = tailFlag(p.flags);
  const tty = opts.tty ?? process.stdout.isTTY === true;
  const pageBytes = opts.pageBytes ?? PAGE_BYTES;
  const format = p.flags.json
    ? (l: LogLine) => (tty ? escapeJsonForTerminal(JSON.stringify(l)) : JSON.stringify(l))
    : (l: LogLine) => (tty ? escapeForTerminal(l.raw) : l.raw);
  const print = (lines: readonly LogLine[]) => {
    if (!lines.length) return;
    io.out(lines.map(format).join('\n') + '\n');
  };
  const base: CommandPayload<'logs:read'> = {
    ...(filter.sinceTime !== undefined ? { sinceTime: filter.sinceTime } : {}),
    ...(filter.minLevel ? { level: filter.minLevel } : {}),
    ...(filter.text ? { text: filter.text } : {}),
  };
  const test = compileLogFilter(filter);
  // `cdesk daemon logs | head`: the reader is done, so are we (quietly, as tools killed by SIGPIPE are).
  const onStdoutError = (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(EXIT.ok);
  };
  process.stdout.on('error', onStdoutError);

  try {
    return await withClient(
      'daemon logs',
      p.flags,
      io,
      async (c) => {
        // When following, subscribe first and hold live lines until the backlog is printed: no gap, no dupes.
        let held: LogLine[] | null = [];
        let heldBytes = 0;
        let overflow = false;
        let lastSeq = 0;
        const live = (lines: LogLine[]) => {
          const fresh = lines.filter((l) => l.seq > lastSeq && test(l));
          if (lines.length) lastSeq = Math.max(lastSeq, lines[lines.length - 1]!.seq);
          print(fresh);
        };
        const onEvent = (e: AnyEvent) => {
          if (e.event !== 'logs:lines') return;
          if (!held) return live(e.payload.lines);
          for (const l of e.payload.lines) heldBytes += lineCost(l);
          held.push(...e.payload.lines);
          if (heldBytes > HELD_BYTES) {
            // The ring still has them: drop what is held and read them again after the backlog.
            held = [];
            heldBytes = 0;
            overflow = true;
          }
        };
        // --tail 0 prints no backlog; one line is still read, for where following starts.
        const backlog = () =>
          printBacklog(
            c,
            { ...base, ...(tail !== null ? { limit: Math.max(1, tail) } : {}) },
            pageBytes,
            tail === 0 ? () => undefined : print,
          );
        if (!p.flags.follow) {
          const r = await backlog();
          return r.ok ? EXIT.ok : reportFailure('daemon logs', r.error, p.flags, io);
        }
        return replayThenFollow('daemon logs', c, io, onEvent, async () => {
          let r = await backlog();
          if (!r.ok) return reportFailure('daemon logs', r.error, p.flags, io);
          while (overflow) {
            overflow = false;
            r = await printBacklog(
              c,
              { ...base, sinceSeq: r.lastSeq, limit: ALL_LINES },
              pageBytes,
              print,
            );
            if (!r.ok) return reportFailure('daemon logs', r.error, p.flags, io);
          }
          lastSeq = r.lastSeq;
          const caught = held ?? [];
          held = null;
          live(caught);
        });
      },
      true,
    );
  } finally {
    process.stdout.off('error', onStdoutError);
  }
}

/** The most lines one logs:read may ask for. */
const MAX_TAIL = 100_000;

/**
 * --tail N (or -n, or the older --lines): how many of the newest lines to print, null for all.
 * Bad values name the flag and say what -n means here, since everywhere else it is a namespace.
 */
export function tailFlag(flags: Parsed['flags']): number | null {
  if (flags.tail !== undefined && flags.lines !== undefined)
    throw new UsageError('--lines is an older name of --tail; give one of them');
  const name = flags.lines !== undefined ? 'lines' : 'tail';
  const v = flags[name];
  if (v === undefined || v === 'all') return null;
  const n = typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : NaN;
  if (Number.isSafeInteger(n) && n <= MAX_TAIL) return n;
  throw new UsageError(
    `--${name} must be a number of lines from 0 to ${MAX_TAIL}, or all (got ${String(v)}); ` +
      `on logs, -n is --tail as in docker logs, not a namespace (containerd's log covers every namespace)`,
  );
}

type BacklogResult = { ok: true; lastSeq: number } | { ok: false; error: ContractError };

/**
 * Prints the ring's matching lines page by page (each reply ≤ pageBytes), up to the newest
 * line the ring held at the first reply: lines after it are the follower's, not the backlog's.
 */
async function printBacklog(
  c: ControlClient,
  first: CommandPayload<'logs:read'>,
  pageBytes: number,
  print: (lines: readonly LogLine[]) => void,
): Promise<BacklogResult> {
  let q: CommandPayload<'logs:read'> = { ...first, maxBytes: pageBytes };
  let stopAt = -1;
  for (;;) {
    const r = await c.invoke('logs:read', q);
    if (!r.ok) return r;
    const { lines, lastSeq, nextSeq } = r.value;
    if (stopAt < 0) stopAt = lastSeq;
    const upTo = lines.findIndex((l) => l.seq > stopAt);
    print(upTo < 0 ? lines : lines.slice(0, upTo));
    // A server without paging (no nextSeq) answered in one reply.
    if (typeof nextSeq !== 'number' || nextSeq >= stopAt || upTo >= 0)
      return { ok: true, lastSeq: stopAt };
    q = { ...q, sinceSeq: nextSeq, limit: ALL_LINES };
  }
}
