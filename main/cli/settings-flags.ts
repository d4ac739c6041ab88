// `run` / `serve` options for settings, derived from the settings table: spec, --help lines, flags → settings.
import { resolve } from 'node:path';
import { DURATION_FORMS } from '../../common/duration';
import { settingsWith, type Settings, type SettingsPatch } from '../../common/settings';
import { setPath, type Plain } from '../../common/settings-paths';
import { settingRow } from '../../common/settings-table';
import { formatSettingFlagValue, parseSettingText } from '../../common/settings-text';
import { UsageError } from './args';
import { FLAG_ROWS, type FlagRow } from './setting-flag-spec';

type Flags = Record<string, string | boolean | undefined>;

export { DAEMON_RUN_SPEC, FLAG_ROWS, SETTING_FLAG_SPEC } from './setting-flag-spec';

function argName(r: FlagRow): string {
  if (r.flag.arg) return r.flag.arg;
  if (r.options) return r.options.join('|');
  switch (r.unit) {
    case 'ms':
      return 'DURATION';
    case 'bytes':
      return 'SIZE';
    case 'ratio':
      return 'RATIO';
    default:
      return 'N';
  }
}

/** Aligned `--option ARG   text` lines for --help. */
export function formatOptions(lines: Array<[string, string]>, width?: number): string {
  const w = width ?? Math.max(...lines.map(([l]) => l.length)) + 2;
  return lines.map(([l, text]) => `  ${l.padEnd(w)}${text}`).join('\n');
}

/** "Root directory" → "root directory" (acronyms like "CRI plugin" stay). */
const lowerFirst = (t: string) => (/^[A-Z][a-z]/.test(t) ? t[0]!.toLowerCase() + t.slice(1) : t);

/** The setting options' --help lines, defaults printed from the table. */
export function settingFlagLines(): Array<[string, string]> {
  return FLAG_ROWS.map((r) => {
    const d = r.default === null ? '' : ` (default ${formatSettingFlagValue(r, r.default)})`;
    // A named value (LEVEL) still lists its choices.
    const choices = r.flag.arg && r.options ? `: ${r.options.join('|')}` : '';
    return [`--${r.flag.name} ${argName(r)}`, `${lowerFirst(r.label)}${choices}${d}`];
  });
}

/** How the option values read; printed under the options in --help. */
export const SETTING_FLAG_NOTE = `DURATION: ${DURATION_FORMS} (a bare number is milliseconds); relative paths are from here.`;

/** Each given option's row and value, parsed from its text; errors name the option. */
function flagValues(flags: Flags, cwd: string): Array<[FlagRow, unknown]> {
  const out: Array<[FlagRow, unknown]> = [];
  for (const r of FLAG_ROWS) {
    const raw = flags[r.flag.name];
    if (typeof raw !== 'string') continue;
    const got = parseSettingText(r, raw);
    if ('error' in got) throw new UsageError(`--${r.flag.name} ${got.error} (got ${raw})`);
    let value = got.value;
    // Relative paths from a terminal mean "relative to here"; settings want absolute ones.
    if (r.input === 'path' && typeof value === 'string') value = resolve(cwd, value);
    out.push([r, value]);
  }
  return out;
}

/** The defaults with the options on top, checked by the settings schema; errors name the option. */
function checkedFlags(flags: Flags, cwd: string): { patch: Plain; settings: Settings } {
  const values = flagValues(flags, cwd);
  const r = settingsWith(values);
  if (r.ok) {
    const patch: Plain = {};
    for (const [row, v] of values) setPath(patch, row.key, v);
    return { patch, settings: r.value };
  }
  const { field, message } = r.errors[0]!;
  const flag = settingRow(field)?.flag?.name;
  const raw = flag !== undefined ? flags[flag] : undefined;
  const got = typeof raw === 'string' ? ` (got ${raw})` : '';
  throw new UsageError(`${flag ? `--${flag}` : field} ${message}${got}`);
}

/** The settings the given options set, each parsed and checked by its row; errors name the option. */
export function settingsPatchFromFlags(flags: Flags, cwd = process.cwd()): SettingsPatch {
  return checkedFlags(flags, cwd).patch as SettingsPatch;
}

/** The defaults with the given options on top, validated (`cdesk daemon run` takes no settings file). */
export function settingsFromFlags(flags: Flags, cwd = process.cwd()): Settings {
  return checkedFlags(flags, cwd).settings;
}
