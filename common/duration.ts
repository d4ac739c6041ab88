// Durations as people type and read them, one grammar for every surface: 500ms, 30s, 2m, 1h, 1d, 1h 30m.

/** The units, largest first. */
export const DURATION_UNITS = ['d', 'h', 'm', 's', 'ms'] as const;
export type DurationUnit = (typeof DURATION_UNITS)[number];

const UNIT_MS: Record<DurationUnit, number> = {
  d: 86_400_000,
  h: 3_600_000,
  m: 60_000,
  s: 1000,
  ms: 1,
};

// `min` was accepted by settings before there was one grammar; old scripts keep working.
const UNIT_ALIASES: Record<string, DurationUnit> = { min: 'm' };

const UNIT_WORDS: Record<DurationUnit, string> = {
  d: 'days',
  h: 'hours',
  m: 'minutes',
  s: 'seconds',
  ms: 'milliseconds',
};

/** The accepted forms, for errors and --help. */
export const DURATION_FORMS = '500ms, 30s, 2m, 1h, 1d or 1h30m';

export interface DurationParseOptions {
  /** What a bare number means ("500" → 500 ms); null when a unit is required. Default 'ms'. */
  bare?: DurationUnit | null;
}

/** "must be a duration like 500ms, … (a bare number is milliseconds)": callers put the field in front. */
export function durationHint(bare: DurationUnit | null = 'ms'): string {
  return bare === null
    ? `must be a duration with a unit, like ${DURATION_FORMS}`
    : `must be a duration like ${DURATION_FORMS} (a bare number is ${UNIT_WORDS[bare]})`;
}

function unitNamed(word: string): DurationUnit | undefined {
  return (DURATION_UNITS as readonly string[]).includes(word)
    ? (word as DurationUnit)
    : UNIT_ALIASES[word];
}

/** Float noise (1.1 × 1000 = 1100.0000000000002) is not a fraction of a millisecond. */
function snap(n: number): number {
  const r = Math.round(n);
  return Math.abs(n - r) < 1e-6 * Math.max(1, Math.abs(n)) ? r : n;
}

const PART = /\s*(\d+(?:\.\d+)?|\.\d+)\s*([a-zA-Z]*)/y;

/**
 * Text to whole milliseconds: one or more `<number><unit>` parts, largest unit first ("1h 30m",
 * "1m30s", "1.5s"); a leading `-` is kept so range checks can name the bound. Never throws.
 */
export function parseDuration(
  text: string,
  opts: DurationParseOptions = {},
): { value: number } | { error: string } {
  const bare = opts.bare === undefined ? 'ms' : opts.bare;
  const bad = { error: durationHint(bare) };
  let t = text.trim();
  const negative = t.startsWith('-');
  if (negative) t = t.slice(1);
  if (t === '') return bad;
  let total = 0;
  let pos = 0;
  let parts = 0;
  let last = Infinity;
  while (pos < t.length) {
    PART.lastIndex = pos;
    const m = PART.exec(t);
    if (!m) return bad;
    pos = PART.lastIndex;
    const word = m[2]!.toLowerCase();
    const unit = word === '' ? bare : unitNamed(word);
    // A bare number only stands alone: in "1m 30" the 30 could mean anything.
    if (!unit || (word === '' && (parts > 0 || /\S/.test(t.slice(pos))))) return bad;
    // Largest first, each unit once: "30s 1m" and "1m 1m" are typos, not sums.
    if (UNIT_MS[unit] >= last) return bad;
    last = UNIT_MS[unit];
    total += Number(m[1]) * UNIT_MS[unit];
    parts++;
  }
  const value = snap(total);
  if (!Number.isInteger(value)) {
    return { error: 'must be whole milliseconds (at most 3 decimals in seconds: 1.5s, 1500ms)' };
  }
  return { value: negative && value !== 0 ? -value : value };
}

export interface DurationStyle {
  /** At most this many units, largest first ("1h 2m" with 2); the rest is dropped. Default: exact. */
  parts?: number;
  /** The smallest unit shown (uptimes and ages: 's'); what is below it is dropped. Default 'ms'. */
  smallest?: DurationUnit;
}

/**
 * Milliseconds in the grammar parseDuration reads back: "500ms", "30s", "1h 2m 5s", "1d 2h".
 * Dropped parts are cut, never rounded up, like a clock: 59.9 s of uptime is "59s". A negative
 * span (clock skew between two machines) reads as zero.
 */
export function formatDuration(ms: number, style: DurationStyle = {}): string {
  const smallest = DURATION_UNITS.indexOf(style.smallest ?? 'ms');
  let rest = Math.max(0, Math.floor(Number.isFinite(ms) ? ms : 0));
  const out: string[] = [];
  let first = -1;
  for (let i = 0; i <= smallest; i++) {
    const unit = DURATION_UNITS[i]!;
    const n = Math.floor(rest / UNIT_MS[unit]);
    rest -= n * UNIT_MS[unit];
    if (n > 0 && first === -1) first = i;
    if (n > 0) out.push(`${n}${unit}`);
    // `parts` counts units from the first one shown, zero or not: 1h 0m 5s with 2 parts is "1h".
    if (first !== -1 && i - first + 1 >= (style.parts ?? Infinity)) break;
  }
  return out.length ? out.join(' ') : `0${DURATION_UNITS[smallest]}`;
}

/** Uptimes and ages in status lines and tables: "1h 2m 5s", "3d 4h 12m", "0s". */
export const ELAPSED: DurationStyle = { smallest: 's', parts: 3 };

/** A wait still to come, in whole seconds rounded up so it never reads 0s while waiting: "3s", "1m 5s". */
export function formatCountdown(ms: number): string {
  return formatDuration(Math.ceil(Math.max(0, ms) / 1000) * 1000, { smallest: 's', parts: 2 });
}
