// `cdesk settings get [KEY]` / `cdesk settings set KEY VALUE`: read and change the app's settings.
import { getPath, patchFromPath } from '../../common/settings-paths';
import { SETTING_GROUP_KEYS, SETTING_ROWS, settingRow } from '../../common/settings-table';
import { nearestSettingKey } from '../../common/settings-keys';
import { formatSettingValue, parseSettingText } from '../../common/settings-text';
import { UsageError } from './args';
import { EXIT, parseCommand, processIo, reportFailure, withClient, type CliIo } from './common';

const USAGE = `usage: cdesk settings get [KEY] [--json]
       cdesk settings set KEY VALUE [--json]

KEY is a dotted name, e.g. logLevel or restart.backoffMaxMs (\`cdesk settings get\` lists them).
VALUE is read by the setting's type: durations as 500ms, 30s, 2m (a bare number is
milliseconds), sizes as 512KiB, 10MiB (a bare number is bytes), lists as a,b or a JSON array,
true/false; null clears a path (back to the automatic default). A negative number needs --
before KEY.
`;

/** Every setting's dotted key, in table order (what `settings get` lists and what KEY may be). */
export function settingKeys(): string[] {
  return SETTING_ROWS.map((r) => r.key);
}

function checkKey(key: string): void {
  if (settingRow(key) || SETTING_GROUP_KEYS.includes(key)) return;
  const near = nearestSettingKey(key);
  throw new UsageError(
    near
      ? `unknown setting "${key}"; did you mean ${near}?`
      : `unknown setting "${key}"; known settings: ${settingKeys().join(', ')}`,
  );
}

const show = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));

/** When a saved value takes effect, for the line `settings set` prints. */
function appliesNote(key: string): string {
  const rows = SETTING_ROWS.filter((r) => r.key === key || r.key.startsWith(`${key}.`));
  return rows.some((r) => r.applies === 'next-start')
    ? ' (applies at the next containerd start)'
    : '';
}

export async function run(argv: string[], io: CliIo = processIo()): Promise<number> {
  const p = parseCommand(argv, {}, USAGE, io);
  if (!p) return EXIT.ok;
  const [verb, key, value, ...extra] = p.positionals;
  if (verb === 'get') {
    if (value !== undefined) throw new UsageError(`unexpected argument ${value}`);
    if (key !== undefined) checkKey(key);
    return withClient('settings', p.flags, io, async (c) => {
      const r = await c.invoke('settings:get', {});
      if (!r.ok) return reportFailure('settings', r.error, p.flags, io);
      if (key !== undefined) {
        const v = getPath(r.value.settings, key).value;
        io.out(p.flags.json ? `${JSON.stringify(v, null, 2)}\n` : `${show(v)}\n`);
      } else if (p.flags.json) io.out(`${JSON.stringify(r.value, null, 2)}\n`);
      else {
        const lines = SETTING_ROWS.map((row) => {
          const v = getPath(r.value.settings, row.key).value;
          // Stored units stay what `set` reads back; the human reading follows as a comment.
          const human = row.unit && row.unit !== 'count' ? `  # ${formatSettingValue(row, v)}` : '';
          return `${row.key} = ${show(v)}${human}`;
        });
        io.out(`# ${r.value.file}\n${lines.join('\n')}\n`);
      }
      return EXIT.ok;
    });
  }
  if (verb === 'set') {
    if (key === undefined || value === undefined)
      throw new UsageError('settings set needs KEY and VALUE');
    if (extra.length)
      throw new UsageError(`unexpected argument ${extra[0]} (quote a VALUE with spaces)`);
    checkKey(key);
    const row = settingRow(key);
    let parsed: unknown;
    if (row) {
      const got = parseSettingText(row, value);
      // Not even the right type: a usage error naming the key and the form it takes. Values of
      // the right type go to the app, which checks ranges and rules (exit 1, nothing saved).
      if ('error' in got) throw new UsageError(`${key} ${got.error} (got ${value})`);
      parsed = got.value;
    } else {
      // A whole group ("restart") takes a JSON object.
      try {
        parsed = JSON.parse(value);
      } catch {
        throw new UsageError(
          `${key} is a group of settings; give a JSON object or set one key (${key}.…)`,
        );
      }
    }
    return withClient('settings', p.flags, io, async (c) => {
      const r = await c.invoke('settings:set', { patch: patchFromPath(key, parsed) });
      if (!r.ok) return reportFailure('settings', r.error, p.flags, io);
      const now = getPath(r.value.settings, key).value;
      io.out(
        p.flags.json
          ? `${JSON.stringify(r.value, null, 2)}\n`
          : `${key} = ${show(now)}${appliesNote(key)}\n`,
      );
      return EXIT.ok;
    });
  }
  throw new UsageError(
    verb === undefined
      ? 'settings needs get or set'
      : `unknown settings action "${verb}" (use get or set)`,
  );
}
