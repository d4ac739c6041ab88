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
async function readTail(path: string, maxBytes: number): Promise<{ text: string; end: number }> {
  const h = await open(path, 'r').catch(() => null);
  if (!h) return { text: '', end: 0 };
  try {
    const size = (await h.stat()).size;
    const from = Math.max(0, size - maxBytes);
    const buf = Buffer.alloc(size - from);
    const { bytesRead } = await h.read(buf, 0, buf.length, from);
    const last = buf.subarray(0, bytesRead).lastIndexOf(10);
    if (last === -1) return { text: '', end: from };
    const first = from > 0 ? buf.indexOf(10) + 1 : 0;
    return {
      text: first <= last ? buf.subarray(first, last + 1).toString('utf8') : '',
      end: from + last + 1,
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

/** A page of the log at `file` (and its rotations): the newest lines, or what follows `cursor`. */
export async function readContainerLog(file: string, o: ReadLogOptions): Promise<Page> {
  const files = await rotations(file);
  const live = files[0]?.path === file ? files[0] : undefined;
  const c = o.cursor ? parseCursor(o.cursor) : null;
  if (c) return follow(file, files, live, c, o);
  // Newest file first, until the budget or the tail is met.
  const chunks: ContainerLogLine[][] = [];
  let budget = o.maxBytes;
  let count = 0;
  let liveEnd = 0;
  for (const f of files) {
    if (budget <= 0 || (o.tail !== undefined && count >= o.tail)) break;
    const { text, end } = await readTail(f.path, budget);
    if (f === live) liveEnd = end;
    budget -= Buffer.byteLength(text);
    const lines = parseLines(text, o.format);
    chunks.unshift(lines);
    count += lines.length;
  }
  let lines = chunks.flat();
  if (o.sinceMs !== undefined) lines = lines.filter((l) => l.time >= o.sinceMs!);
  if (o.tail !== undefined) lines = o.tail === 0 ? [] : lines.slice(-o.tail);
  return { lines, cursor: cursorOf(live?.ino ?? 0, liveEnd), more: false };
}

async function follow(
  file: string,
  files: { path: string; ino: number }[],
  live: { path: string; ino: number } | undefined,
  c: { ino: number; offset: number },
  o: ReadLogOptions,
): Promise<Page> {
  let budget = o.maxBytes;
  const parts: string[] = [];
  let curIno = c.ino;
  let curOff = c.offset;
  if (!live || live.ino !== c.ino) {
    // The file we followed was rotated: finish it where it now lives, then the new live file.
    const old = files.find((f) => f.ino === c.ino);
    if (old) {
      const r = await readRange(old.path, c.offset, budget);
      parts.push(r.text);
      budget -= Buffer.byteLength(r.text);
      const rest = (await stat(old.path)).size - r.end;
      if (rest > MORE_SLACK || !live)
        return {
          lines: parseLines(parts.join(''), o.format),
          cursor: cursorOf(c.ino, r.end),
          more: rest > MORE_SLACK,
        };
    }
    if (!live) return { lines: [], cursor: cursorOf(0, 0), more: false };
    curIno = live.ino;
    curOff = 0;
  }
  const r = await readRange(file, curOff, budget);
  parts.push(r.text);
  const size = (await stat(file).catch(() => null))?.size ?? r.end;
  return {
    lines: parseLines(parts.join(''), o.format),
    cursor: cursorOf(curIno, r.end),
    more: size - r.end > MORE_SLACK,
  };
}
