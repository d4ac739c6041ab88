// `cdesk settings get [KEY]` / `cdesk settings set KEY VALUE`: read and change the app's settings.
import { defaultSettings } from '../../common/settings';
import { getDotted, isPlain, patchFromDotted } from '../app/settings-merge';
import { UsageError } from './args';
import { EXIT, parseCommand, processIo, reportFailure, withClient, type CliIo } from './common';

const USAGE = `usage: cdesk settings get [KEY] [--json]
       cdesk settings set KEY VALUE [--json]

KEY is a dotted name, e.g. logLevel or restart.backoffMaxMs. VALUE is read as JSON when it
parses (5000, true, null, ["cri"]), else as a string (debug, /usr/bin/containerd).
null clears a nullable setting (back to the automatic default).
`;

/** Every leaf key of the settings, dotted (what `settings get` lists and what KEY may be). */
export function settingKeys(obj: unknown = defaultSettings(), prefix = ''): string[] {
  if (!isPlain(obj)) return [prefix.slice(0, -1)];
  return Object.entries(obj).flatMap(([k, v]) => settingKeys(v, `${prefix}${k}.`));
}

function checkKey(key: string): void {
  const keys = settingKeys();
  const groups = [...new Set(keys.filter((k) => k.includes('.')).map((k) => k.split('.')[0]!))];
  if (!keys.includes(key) && !groups.includes(key)) {
    throw new UsageError(`unknown setting "${key}"; known settings: ${keys.join(', ')}`);
  }
}

/** JSON when it parses, else the raw string (so `set logLevel debug` needs no quotes). */
export function parseValue(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

const show = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));

export async function run(argv: string[], io: CliIo = processIo()): Promise<number> {
  const p = parseCommand(argv, {}, USAGE, io);
  if (!p) return EXIT.ok;
  const [verb, key, value, ...extra] = p.positionals;
  if (verb === 'get') {
    if (value !== undefined) throw new UsageError(`unexpected argument ${value}`);
    if (key !== undefined) checkKey(key);
    return withClient('settings', p.flags, io, async (c) => {
      const r = await c.call('settings:get', {});
      if (!r.ok) return reportFailure('settings', r.error, p.flags, io);
      if (key !== undefined) {
        const v = getDotted(r.value.settings, key).value;
        io.out(p.flags.json ? `${JSON.stringify(v, null, 2)}\n` : `${show(v)}\n`);
      } else if (p.flags.json) io.out(`${JSON.stringify(r.value, null, 2)}\n`);
      else {
        const lines = settingKeys().map(
          (k) => `${k} = ${show(getDotted(r.value.settings, k).value)}`,
        );
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
    const parsed = parseValue(value);
    return withClient('settings', p.flags, io, async (c) => {
      const r = await c.call('settings:set', { patch: patchFromDotted(key, parsed) });
      if (!r.ok) return reportFailure('settings', r.error, p.flags, io);
      const now = getDotted(r.value.settings, key).value;
      io.out(p.flags.json ? `${JSON.stringify(r.value, null, 2)}\n` : `${key} = ${show(now)}\n`);
      return EXIT.ok;
    });
  }
  throw new UsageError(
    verb === undefined
      ? 'settings needs get or set'
      : `unknown settings action "${verb}" (use get or set)`,
  );
}
