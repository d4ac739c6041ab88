// `cdesk logs`: containerd's log from the app's ring buffer, filtered; -f keeps following live lines.
import type { LogLine } from '../../common/states';
import { intFlag, UsageError } from './args';
import { EXIT, parseCommand, processIo, reportFailure, withClient, type CliIo } from './common';
import { matches, parseLevel, parseSince, type LineFilter } from './log-filter';

const USAGE = `usage: cdesk logs [-f] [--since TIME] [--level LEVEL] [--grep TEXT] [-n LINES] [--json]

Print containerd's recent log lines (from the app's in-memory buffer, oldest first).
  -f, --follow     keep printing new lines until Ctrl-C
  --since TIME     only lines since TIME: an ISO date or a relative time like 30s, 5m, 2h, 1d
  --level LEVEL    only LEVEL and worse: trace, debug, info, warn, error, fatal, panic
  --grep TEXT      only lines containing TEXT (case-insensitive)
  -n, --lines N    at most the newest N lines before following
  --json           one JSON object per line (seq, time, level, msg, fields, raw)
`;

export async function run(argv: string[], io: CliIo = processIo()): Promise<number> {
  const p = parseCommand(
    argv,
    {
      follow: { type: 'boolean', alias: 'f' },
      since: { type: 'string' },
      level: { type: 'string' },
      grep: { type: 'string' },
      lines: { type: 'string', alias: 'n' },
    },
    USAGE,
    io,
  );
  if (!p) return EXIT.ok;
  if (p.positionals.length) throw new UsageError(`unexpected argument ${p.positionals[0]}`);
  const filter: LineFilter = {};
  if (typeof p.flags.since === 'string') filter.sinceTime = parseSince(p.flags.since);
  if (typeof p.flags.level === 'string') filter.level = parseLevel(p.flags.level);
  if (typeof p.flags.grep === 'string') {
    if (p.flags.grep.length > 1000)
      throw new UsageError('--grep TEXT may be at most 1000 characters');
    filter.text = p.flags.grep;
  }
  const limit = intFlag(p.flags, 'lines', 1, 100_000);
  const print = (lines: LogLine[]) => {
    if (!lines.length) return;
    io.out(lines.map((l) => (p.flags.json ? JSON.stringify(l) : l.raw)).join('\n') + '\n');
  };

  return withClient(
    'logs',
    p.flags,
    io,
    async (c) => {
      // When following, subscribe first and hold live lines until the backlog is printed: no gap, no dupes.
      let lastSeq = -1;
      let held: LogLine[] | null = [];
      const live = (lines: LogLine[]) => {
        const fresh = lines.filter((l) => l.seq > lastSeq && matches(l, filter));
        if (lines.length) lastSeq = Math.max(lastSeq, lines[lines.length - 1]!.seq);
        print(fresh);
      };
      const off = p.flags.follow
        ? await c.events((e) => {
            if (e.event !== 'logs:lines') return;
            if (held) held.push(...e.payload.lines);
            else live(e.payload.lines);
          })
        : null;
      try {
        const r = await c.call('logs:read', { ...filter, ...(limit ? { limit } : {}) });
        if (!r.ok) return reportFailure('logs', r.error, p.flags, io);
        print(r.value.lines);
        if (!off) return EXIT.ok;
        lastSeq = r.value.lastSeq;
        const backlog = held ?? [];
        held = null;
        live(backlog);
        return await new Promise<number>((resolve) => {
          if (io.signal.aborted) return resolve(EXIT.ok);
          io.signal.addEventListener('abort', () => resolve(EXIT.ok), { once: true });
          c.onClose((err) => {
            io.err(`cdesk logs: ${err.message}\n  hint: ${err.hint}\n`);
            resolve(EXIT.failed);
          });
        });
      } finally {
        off?.();
      }
    },
    true,
  );
}
