// Reading a container's output: docker json-file lines (ours and nerdctl's) and CRI log lines, by page or followed with a cursor.
import { watch, type FSWatcher } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import type { ContainerCommandResults, ContainerLogLine } from '../../common/container-commands';
import { jsonRecord } from '../../common/json-record';

export type LogFormat = 'json-file' | 'cri';

/** One docker json-file line (`{"log":"…\n","stream":"stdout","time":"…"}`); null when it is not one. */
export function parseJsonLogLine(line: string): ContainerLogLine | null {
  const v = jsonRecord(line);
  if (!v) return null;
  const { log, stream, time } = v;
  if (typeof log !== 'string' || typeof time !== 'string') return null;
  if (stream !== 'stdout' && stream !== 'stderr') return null;
  const ms = Date.parse(time);
  const partial = !log.endsWith('\n');
  return {
    stream,
    time: Number.isFinite(ms) ? ms : 0,
    timestamp: time,
    text: partial ? log : log.slice(0, -1),
    ...(partial ? { partial: true } : {}),
  };
}

/** One CRI log line (`2016-10-06T00:17:09.669794202Z stdout F text`); null when it is not one. */
export function parseCriLogLine(line: string): ContainerLogLine | null {
  const m = /^(\S+) (stdout|stderr) ([FP]) (.*)$/s.exec(line);
  if (!m) return null;
  const ms = Date.parse(m[1]!);
  return {
    stream: m[2] as 'stdout' | 'stderr',
    time: Number.isFinite(ms) ? ms : 0,
    timestamp: m[1]!,
    text: m[4]!,
    ...(m[3] === 'P' ? { partial: true } : {}),
  };
}

const parserFor = (f: LogFormat) => (f === 'cri' ? parseCriLogLine : parseJsonLogLine);

/** The live file, then its rotations (`FILE.1` newest … `FILE.N`), as they exist now. */
async function rotations(file: string, maxKeep = 50): Promise<{ path: string; ino: number }[]> {
  const out: { path: string; ino: number }[] = [];
  for (let i = 0; i <= maxKeep; i++) {
    const path = i === 0 ? file : `${file}.${i}`;
    const s = await stat(path).catch(() => null);
    if (!s) {
      if (i === 0) continue;
      break;
    }
    out.push({ path, ino: s.ino });
  }
  return out;
}

/** Bytes [from, to) of a file, cut back to the last complete line. */
async function readRange(
  path: string,
  from: number,
  maxBytes: number,
): Promise<{ text: string; end: number }> {
  const h = await open(path, 'r').catch(() => null);
  if (!h) return { text: '', end: from };
  try {
    const size = (await h.stat()).size;
    const len = Math.max(0, Math.min(size - from, maxBytes));
    const buf = Buffer.alloc(len);
    const { bytesRead } = len ? await h.read(buf, 0, len, from) : { bytesRead: 0 };
    const last = buf.subarray(0, bytesRead).lastIndexOf(10);
    if (last === -1) return { text: '', end: from };
    return { text: buf.subarray(0, last + 1).toString('utf8'), end: from + last + 1 };
  } finally {
    await h.close();
  }
}

/** The last `maxBytes` of a file from a line start; `end` is just after its last complete line. */
async function readTail(
  path: string,
  maxBytes: number,
): Promise<{ text: string; end: number; from: number }> {
  const h = await open(path, 'r').catch(() => null);
  if (!h) return { text: '', end: 0, from: 0 };
  try {
    const size = (await h.stat()).size;
    const from = Math.max(0, size - maxBytes);
    const buf = Buffer.alloc(size - from);
    const { bytesRead } = await h.read(buf, 0, buf.length, from);
    const last = buf.subarray(0, bytesRead).lastIndexOf(10);
    if (last === -1) return { text: '', end: from, from };
    const first = from > 0 ? buf.indexOf(10) + 1 : 0;
    return {
      text: first <= last ? buf.subarray(first, last + 1).toString('utf8') : '',
      end: from + last + 1,
      from,
    };
  } finally {
    await h.close();
  }
}

/** A following reader asks again at once when more than this is left unread. */
const MORE_SLACK = 128 * 1024;

function parseLines(text: string, format: LogFormat): ContainerLogLine[] {
  const parse = parserFor(format);
  const out: ContainerLogLine[] = [];
  for (const l of text.split('\n')) {
    if (!l) continue;
    const p = parse(l);
    if (p) out.push(p);
  }
  return out;
}

const cursorOf = (ino: number, offset: number) => `${ino}:${offset}`;
function parseCursor(c: string): { ino: number; offset: number } | null {
  const m = /^(\d+):(\d+)$/.exec(c);
  return m ? { ino: Number(m[1]), offset: Number(m[2]) } : null;
}

export interface ReadLogOptions {
  format: LogFormat;
  tail?: number;
  sinceMs?: number;
  cursor?: string;
  maxBytes: number;
}

type Page = Omit<ContainerCommandResults['container:logs'], 'source'>;

/**
 * Watch `file` for `ms`: `changed` resolves at its first change (a write, or a rename when it
 * rotates) or when the time is up, whichever is first; never rejects. Start it before reading, so
 * a line written between the read and the wait is not missed.
 */
export function watchForChange(
  file: string,
  ms: number,
): { changed: Promise<void>; close(): void } {
  let w: FSWatcher | null = null;
  let resolve!: () => void;
  const changed = new Promise<void>((r) => (resolve = r));
  const close = () => {
    clearTimeout(timer);
    w?.close();
    w = null;
    resolve();
  };
  const timer = setTimeout(close, ms);
  try {
    w = watch(file, { persistent: false }, close);
    w.on('error', close);
  } catch {
    // No such file yet: the time limit ends the wait.
  }
  return { changed, close };
}

/**
 * A page of the log at `file` (and its rotations): the newest lines, or what follows `cursor`.
 * A cursor naming no file kept now (`0:0`, or one rotated away meanwhile) starts at the oldest.
 */
export async function readContainerLog(file: string, o: ReadLogOptions): Promise<Page> {
  const files = await rotations(file);
  const live = files[0]?.path === file ? files[0] : undefined;
  const c = o.cursor ? parseCursor(o.cursor) : null;
  if (c) {
    const page = await follow(files, live, c, o);
    if (o.sinceMs === undefined) return page;
    return { ...page, lines: page.lines.filter((l) => l.time >= o.sinceMs!) };
  }
  // Newest file first, until the budget or the tail is met.
  const chunks: ContainerLogLine[][] = [];
  let budget = o.maxBytes;
  let count = 0;
  let liveEnd = 0;
  // Untailed, older lines the budget left out make the page `truncated`.
  let truncated = false;
  for (const f of files) {
    if (budget <= 0 || (o.tail !== undefined && count >= o.tail)) {
      truncated = o.tail === undefined;
      break;
    }
    const { text, end, from } = await readTail(f.path, budget);
    if (f === live) liveEnd = end;
    budget -= Buffer.byteLength(text);
    const lines = parseLines(text, o.format);
    chunks.unshift(lines);
    count += lines.length;
    if (from > 0 && o.tail === undefined) {
      truncated = true;
      break;
    }
  }
  let lines = chunks.flat();
  if (o.sinceMs !== undefined) lines = lines.filter((l) => l.time >= o.sinceMs!);
  if (o.tail !== undefined) lines = o.tail === 0 ? [] : lines.slice(-o.tail);
  return {
    lines,
    cursor: cursorOf(live?.ino ?? 0, liveEnd),
    more: false,
    ...(truncated ? { truncated: true } : {}),
  };
}

/**
 * What follows the cursor: the rest of its file, then each newer rotation and the live file,
 * as far as `maxBytes` goes (`more` when a rotated file or much of the live one is left).
 */
async function follow(
  files: { path: string; ino: number }[],
  live: { path: string; ino: number } | undefined,
  c: { ino: number; offset: number },
  o: ReadLogOptions,
): Promise<Page> {
  let at = files.findIndex((f) => f.ino === c.ino);
  let offset = c.offset;
  if (at === -1) {
    if (!files.length) return { lines: [], cursor: cursorOf(0, 0), more: false };
    at = files.length - 1;
    offset = 0;
  }
  let budget = o.maxBytes;
  const parts: string[] = [];
  for (;;) {
    const f = files[at]!;
    const r = await readRange(f.path, offset, budget);
    parts.push(r.text);
    const size = (await stat(f.path).catch(() => null))?.size ?? r.end;
    const page = (more: boolean): Page => ({
      lines: parseLines(parts.join(''), o.format),
      cursor: cursorOf(f.ino, r.end),
      more,
    });
    // The live file grows: a half line waits for its end; cut short by the budget or far
    // behind, ask again at once.
    if (f === live) return page(size - offset > budget || size - r.end > MORE_SLACK);
    // A rotated file no longer changes: what the budget left comes next (an unended last line never will).
    if (size - offset > budget) return page(true);
    budget -= Buffer.byteLength(r.text);
    if (at === 0) return page(false);
    at -= 1;
    offset = 0;
  }
}
