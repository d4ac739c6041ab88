// argv parsing on node:util's parseArgs, strict in our own words: known flags only, errors naming
// the flag and the fix ("did you mean --backoff-max?"), negative numbers read as values.
import { parseArgs as tokenize } from 'node:util';
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

/** One option, in node:util parseArgs' own terms. */
export interface FlagSpec {
  /** 'string' takes a value (`--x V`, `--x=V`, `-x V`), 'boolean' takes none. */
  type: 'string' | 'boolean';
  /** A one-letter form (`-f`). */
  short?: string;
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

/**
 * Parse argv against a spec; unknown flags, missing values and values on booleans throw
 * UsageError. node:util tokenizes (`--x=V`, `-abc` groups, `--`); the checks are ours, made over
 * its tokens in non-strict mode, because its strict errors name neither the nearest flag nor
 * take `--lines -2` or `settings set KEY -5`.
 */
export function parseArgs(argv: string[], spec: Record<string, FlagSpec>): Parsed {
  const { tokens } = tokenize({
    args: argv,
    options: spec,
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  const flags: Parsed['flags'] = {};
  const positionals: string[] = [];
  let negativeAt = -1;
  for (const t of tokens) {
    if (t.kind === 'option-terminator') continue;
    if (t.kind === 'positional') {
      positionals.push(t.value);
      continue;
    }
    const arg = argv[t.index]!;
    // "-0.5" arrives as the short options 0, . and 5 (one token each, one index): one value.
    if (NEGATIVE_NUMBER.test(arg)) {
      if (t.index !== negativeAt) positionals.push(arg);
      negativeAt = t.index;
      continue;
    }
    const s = Object.hasOwn(spec, t.name) ? spec[t.name] : undefined;
    if (!s) throw new UsageError(unknownOption(t.rawName, t.rawName.replace(/^--?/, ''), spec));
    if (s.type === 'boolean') {
      if (t.value !== undefined) throw new UsageError(`option --${t.name} takes no value`);
      flags[t.name] = true;
      continue;
    }
    // Non-strict tokenizing takes the next word whatever it is: `--since --json` lacks a value.
    const taken = !t.inlineValue && t.value !== undefined;
    const looksLikeOption =
      taken && t.value!.startsWith('-') && t.value !== '-' && !NEGATIVE_NUMBER.test(t.value!);
    if (t.value === undefined || looksLikeOption) {
      throw new UsageError(`option --${t.name} needs a value`);
    }
    flags[t.name] = t.value;
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
