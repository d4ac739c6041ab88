// Turns one line of containerd's output (logrus logfmt, logrus JSON, or anything else) into a LogLine, fast.
import { normaliseLevel, type LogLevel } from '../../common/log-level-names';
import type { LogLine } from '../../common/states';
import { formatBytes } from '../../common/format-bytes';
import { jsonRecord } from '../../common/json-record';

/** Digit at position i of s, or -1 when it is not an ASCII digit. */
function digit(s: string, i: number): number {
  const d = s.charCodeAt(i) - 48;
  return d >= 0 && d <= 9 ? d : -1;
}

/** Reads `len` digits at `i` as a number, -1 on any non-digit. */
function num(s: string, i: number, len: number): number {
  let v = 0;
  for (let k = 0; k < len; k++) {
    const d = digit(s, i + k);
    if (d < 0) return -1;
    v = v * 10 + d;
  }
  return v;
}

/**
 * RFC 3339 with any fraction length (containerd writes RFC3339NanoFixed: 9 digits, Z or
 * ±hh:mm) → epoch ms, NaN if it is not that shape. Hand-rolled because Date.parse is slower
 * and not specified for more than 3 fraction digits.
 */
export function parseRfc3339(s: string): number {
  const n = s.length;
  if (n < 20) return NaN;
  const year = num(s, 0, 4);
  const month = num(s, 5, 2);
  const day = num(s, 8, 2);
  const hour = num(s, 11, 2);
  const minute = num(s, 14, 2);
  const second = num(s, 17, 2);
  const sep = s.charCodeAt(10);
  if (
    year < 0 ||
    month < 1 ||
    month > 12 ||
    day < 1 ||
    day > 31 ||
    hour < 0 ||
    hour > 23 ||
    minute < 0 ||
    minute > 59 ||
    second < 0 ||
    second > 60 ||
    s.charCodeAt(4) !== 45 ||
    s.charCodeAt(7) !== 45 ||
    (sep !== 84 && sep !== 116 && sep !== 32) ||
    s.charCodeAt(13) !== 58 ||
    s.charCodeAt(16) !== 58
  ) {
    return NaN;
  }
  let i = 19;
  let ms = 0;
  if (s.charCodeAt(i) === 46) {
    i++;
    let k = 0;
    let d: number;
    while (i < n && (d = digit(s, i)) >= 0) {
      // Only milliseconds survive; nanoseconds are truncated, not rounded, so order is kept.
      if (k < 3) ms = ms * 10 + d;
      k++;
      i++;
    }
    if (k === 0) return NaN;
    for (; k < 3; k++) ms *= 10;
  }
  let offsetMin = 0;
  const z = s.charCodeAt(i);
  if (z === 90 || z === 122) {
    i++;
  } else if (z === 43 || z === 45) {
    const oh = num(s, i + 1, 2);
    const om = num(s, i + 4, 2);
    if (oh < 0 || om < 0 || s.charCodeAt(i + 3) !== 58) return NaN;
    offsetMin = (oh * 60 + om) * (z === 45 ? -1 : 1);
    i += 6;
  } else {
    return NaN;
  }
  if (i !== n) return NaN;
  return Date.UTC(year, month - 1, day, hour, minute, second, ms) - offsetMin * 60_000;
}

function parseTime(s: string, now: number): number {
  const t = parseRfc3339(s);
  if (t === t) return t; // not NaN
  const fallback = Date.parse(s);
  return Number.isNaN(fallback) ? now : fallback;
}

/** Sets a field without letting a key named "__proto__" reach the prototype setter. */
function setField(fields: Record<string, string>, key: string, value: string): void {
  if (key === '__proto__') {
    Object.defineProperty(fields, key, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  } else {
    fields[key] = value;
  }
}

function hexValue(s: string, i: number, len: number): number {
  let v = 0;
  for (let k = 0; k < len; k++) {
    const c = s.charCodeAt(i + k);
    let d: number;
    if (c >= 48 && c <= 57) d = c - 48;
    else if (c >= 97 && c <= 102) d = c - 87;
    else if (c >= 65 && c <= 70) d = c - 55;
    else return -1;
    v = v * 16 + d;
  }
  return v;
}

// Scanner state shared by the helpers below; one parse runs at a time (JS is single-threaded),
// so module-level scratch avoids allocating a result object per value.
let scanEnd = 0;
let scanTime: string | undefined;
let scanLevel: string | undefined;
let scanMsg: string | undefined;

/**
 * Decodes a Go %q string whose opening quote is at `start - 1` and that contains at least one
 * backslash. Returns the value and leaves the index after the closing quote in `scanEnd`, or
 * returns null when the quote never closes.
 */
function unquoteSlow(raw: string, start: number): string | null {
  const n = raw.length;
  let out = '';
  let seg = start;
  let i = start;
  while (i < n) {
    const c = raw.charCodeAt(i);
    if (c === 34) {
      scanEnd = i + 1;
      return out + raw.slice(seg, i);
    }
    if (c !== 92) {
      i++;
      continue;
    }
    out += raw.slice(seg, i);
    const e = raw.charCodeAt(i + 1);
    let skip = 2;
    switch (e) {
      case 110:
        out += '\n';
        break;
      case 116:
        out += '\t';
        break;
      case 114:
        out += '\r';
        break;
      case 34:
        out += '"';
        break;
      case 92:
        out += '\\';
        break;
      case 39:
        out += "'";
        break;
      case 97:
        out += '\x07';
        break;
      case 98:
        out += '\b';
        break;
      case 102:
        out += '\f';
        break;
      case 118:
        out += '\v';
        break;
      case 120: // \xNN: a byte; above 0x7f it was invalid UTF-8 in Go, so it stays a replacement char.
      case 117: // \uNNNN
      case 85: {
        // \UNNNNNNNN
        const len = e === 120 ? 2 : e === 117 ? 4 : 8;
        const v = hexValue(raw, i + 2, len);
        if (v < 0 || v > 0x10ffff) {
          out += raw.slice(i, i + 2);
        } else {
          out += e === 120 && v > 0x7f ? '\ufffd' : String.fromCodePoint(v);
          skip = 2 + len;
        }
        break;
      }
      default:
        if (e >= 48 && e <= 55) {
          // \NNN octal byte
          const a = digit(raw, i + 2);
          const b = digit(raw, i + 3);
          if (a >= 0 && a <= 7 && b >= 0 && b <= 7) {
            const v = (e - 48) * 64 + a * 8 + b;
            out += v > 0x7f ? '\ufffd' : String.fromCharCode(v);
            skip = 4;
            break;
          }
        }
        // Not an escape Go would write: keep it verbatim rather than guess.
        out += raw.slice(i, i + 2);
    }
    i += skip;
    seg = i;
  }
  return null;
}

/**
 * Hand-rolled logfmt scanner (one pass, no regex, no backtracking). Fills `fields` with every
 * pair and returns true only when the whole line is `key=value` pairs, so a panic stack line
 * that happens to contain an '=' is not mistaken for a structured line.
 */
function scanLogfmt(raw: string, fields: Record<string, string>): boolean {
  const n = raw.length;
  let i = 0;
  let pairs = 0;
  // Position of the next backslash at or after i, found once and reused: calling indexOf for
  // every quoted value would rescan the rest of the line each time.
  let nextBackslash = -2;
  scanTime = scanLevel = scanMsg = undefined;
  while (i < n) {
    let c = raw.charCodeAt(i);
    if (c === 32) {
      i++;
      continue;
    }
    const keyStart = i;
    while (c !== 61 && c !== 32 && c !== 34) {
      if (++i >= n) return false;
      c = raw.charCodeAt(i);
    }
    if (c !== 61 || i === keyStart) return false;
    const key = raw.slice(keyStart, i);
    i++;
    let value: string;
    if (i < n && raw.charCodeAt(i) === 34) {
      i++;
      const q = raw.indexOf('"', i);
      if (q < 0) return false;
      if (nextBackslash !== -1 && nextBackslash < i) nextBackslash = raw.indexOf('\\', i);
      if (nextBackslash === -1 || nextBackslash > q) {
        value = raw.slice(i, q);
        i = q + 1;
      } else {
        const v = unquoteSlow(raw, i);
        if (v === null) return false;
        value = v;
        i = scanEnd;
        nextBackslash = -2;
      }
      if (i < n && raw.charCodeAt(i) !== 32) return false;
    } else {
      const start = i;
      while (i < n && raw.charCodeAt(i) !== 32) i++;
      value = raw.slice(start, i);
    }
    // logrus's own keys are held aside rather than deleted later: delete turns the
    // fields object into a slow dictionary-mode object.
    if (key === 'time') scanTime = value;
    else if (key === 'level') scanLevel = value;
    else if (key === 'msg') scanMsg = value;
    else setField(fields, key, value);
    pairs++;
  }
  return pairs > 0;
}

function stringify(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

function unknownLine(raw: string, seq: number, now: number): LogLine {
  return { seq, time: now, level: 'unknown', msg: raw, fields: {}, raw };
}

/** Lifts time/level/msg out of the scanned pairs; the rest stay as fields. */
function finish(
  raw: string,
  seq: number,
  now: number,
  fields: Record<string, string>,
  time: string | undefined,
  level: string | undefined,
  msg: string | undefined,
): LogLine {
  let lvl: LogLevel = 'unknown';
  if (level !== undefined) {
    lvl = normaliseLevel(level);
    // Keep a level we do not know so nothing the daemon said is lost.
    if (lvl === 'unknown') setField(fields, 'level', level);
  }
  return {
    seq,
    time: time === undefined ? now : parseTime(time, now),
    level: lvl,
    msg: msg ?? '',
    fields,
    raw,
  };
}

function parseJson(raw: string, seq: number, now: number): LogLine | null {
  const obj = jsonRecord(raw);
  if (!obj) return null;
  const fields: Record<string, string> = {};
  let time: string | undefined;
  let level: string | undefined;
  let msg: string | undefined;
  for (const [k, v] of Object.entries(obj)) {
    if (k === 'time' && typeof v === 'string') time = v;
    else if (k === 'level' && typeof v === 'string') level = v;
    else if (k === 'msg') msg = stringify(v);
    else setField(fields, k, stringify(v));
  }
  if (time === undefined && level === undefined && msg === undefined) return null;
  return finish(raw, seq, now, fields, time, level, msg);
}

/**
 * Parses one line (without its newline). `now` stands in for a missing or unreadable
 * timestamp. Never throws: anything unrecognised becomes level 'unknown' with msg = raw.
 */
export function parseLogLine(raw: string, seq: number, now: number): LogLine {
  const first = raw.charCodeAt(0);
  if (first === 123) {
    return parseJson(raw, seq, now) ?? unknownLine(raw, seq, now);
  }
  const fields: Record<string, string> = {};
  if (!scanLogfmt(raw, fields)) return unknownLine(raw, seq, now);
  // A line is logrus output only if it carries at least one of logrus's own keys.
  if (scanTime === undefined && scanLevel === undefined && scanMsg === undefined) {
    return unknownLine(raw, seq, now);
  }
  return finish(raw, seq, now, fields, scanTime, scanLevel, scanMsg);
}

/** The visible end of a line that was cut: " … [cut 63 KiB]" (what was dropped, in bytes). */
export function cutMarker(droppedBytes: number): string {
  return ` … [cut ${formatBytes(droppedBytes)}]`;
}

/**
 * Parses the kept head of a line that was too long, then marks it: the marker ends raw (and
 * msg), and when the cut broke the logfmt/JSON shape, time and level are still read from the
 * head so a cut error line still passes an "error and worse" filter.
 */
export function parseCutLine(
  head: string,
  droppedBytes: number,
  seq: number,
  now: number,
): LogLine {
  const marker = cutMarker(droppedBytes);
  const line = parseLogLine(head, seq, now);
  if (line.level === 'unknown' && line.msg === line.raw) {
    const lvl = /(?:^|[ ,{])"?level"?[=:]"?([A-Za-z]+)/.exec(head.slice(0, 512));
    const time = /(?:^|[ ,{])"?time"?[=:]"?([0-9][0-9T:.+-]+Z?)/.exec(head.slice(0, 512));
    const msg = /(?:^|[ ,{])"?msg"?[=:]"/.exec(head);
    if (lvl) line.level = normaliseLevel(lvl[1] as string);
    if (time) line.time = parseTime(time[1] as string, now);
    // The value is still escaped (its closing quote was cut away): good enough to read.
    if (msg && lvl) line.msg = head.slice(msg.index + msg[0].length);
  }
  const raw = head + marker;
  line.msg = line.msg === line.raw ? raw : line.msg + marker;
  line.raw = raw;
  return line;
}

/** Lines shorter than this are shown as they are, however many bytes were not UTF-8. */
const BINARY_MIN_CHARS = 128;

/**
 * A line that is mostly bytes that are not UTF-8 (binary output, a corrupt file) shows its
 * first 64 characters and a note instead of thousands of U+FFFD: each costs 3 bytes in every
 * reply and 2 in memory, and says nothing. A line with a few bad bytes is kept as decoded.
 */
export function collapseBinary(text: string): string {
  if (text.length < BINARY_MIN_CHARS) return text;
  let bad = 0;
  for (let i = text.indexOf('\ufffd'); i !== -1; i = text.indexOf('\ufffd', i + 1)) bad++;
  if (bad * 4 < text.length) return text;
  return `${text.slice(0, 64)} … [not UTF-8: ${bad} invalid sequences in ${text.length} characters]`;
}
