// The settings table is the one description of every setting: schema, defaults, keys and checks derive from it.
import { describe, expect, it } from 'vitest';
import {
  defaultSettings,
  parseSettings,
  parseSettingsLenient,
  rowSchema,
  settingsSchema,
  settingsWith,
} from '../../../common/settings';
import { nearestSettingKey, unknownSettingKeys } from '../../../common/settings-keys';
import {
  deepMerge,
  deletePath,
  flatten,
  getPath,
  patchFromPath,
  setPath,
} from '../../../common/settings-paths';
import {
  SETTING_GROUP_KEYS,
  SETTING_ROWS,
  SETTINGS_GROUPS,
  SETTINGS_RULES,
  settingRow,
} from '../../../common/settings-table';
import { parseSettingText } from '../../../common/settings-text';
import { formatAmount, fromShown, parseAmount, toShown } from '../../../common/settings-units';

describe('the table', () => {
  it('describes each setting once, and the defaults are exactly the rows', () => {
    const keys = SETTING_ROWS.map((r) => r.key);
    expect(new Set(keys).size).toBe(keys.length);
    const leaves = flatten(defaultSettings() as Record<string, unknown>);
    expect(leaves.map(([k]) => k)).toEqual(keys);
    for (const [k, v] of leaves) expect(v).toEqual(settingRow(k)!.default);
  });

  it("every row's default passes its own schema and every rule holds for the defaults", () => {
    for (const r of SETTING_ROWS)
      expect(rowSchema(r).safeParse(r.default).success, r.key).toBe(true);
    for (const rule of SETTINGS_RULES) expect(rule.holds(defaultSettings())).toBe(true);
  });

  it('the defaults read from the table are what the schema fills in for an empty object', () => {
    expect(settingsSchema().parse({})).toEqual(defaultSettings());
  });

  it("every number row's range (what the form shows) is the range its schema enforces", () => {
    const numbers = SETTING_ROWS.filter((r) => r.input === 'number');
    expect(numbers.length).toBeGreaterThan(10);
    for (const r of numbers) {
      const { min, max, int } = r.range!;
      const ok = (v: number) => rowSchema(r).safeParse(v).success;
      expect([ok(min), ok(max), ok(min - 1), ok(max + 1)], r.key).toEqual([
        true,
        true,
        false,
        false,
      ]);
      expect(ok(Math.floor((min + max) / 2) + 0.5), r.key).toBe(!int);
    }
  });

  it('every row has a label, help, a known group, and numbers have a unit', () => {
    const groups = new Set<string>(SETTINGS_GROUPS.map((g) => g.id));
    for (const r of SETTING_ROWS) {
      expect(r.label.length, r.key).toBeGreaterThan(2);
      expect(r.help.length, r.key).toBeGreaterThan(5);
      expect(groups.has(r.group), r.key).toBe(true);
      if (r.input === 'number') expect(r.unit, r.key).toBeDefined();
      if (r.input === 'select') expect(r.options?.length, r.key).toBeGreaterThan(1);
    }
  });

  it('flags are unique', () => {
    const flags = SETTING_ROWS.flatMap((r) => (r.flag ? [r.flag.name] : []));
    expect(new Set(flags).size).toBe(flags.length);
    expect(flags).toEqual(expect.arrayContaining(['min-uptime', 'cri', 'flap-exits']));
    expect(flags).not.toContain('immediate-if-healthy');
  });

  it('says which settings apply only at the next containerd start', () => {
    const later = SETTING_ROWS.filter((r) => r.applies === 'next-start').map((r) => r.key);
    expect(later.sort()).toEqual(
      [
        'containerdPath',
        'cri',
        'disabledPlugins',
        'logFormat',
        'logLevel',
        'overridesFile',
        'rootDir',
        'stateDir',
      ].sort(),
    );
  });

  it('defaults are fresh objects: changing one does not change the next', () => {
    const a = defaultSettings();
    a.disabledPlugins.push('x');
    a.restart.backoffMaxMs = 1;
    expect(defaultSettings().disabledPlugins).toEqual([]);
    expect(defaultSettings().restart.backoffMaxMs).toBe(30_000);
  });
});

describe('unknown keys', () => {
  it('suggest the nearest setting: a typo, another case, the right name in the wrong group', () => {
    expect(nearestSettingKey('restart.backofMaxMs')).toBe('restart.backoffMaxMs');
    expect(nearestSettingKey('loglevel')).toBe('logLevel');
    expect(nearestSettingKey('livenessFailures')).toBe('health.livenessFailures');
    expect(nearestSettingKey('restart.stopGraceMs')).toBe('stopGraceMs');
    expect(nearestSettingKey('frobnicate')).toBeUndefined();
  });

  it('are named once each, nested ones with their group', () => {
    expect(unknownSettingKeys({ restart: { backofMaxMs: 1 }, nope: 1, logLevel: 'x' })).toEqual([
      {
        field: 'restart.backofMaxMs',
        message: 'is not a setting; did you mean restart.backoffMaxMs?',
      },
      { field: 'nope', message: expect.stringMatching(/^is not a setting/) },
    ]);
  });

  it('parseSettings reports a typo once (no second, vaguer copy from the schema)', () => {
    const r = parseSettings({ restart: { backofMaxMs: 1 } });
    expect(r).toEqual({
      ok: false,
      errors: [
        {
          field: 'restart.backofMaxMs',
          message: 'is not a setting; did you mean restart.backoffMaxMs?',
        },
      ],
    });
  });
});

describe('parseSettings', () => {
  it('states ranges in the unit of the setting', () => {
    const r = parseSettings({
      restart: { backoffInitialMs: 0 },
      logRingBytes: 1 << 30,
      health: { livenessFailures: 0 },
    });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const byField = Object.fromEntries(r.errors.map((e) => [e.field, e.message]));
    expect(byField['restart.backoffInitialMs']).toBe('must be at least 1ms');
    expect(byField.logRingBytes).toBe('must be at most 512 MiB');
    expect(byField['health.livenessFailures']).toBe('must be at least 1');
  });

  it('checks the rules across settings on the named field', () => {
    const r = parseSettings({ restart: { backoffInitialMs: 5000, backoffMaxMs: 1000 } });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors.map((e) => e.field)).toEqual(['restart.backoffMaxMs']);
  });

  it('the schema is strict and fills defaults for a partial input', () => {
    expect(settingsSchema().safeParse({ nope: 1 }).success).toBe(false);
    const s = settingsSchema().parse({ restart: { backoffMaxMs: 9000 } });
    expect(s.restart.backoffMaxMs).toBe(9000);
    expect(s.restart.backoffInitialMs).toBe(500);
  });
});

describe('settingsWith (command-line options)', () => {
  it('gives the same verdict and value as parseSettings on the nested patch, for every row', () => {
    const tries: unknown[] = [
      0,
      1,
      -1,
      0.5,
      1e12,
      'x',
      '/abs',
      'rel',
      '',
      null,
      true,
      [],
      ['a'],
      [''],
    ];
    for (const row of SETTING_ROWS) {
      // An option always carries a value (undefined would mean "the default" to the schema).
      const own = [row.default, row.options?.[1], row.range?.max].filter((v) => v !== undefined);
      for (const v of [...tries, ...own]) {
        const a = settingsWith([[row, v]]);
        const b = parseSettings(patchFromPath(row.key, v));
        expect(a, `${row.key} = ${JSON.stringify(v)}`).toEqual(b);
      }
    }
  });

  it('checks the rules across the given options', () => {
    const init = settingRow('restart.backoffInitialMs')!;
    const max = settingRow('restart.backoffMaxMs')!;
    const r = settingsWith([
      [init, 10_000],
      [max, 1_000],
    ]);
    expect(r).toEqual(
      parseSettings({ restart: { backoffInitialMs: 10_000, backoffMaxMs: 1_000 } }),
    );
    expect(r.ok).toBe(false);
  });
});

describe('parseSettingsLenient (a settings file)', () => {
  it('ignores an unknown key and keeps every other value', () => {
    const r = parseSettingsLenient({
      logLevel: 'debug',
      restart: { backofMaxMs: 1, backoffMaxMs: 9000 },
    });
    expect(r.value.logLevel).toBe('debug');
    expect(r.value.restart.backoffMaxMs).toBe(9000);
    expect(r.errors).toEqual([
      {
        field: 'restart.backofMaxMs',
        message: 'is not a setting; did you mean restart.backoffMaxMs?',
      },
    ]);
  });

  it('uses the default for a bad value only, and says so', () => {
    const r = parseSettingsLenient({ logLevel: 'loud', rootDir: '/srv/c', stopGraceMs: -1 });
    expect(r.value.logLevel).toBe('info');
    expect(r.value.stopGraceMs).toBe(10_000);
    expect(r.value.rootDir).toBe('/srv/c');
    expect(r.errors.map((e) => e.field)).toEqual(['logLevel', 'stopGraceMs']);
    expect(r.errors[0]!.message).toMatch(/must be one of: .*; using the default, info/);
    expect(r.errors[1]!.message).toBe('must be at least 0ms; using the default, 10s');
  });

  it('a group that is not an object falls back to its defaults; other keys apply', () => {
    const r = parseSettingsLenient({ health: 5, autoStart: false });
    expect(r.value.health).toEqual(defaultSettings().health);
    expect(r.value.autoStart).toBe(false);
    expect(r.errors.map((e) => e.field)).toEqual(['health']);
  });

  it('a broken rule resets the named key, and the other one only when that is not enough', () => {
    const one = parseSettingsLenient({ restart: { backoffInitialMs: 2000, backoffMaxMs: 1000 } });
    expect(one.value.restart).toMatchObject({ backoffInitialMs: 2000, backoffMaxMs: 30_000 });
    const both = parseSettingsLenient({
      restart: { backoffInitialMs: 60_000, backoffMaxMs: 1000 },
    });
    expect(both.value.restart).toMatchObject({ backoffInitialMs: 500, backoffMaxMs: 30_000 });
    expect(both.errors).toHaveLength(1);
    expect(both.errors[0]!.message).toMatch(/restart\.backoffMaxMs and restart\.backoffInitialMs/);
  });

  it('a non-object gives the defaults and one error', () => {
    const r = parseSettingsLenient([1, 2]);
    expect(r.value).toEqual(defaultSettings());
    expect(r.errors).toHaveLength(1);
  });
});

describe('dotted paths', () => {
  it('get, set, delete and flatten nested keys', () => {
    const o: Record<string, unknown> = {};
    setPath(o, 'restart.backoffMaxMs', 5);
    setPath(o, 'logLevel', 'debug');
    expect(getPath(o, 'restart.backoffMaxMs')).toEqual({ found: true, value: 5 });
    expect(getPath(o, 'restart.nope').found).toBe(false);
    expect(flatten(o)).toEqual([
      ['restart.backoffMaxMs', 5],
      ['logLevel', 'debug'],
    ]);
    deletePath(o, 'restart.backoffMaxMs');
    expect(o).toEqual({ logLevel: 'debug' });
    expect(patchFromPath('health.livenessFailures', 2)).toEqual({
      health: { livenessFailures: 2 },
    });
  });

  it('keep "__proto__" as data', () => {
    const merged = deepMerge({}, JSON.parse('{"__proto__":{"polluted":1}}'));
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(merged)).toBe(Object.prototype);
    const o: Record<string, unknown> = {};
    setPath(o, '__proto__.x', 1);
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });

  it('know the groups', () => {
    expect([...SETTING_GROUP_KEYS]).toEqual(['restart', 'health']);
  });
});

describe('units', () => {
  it('show ms as seconds and bytes as MiB/KiB, and read them back exactly', () => {
    expect(toShown(30_000, 's')).toBe('30');
    expect(toShown(10, 's')).toBe('0.01');
    expect(toShown(10 << 20, 'MiB')).toBe('10');
    expect(toShown(0.2, '%')).toBe('20');
    expect(fromShown('1.1', 's', 'ms')).toEqual({ value: 1100 });
    expect(fromShown('1.5', 'MiB', 'bytes')).toEqual({ value: 1.5 * (1 << 20) });
    expect(fromShown('20', '%', 'ratio')).toEqual({ value: 0.2 });
    expect(fromShown('0.0005', 's', 'ms')).toEqual({
      error: expect.stringMatching(/whole milliseconds/),
    });
    expect(fromShown('', 's', 'ms')).toEqual({ error: 'enter a number' });
    // A duration field reads the same forms as the CLI; a bare number stays the shown unit.
    expect(fromShown('1d', 's', 'ms')).toEqual({ value: 86_400_000 });
    expect(fromShown('500ms', 's', 'ms')).toEqual({ value: 500 });
    expect(fromShown('soon', 's', 'ms')).toEqual({
      error: expect.stringMatching(/a bare number is seconds/),
    });
  });

  it('read terminal amounts: a bare number is the stored unit, a suffix says otherwise', () => {
    expect(parseAmount('5000', 'ms')).toEqual({ value: 5000 });
    expect(parseAmount('30s', 'ms')).toEqual({ value: 30_000 });
    expect(parseAmount('2m', 'ms')).toEqual({ value: 120_000 });
    expect(parseAmount('1.5s', 'ms')).toEqual({ value: 1500 });
    expect(parseAmount('1d', 'ms')).toEqual({ value: 86_400_000 });
    expect(parseAmount('5min', 'ms')).toEqual({ value: 300_000 });
    expect(parseAmount('10MiB', 'bytes')).toEqual({ value: 10 << 20 });
    expect(parseAmount('20%', 'ratio')).toEqual({ value: 0.2 });
    expect(parseAmount('-5', 'ms')).toEqual({ value: -5 });
    expect(parseAmount('30 parsecs', 'ms')).toEqual({ error: expect.stringMatching(/30s/) });
    expect(parseAmount('x', 'count')).toEqual({ error: 'must be a whole number' });
    expect(parseAmount('1.5', 'count')).toEqual({ error: 'must be a whole number' });
  });

  it('format amounts for people', () => {
    expect(formatAmount(500, 'ms')).toBe('500ms');
    expect(formatAmount(30_000, 'ms')).toBe('30s');
    expect(formatAmount(90_000, 'ms')).toBe('1m 30s');
    expect(formatAmount(86_400_000, 'ms')).toBe('1d');
    expect(formatAmount(16 << 10, 'bytes')).toBe('16 KiB');
    expect(formatAmount(1 << 30, 'bytes')).toBe('1 GiB');
    expect(formatAmount(0.2, 'ratio')).toBe('20 %');
  });

  it("read a setting's text by its row", () => {
    expect(parseSettingText(settingRow('restart.backoffMaxMs')!, '45s')).toEqual({ value: 45_000 });
    expect(parseSettingText(settingRow('rootDir')!, 'null')).toEqual({ value: null });
    expect(parseSettingText(settingRow('autoStart')!, 'off')).toEqual({ value: false });
    expect(parseSettingText(settingRow('disabledPlugins')!, 'a, b')).toEqual({ value: ['a', 'b'] });
    expect(parseSettingText(settingRow('disabledPlugins')!, '["a"]')).toEqual({ value: ['a'] });
    expect(parseSettingText(settingRow('autoStart')!, 'maybe')).toEqual({
      error: 'must be true or false',
    });
  });
});
