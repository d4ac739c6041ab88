// A small strict argv parser: known flags only, clear errors naming the flag and the fix.
import {
  durationHint,
  formatDuration,
  parseDuration,
  type DurationUnit,
} from '../../common/duration';
import { editDistance } from '../../common/edit-distance';

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** `-5`, `-0.5`: values, not options (no option of ours is a digit). */
const NEGATIVE_NUMBER = /^-\d+(\.\d+)?$/;

export interface FlagSpec {
  /** 'string' takes a value (`--x V` or `--x=V`), 'boolean' takes none. */
  type: 'string' | 'boolean';
  alias?: string;
}

export interface Parsed {
  flags: Record<string, string | boolean | undefined>;
  positionals: string[];
}

/** "unknown option --backof-max; did you mean --backoff-max?", else the known options. */
function unknownOption(arg: string, rawName: string, spec: Record<string, FlagSpec>): string {
  const names = Object.keys(spec);
  const scored = names.map((n) => ({ n, d: editDistance(rawName.toLowerCase(), n) }));
  const best = scored.sort((a, b) => a.d - b.d)[0];
  if (best && arg.startsWith('--') && best.d <= Math.max(1, Math.floor(rawName.length / 4))) {
    return `unknown option ${arg}; did you mean --${best.n}?`;
  }
  const known = names.map((k) => `--${k}`).join(', ');
  return `unknown option ${arg}${known ? ` (known: ${known})` : ''}`;
}

/** Parse argv against a spec; unknown flags and missing values throw UsageError. */
export function parseArgs(argv: string[], spec: Record<string, FlagSpec>): Parsed {
  const flags: Parsed['flags'] = {};
  const positionals: string[] = [];
  const byAlias = new Map<string, string>();
  for (const [name, s] of Object.entries(spec)) if (s.alias) byAlias.set(s.alias, name);
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-' || NEGATIVE_NUMBER.test(arg)) {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const rawName = arg.startsWith('--') ? arg.slice(2, eq === -1 ? undefined : eq) : arg.slice(1);
    const name = arg.startsWith('--') ? rawName : byAlias.get(rawName);
    const s = name !== undefined ? spec[name] : undefined;
    if (!name || !s) throw new UsageError(unknownOption(arg, rawName, spec));
    if (s.type === 'boolean') {
      if (eq !== -1) throw new UsageError(`option --${name} takes no value`);
      flags[name] = true;
      continue;
    }
    let value: string | undefined;
    if (eq !== -1 && arg.startsWith('--')) value = arg.slice(eq + 1);
    else {
      value = argv[i + 1];
      if (
        value === undefined ||
        (value.startsWith('-') && value !== '-' && !NEGATIVE_NUMBER.test(value))
      ) {
        throw new UsageError(`option --${name} needs a value`);
      }
      i++;
    }
    flags[name] = value;
  }
  return { flags, positionals };
}

/** Parse a flag as an integer in [min, max]; the error names the flag and the range. */
export function intFlag(
  flags: Parsed['flags'],
  name: string,
  min: number,
  max: number,
): number | undefined {
  const v = flags[name];
  if (v === undefined) return undefined;
  const n = typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new UsageError(
      `--${name} must be a whole number from ${min} to ${max} (got ${String(v)})`,
    );
  }
  return n;
}

/**
 * Parse a flag as a duration in [minMs, maxMs] (ms); a bare number is `bare` ("--timeout 30" is
 * seconds, as it always was). The error names the flag, the forms it takes and the range.
 */
export function durationFlag(
  flags: Parsed['flags'],
  name: string,
  bare: DurationUnit,
  minMs: number,
  maxMs: number,
): number | undefined {
  const v = flags[name];
  if (v === undefined) return undefined;
  const got = typeof v === 'string' ? parseDuration(v, { bare }) : { error: durationHint(bare) };
  if ('error' in got) throw new UsageError(`--${name} ${got.error} (got ${String(v)})`);
  if (got.value < minMs || got.value > maxMs) {
    throw new UsageError(
      `--${name} must be from ${formatDuration(minMs)} to ${formatDuration(maxMs)} (got ${String(v)})`,
    );
  }
  return got.value;
}
