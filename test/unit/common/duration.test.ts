// The one duration grammar: what every surface reads and writes.
import { describe, expect, it } from 'vitest';
import { ELAPSED, formatCountdown, formatDuration, parseDuration } from '../../../common/duration';

describe('parseDuration', () => {
  it.each([
    ['500ms', 500],
    ['30s', 30_000],
    ['2m', 120_000],
    ['1h', 3_600_000],
    ['1d', 86_400_000],
    ['1h30m', 5_400_000],
    ['1h 30m', 5_400_000],
    ['1.5s', 1500],
    [' 30 S ', 30_000],
    ['5min', 300_000],
    ['0s', 0],
  ])('%s → %d ms', (text, ms) => {
    expect(parseDuration(text)).toEqual({ value: ms });
  });

  it('reads a bare number in the caller’s unit: milliseconds unless told otherwise', () => {
    expect(parseDuration('500')).toEqual({ value: 500 });
    expect(parseDuration('30', { bare: 's' })).toEqual({ value: 30_000 });
    expect(parseDuration('30', { bare: null })).toEqual({
      error: 'must be a duration with a unit, like 500ms, 30s, 2m, 1h, 1d or 1h30m',
    });
  });

  it('keeps a minus sign so a range check can name its bound', () => {
    expect(parseDuration('-5')).toEqual({ value: -5 });
    expect(parseDuration('-1m')).toEqual({ value: -60_000 });
  });

  it.each(['', 'soon', '30 parsecs', '1m 30', '30s 1m', '1m 1m', '5 5s', '1..5s', '--5'])(
    'refuses %j, naming the accepted forms and the bare unit',
    (text) => {
      expect(parseDuration(text)).toEqual({
        error:
          'must be a duration like 500ms, 30s, 2m, 1h, 1d or 1h30m (a bare number is milliseconds)',
      });
    },
  );

  it('refuses fractions of a millisecond', () => {
    expect(parseDuration('0.0005s')).toEqual({
      error: expect.stringMatching(/whole milliseconds/),
    });
    expect(parseDuration('1.5')).toEqual({ error: expect.stringMatching(/whole milliseconds/) });
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0ms'],
    [500, '500ms'],
    [1500, '1s 500ms'],
    [90_000, '1m 30s'],
    [3_725_000, '1h 2m 5s'],
    [86_400_000, '1d'],
    [-5, '0ms'],
  ])('writes %d ms exactly as %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it('writes what parseDuration reads back', () => {
    for (const ms of [0, 1, 999, 1000, 61_001, 3_725_000, 90_061_001, 172_800_000]) {
      expect(parseDuration(formatDuration(ms))).toEqual({ value: ms });
      expect(parseDuration(formatDuration(ms).replace(/ /g, ''))).toEqual({ value: ms });
    }
  });

  it.each([
    [999, '0s'],
    [59_999, '59s'],
    [65_000, '1m 5s'],
    [3_600_000, '1h'],
    [3_725_900, '1h 2m 5s'],
    [90_061_000, '1d 1h 1m'],
  ])('uptimes and ages (ELAPSED): %d ms → %s, cut not rounded', (ms, text) => {
    expect(formatDuration(ms, ELAPSED)).toBe(text);
  });

  it('counts `parts` from the first unit shown, zeros included', () => {
    expect(formatDuration(3_605_000, { parts: 2 })).toBe('1h');
    expect(formatDuration(1234, { parts: 2 })).toBe('1s 234ms');
    expect(formatDuration(1234, { parts: 1 })).toBe('1s');
  });
});

describe('formatCountdown', () => {
  it('rounds up to whole seconds, so a wait never reads 0s while it lasts', () => {
    expect(formatCountdown(2800)).toBe('3s');
    expect(formatCountdown(1)).toBe('1s');
    expect(formatCountdown(0)).toBe('0s');
    expect(formatCountdown(-100)).toBe('0s');
    expect(formatCountdown(65_001)).toBe('1m 6s');
  });
});
