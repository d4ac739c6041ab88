// The plain settings checks (cdesk run's, no zod) agree with the zod schema on every row: same verdict, same field, same message.
import { describe, expect, it } from 'vitest';
import { parseSettings, settingsSchema } from '../../../common/settings';
import { checkSettingValue, settingsWith, tableDefaults } from '../../../common/settings-check';
import { setPath, type Plain } from '../../../common/settings-paths';
import { SETTING_ROWS, settingRow, type KeyedRow } from '../../../common/settings-table';

/** Good and bad values for a row: its bounds and just past them, other types, edge texts. */
function samples(row: KeyedRow): unknown[] {
  const common = [null, undefined, 'text', '', true, {}, [], 1.5, -1, 0, Number.NaN];
  const r = row.range;
  const numbers = r
    ? [r.min, r.max, r.min - 1, r.max + 1, r.min - 0.5, r.max + 0.5, (r.min + r.max) / 2]
    : [];
  const choices = row.options ? [...row.options, row.options[0]!.toUpperCase()] : [];
  const paths = ['/abs/dir', 'relative/dir', './x', '/'];
  const lists = [['a'], ['a', ''], [''], [1], ['a', 'b'], 'a,b'];
  return [...common, ...numbers, ...choices, ...paths, ...lists, row.default];
}

/** What parseSettings says about `value` at `row` with every other setting at its default. */
function zodVerdict(row: KeyedRow, value: unknown): { field: string; message: string } | null {
  const input: Plain = {};
  setPath(input, row.key, value);
  const r = parseSettings(input);
  return r.ok ? null : r.errors[0]!;
}

describe('plain settings checks', () => {
  it('agree with parseSettings for every row and value (ok, field, message)', () => {
    let compared = 0;
    for (const row of SETTING_ROWS) {
      for (const value of samples(row)) {
        // undefined means "not given" to zod (the default applies); the plain check is never
        // asked about a missing value.
        if (value === undefined) continue;
        const want = zodVerdict(row, value);
        // A rule across settings may refuse a value its row accepts: the plain row check
        // passes it, and settingsWith reports the rule (checked below).
        const got = checkSettingValue(row, value);
        const viaWith = settingsWith([[row, value]]);
        expect(viaWith.ok ? null : viaWith.error, `${row.key} = ${JSON.stringify(value)}`).toEqual(
          want,
        );
        if (got) expect(got, row.key).toEqual(want);
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(SETTING_ROWS.length * 20);
  });

  it('names a broken rule across settings the way parseSettings does', () => {
    const max = settingRow('restart.backoffMaxMs')!;
    const init = settingRow('restart.backoffInitialMs')!;
    const r = settingsWith([
      [init, 5000],
      [max, 1000],
    ]);
    const z = parseSettings({ restart: { backoffInitialMs: 5000, backoffMaxMs: 1000 } });
    expect(r.ok).toBe(false);
    expect(z.ok).toBe(false);
    if (!r.ok && !z.ok) expect(r.error).toEqual(z.errors[0]);
  });

  it('fills the defaults exactly as the schema does, in the same order, never shared', () => {
    const a = tableDefaults();
    expect(JSON.stringify(a)).toBe(JSON.stringify(settingsSchema.parse({})));
    const b = tableDefaults();
    expect(b).toEqual(a);
    expect(b.disabledPlugins).not.toBe(a.disabledPlugins);
  });

  it('builds a row schema only when it is first used, and then keeps it', () => {
    // A row read by key shares its schema with the table: one build, whichever is asked first.
    const row = settingRow('health.livenessIntervalMs')!;
    const s = row.schema;
    expect(row.schema).toBe(s);
    expect(SETTING_ROWS.find((r) => r.key === row.key)!.schema).toBe(s);
    expect(s.safeParse(row.range!.max + 1).success).toBe(false);
  });
});
