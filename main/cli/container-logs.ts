// `cdesk logs`: a container's output (stdout to stdout, stderr to stderr), -f to follow.
import type { CommandPayload } from '../../common/contract';
import type { ContainerLogLine } from '../../common/container-commands';
import type { ControlClient } from '../control-socket/control-client';
import { intFlag, type Parsed } from './args';
import { EXIT, parseCommand, reportFailure, untilStopped, withClient, type CliIo } from './common';
import { NAMESPACE_FLAG, NAMESPACE_HELP, namespaceFlag, onePositional } from './inside-format';
import { parseSince } from './log-filter';

export const LOGS_USAGE = `usage: cdesk logs [-f] [--since TIME] [--tail N] [-t] CONTAINER [-n NS]

Print a container's output: stdout to stdout, stderr to stderr. Kept for containers run with
cdesk run (and nerdctl's json-file logs, and CRI logs in k8s.io); containerd keeps none.
  -f, --follow        keep printing new output until the container stops (or Ctrl-C)
      --since TIME    only output since TIME: an ISO date or a time ago like 30s, 5m, 2h
      --tail N        only the newest N lines (all: every line, the default)
  -t, --timestamps    put each line's time first
${NAMESPACE_HELP}`;

const FOLLOW_MS = 200;
/** How often a follower asks whether the container still runs. */
const STOP_CHECK_MS = 1_000;
/** After the exit, the log writer flushes within this. */
const DRAIN_MS = 1_000;
/** A cursor naming no file: the app reads from the oldest line it keeps. */
const FROM_START = '0:0';

function show(io: CliIo, lines: ContainerLogLine[], timestamps: boolean): void {
  let out = '';
  let err = '';
  for (const l of lines) {
    const text = `${timestamps ? `${l.timestamp} ` : ''}${l.text}${l.partial ? '' : '\n'}`;
    if (l.stream === 'stderr') {
      if (out) io.out(out);
      out = '';
      err += text;
    } else {
      if (err) io.err(err);
      err = '';
      out += text;
    }
  }
  if (out) io.out(out);
  if (err) io.err(err);
}

/** One page after `cursor`, printed; ok:false (with the exit code) when the app refused. */
export async function printNewLines(
  c: ControlClient,
  io: CliIo,
  p: CommandPayload<'container:logs'>,
  timestamps = false,
  flags: Parsed['flags'] = {},
): Promise<{ ok: true; cursor: string; count: number } | { ok: false; code: number }> {
  let cursor = p.cursor;
  let count = 0;
  for (;;) {
    const r = await c.invoke('container:logs', { ...p, ...(cursor ? { cursor } : {}) });
    if (!r.ok) return { ok: false, code: reportFailure('logs', r.error, flags, io) };
    // The newest lines only: read every one from the start instead, a page at a time.
    if (r.value.truncated && cursor === undefined && p.tail === undefined) {
      cursor = FROM_START;
      continue;
    }
    show(io, r.value.lines, timestamps);
    count += r.value.lines.length;
    cursor = r.value.cursor;
    if (!r.value.more) return { ok: true, cursor, count };
  }
}

export async function logsCommand(argv: string[], io: CliIo): Promise<number> {
  const p = parseCommand(
    argv,
    {
      ...NAMESPACE_FLAG,
      follow: { type: 'boolean', short: 'f' },
      since: { type: 'string' },
      tail: { type: 'string' },
      timestamps: { type: 'boolean', short: 't' },
    },
    LOGS_USAGE,
    io,
  );
  if (!p) return EXIT.ok;
  const id = onePositional(p, 'CONTAINER (cdesk ps -a lists them)');
  const namespace = namespaceFlag(p.flags);
  // `all` is docker's default and its spelling for "every line".
  const tail = p.flags.tail === 'all' ? undefined : intFlag(p.flags, 'tail', 0, 1_000_000);
  const sinceMs = typeof p.flags.since === 'string' ? parseSince(p.flags.since) : undefined;
  const ts = p.flags.timestamps === true;
  return withClient(
    'logs',
    p.flags,
    io,
    async (c) => {
      const since = sinceMs !== undefined ? { sinceMs } : {};
      let cursor: string;
      if (tail === undefined) {
        // Every line, however long the log: page by page.
        const all = await printNewLines(c, io, { namespace, id, ...since }, ts, p.flags);
        if (!all.ok) return all.code;
        cursor = all.cursor;
      } else {
        const first = await c.invoke('container:logs', { namespace, id, tail, ...since });
        if (!first.ok) return reportFailure('logs', first.error, p.flags, io);
        show(io, first.value.lines, ts);
        cursor = first.value.cursor;
      }
      if (!p.flags.follow) return EXIT.ok;
      // Ending here (the container was removed) closes the connection ourselves: no news to tell.
      const ended = new AbortController();
      const signal = AbortSignal.any([io.signal, ended.signal]);
      const stopped = untilStopped('logs', c, { ...io, signal });
      let done: number | null = null;
      void stopped.then((code) => (done = code));
      let checked = 0;
      while (done === null) {
        await new Promise((r) => setTimeout(r, FOLLOW_MS));
        if (done !== null) break;
        const page = await printNewLines(c, io, { namespace, id, cursor, ...since }, ts).catch(
          () => null,
        );
        if (!page) break;
        if (!page.ok) {
          ended.abort();
          return page.code;
        }
        cursor = page.cursor;
        // docker's logs -f ends when the container stops (or was never started): look each second.
        if (Date.now() - checked < STOP_CHECK_MS) continue;
        checked = Date.now();
        // (A deadline much shorter than a round trip to containerd would miss an exit already there.)
        const w = await c.invoke('task:wait', { namespace, id, timeoutMs: FOLLOW_MS / 2 });
        if (w.ok ? w.value.exitStatus === null : w.error.code !== 'not-found') continue;
        // The log writer still writes what the pipes held: read until it has been quiet a while.
        const end = Date.now() + DRAIN_MS;
        for (let quiet = 0; quiet < 3 && Date.now() < end;) {
          await new Promise((r) => setTimeout(r, FOLLOW_MS / 2));
          const last = await printNewLines(c, io, { namespace, id, cursor, ...since }, ts);
          if (!last.ok) {
            ended.abort();
            return last.code;
          }
          quiet = last.count ? 0 : quiet + 1;
          cursor = last.cursor;
        }
        ended.abort();
        return EXIT.ok;
      }
      return stopped;
    },
    true,
  );
}
