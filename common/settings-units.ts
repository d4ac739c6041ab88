// Units of numeric settings: stored as ms / bytes / fractions, shown and typed as s, MiB, %.
import { formatDuration, parseDuration, type DurationUnit } from './duration';

/** What a numeric setting is stored in. */
export type StoredUnit = 'ms' | 'bytes' | 'ratio' | 'count';

/** What the form shows (and takes) for it. */
export type ShownUnit = 's' | 'ms' | 'MiB' | 'KiB' | '%' | '';

const FACTOR: Record<ShownUnit, number> = {
  s: 1000,
  ms: 1,
  MiB: 1 << 20,
  KiB: 1 << 10,
  '%': 0.01,
  '': 1,
};

/** The unit a stored unit is shown in unless a setting says otherwise. */
export const DEFAULT_SHOWN: Record<StoredUnit, ShownUnit> = {
  ms: 's',
  bytes: 'MiB',
  ratio: '%',
  count: '',
};

/** Float noise from the factor (1.1 × 1000 = 1100.0000000000002) is not a fraction. */
function snap(n: number): number {
  const r = Math.round(n);
  return Math.abs(n - r) < 1e-6 * Math.max(1, Math.abs(n)) ? r : n;
}

/** A stored value in the shown unit, as the form's input text ("30", "0.5", "20"). */
export function toShown(value: number, shown: ShownUnit): string {
  const v = value / FACTOR[shown];
  return String(Number(v.toPrecision(12)));
}

/** The form's text in the shown unit back to the stored value (ms and bytes are whole). */
export function fromShown(
  text: string,
  shown: ShownUnit,
  stored: StoredUnit,
): { value: number } | { error: string } {
  const t = text.trim();
  if (t === '') return { error: 'enter a number' };
  // A duration field takes the one grammar too ("1d", "500ms"); a bare number is the shown unit.
  if (stored === 'ms' && (shown === 's' || shown === 'ms')) {
    return parseDuration(t, { bare: shown satisfies DurationUnit });
  }
  const n = Number(t);
  if (!Number.isFinite(n)) return { error: 'must be a number' };
  const v =
    stored === 'ratio' ? Number((n * FACTOR[shown]).toPrecision(12)) : snap(n * FACTOR[shown]);
  if (stored !== 'ratio' && !Number.isInteger(v)) {
    return {
      error: stored === 'bytes' ? 'must be whole bytes' : 'must be a whole number',
    };
  }
  return { value: v };
}

const KiB = 1 << 10;
const MiB = 1 << 20;
const GiB = 1 << 30;

/** A stored amount as a person reads it: "500ms", "30s", "1m 30s", "10 MiB", "20 %", "5". */
export function formatAmount(value: number, stored: StoredUnit): string {
  const num = (n: number) => String(Number(n.toPrecision(6)));
  switch (stored) {
    case 'ms':
      return formatDuration(value);
    case 'bytes':
      if (value >= GiB && value % GiB === 0) return `${value / GiB} GiB`;
      if (value >= MiB) return `${num(value / MiB)} MiB`;
      if (value >= KiB) return `${num(value / KiB)} KiB`;
      return `${value} bytes`;
    case 'ratio':
      return `${num(value * 100)} %`;
    default:
      return num(value);
  }
}

/** One word for flags and --help ("500ms", "1m30s", "10MiB"): what parseAmount reads back. */
export function formatAmountShort(value: number, stored: StoredUnit): string {
  return formatAmount(value, stored).replace(/ /g, '');
}

const SIZE: Record<string, number> = {
  b: 1,
  bytes: 1,
  k: KiB,
  kb: KiB,
  kib: KiB,
  m: MiB,
  mb: MiB,
  mib: MiB,
  g: GiB,
  gb: GiB,
  gib: GiB,
};

/**
 * Text typed in a terminal (flags, `cdesk settings set`) to the stored value. A bare number is
 * the stored unit (ms, bytes), so old scripts keep working; a suffix says otherwise: durations as
 * common/duration.ts reads them (500ms, 30s, 2m, 1h, 1d); 512KiB, 10MiB, 1GiB; 20% for a ratio.
 */
export function parseAmount(
  text: string,
  stored: StoredUnit,
): { value: number } | { error: string } {
  if (stored === 'ms') return parseDuration(text);
  const m = /^\s*(-?\d+(?:\.\d+)?)\s*([a-zA-Z%]*)\s*$/.exec(text);
  const hint =
    stored === 'bytes'
      ? 'a size like 512KiB or 10MiB (a bare number is bytes)'
      : stored === 'ratio'
        ? 'a fraction like 0.2 or a percentage like 20%'
        : 'a whole number';
  if (!m) return { error: `must be ${hint}` };
  const n = Number(m[1]);
  const suffix = m[2]!.toLowerCase();
  let factor: number | undefined = 1;
  if (suffix) {
    factor =
      stored === 'bytes' ? SIZE[suffix] : stored === 'ratio' && suffix === '%' ? 0.01 : undefined;
  }
  if (factor === undefined) return { error: `must be ${hint}` };
  const v = stored === 'ratio' ? Number((n * factor).toPrecision(12)) : snap(n * factor);
  if (stored !== 'ratio' && !Number.isInteger(v)) {
    return {
      error: stored === 'count' ? `must be ${hint}` : `must be ${hint}, in whole ${stored}`,
    };
  }
  return { value: v };
}
