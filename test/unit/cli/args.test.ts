import { describe, expect, it } from 'vitest';
import { durationFlag, intFlag, parseArgs, UsageError } from '../../../main/cli/args';

const spec = {
  json: { type: 'boolean' as const },
  follow: { type: 'boolean' as const, short: 'f' },
  since: { type: 'string' as const },
  lines: { type: 'string' as const, short: 'n' },
};

describe('parseArgs', () => {
  it('reads booleans, aliases, --x V and --x=V, and positionals', () => {
    expect(parseArgs(['get', '--json', '-f', '--since', '5m', '--lines=3', 'key'], spec)).toEqual({
      flags: { json: true, follow: true, since: '5m', lines: '3' },
      positionals: ['get', 'key'],
    });
  });

  it('takes everything after -- as positionals', () => {
    expect(parseArgs(['--', '--json', '-5'], spec).positionals).toEqual(['--json', '-5']);
  });

  it('reads negative numbers as values, not options (settings set KEY -5)', () => {
    expect(parseArgs(['set', 'restart.backoffInitialMs', '-5'], spec).positionals).toEqual([
      'set',
      'restart.backoffInitialMs',
      '-5',
    ]);
    expect(parseArgs(['--lines', '-2'], spec).flags.lines).toBe('-2');
  });

  it('reads -0.5 as one value, whatever node:util makes of its characters', () => {
    expect(parseArgs(['set', 'k', '-0.5'], spec).positionals).toEqual(['set', 'k', '-0.5']);
    expect(parseArgs(['--lines=-2'], spec).flags.lines).toBe('-2');
  });

  it('reads short groups and a short option with its value attached', () => {
    expect(parseArgs(['-fn3'], spec).flags).toEqual({ follow: true, lines: '3' });
    expect(parseArgs(['-n', '3', '-f'], spec).flags).toEqual({ follow: true, lines: '3' });
  });

  it('lets a later flag win, as shells and aliases expect', () => {
    expect(parseArgs(['--since', '5m', '--since=1h'], spec).flags.since).toBe('1h');
  });

  it('knows no option from the object prototype', () => {
    expect(() => parseArgs(['--constructor'], spec)).toThrow(/unknown option --constructor/);
  });

  it('treats a lone - as a positional', () => {
    expect(parseArgs(['-'], spec).positionals).toEqual(['-']);
  });

  it('rejects an unknown option, listing the known ones', () => {
    expect(() => parseArgs(['--nope'], spec)).toThrow(UsageError);
    expect(() => parseArgs(['--nope'], spec)).toThrow(/--json/);
    expect(() => parseArgs(['-x'], spec)).toThrow(/unknown option -x/);
  });

  it('suggests the nearest option for a typo', () => {
    expect(() => parseArgs(['--sinse', '5m'], spec)).toThrow(
      'unknown option --sinse; did you mean --since?',
    );
    expect(() => parseArgs(['--JSON'], spec)).toThrow('did you mean --json?');
  });

  it('rejects a missing value, and a value that looks like a flag', () => {
    expect(() => parseArgs(['--since'], spec)).toThrow(/--since needs a value/);
    expect(() => parseArgs(['--since', '--json'], spec)).toThrow(/needs a value/);
  });

  it('rejects a value on a boolean flag', () => {
    expect(() => parseArgs(['--json=yes'], spec)).toThrow(/takes no value/);
  });
});

describe('intFlag', () => {
  it('parses an integer in range', () => {
    expect(intFlag({ n: '42' }, 'n', 1, 100)).toBe(42);
    expect(intFlag({}, 'n', 1, 100)).toBeUndefined();
  });

  it('rejects non-integers and out-of-range values, naming the flag and range', () => {
    expect(() => intFlag({ n: '4.5' }, 'n', 1, 100)).toThrow(
      /--n must be a whole number from 1 to 100/,
    );
    expect(() => intFlag({ n: '0' }, 'n', 1, 100)).toThrow(UsageError);
    expect(() => intFlag({ n: 'x' }, 'n', 1, 100)).toThrow(/got x/);
  });
});

describe('durationFlag', () => {
  it('reads every duration form; a bare number keeps the unit the flag always had', () => {
    expect(durationFlag({ t: '90s' }, 't', 's', 0, 3_600_000)).toBe(90_000);
    expect(durationFlag({ t: '500ms' }, 't', 's', 0, 3_600_000)).toBe(500);
    expect(durationFlag({ t: '30' }, 't', 's', 0, 3_600_000)).toBe(30_000);
    expect(durationFlag({}, 't', 's', 0, 3_600_000)).toBeUndefined();
  });

  it('names the flag, the forms it takes and the range', () => {
    expect(() => durationFlag({ t: 'soon' }, 't', 's', 0, 120_000)).toThrow(
      '--t must be a duration like 500ms, 30s, 2m, 1h, 1d or 1h30m (a bare number is seconds) (got soon)',
    );
    expect(() => durationFlag({ t: '3m' }, 't', 's', 0, 120_000)).toThrow(
      '--t must be from 0ms to 2m (got 3m)',
    );
  });
});
