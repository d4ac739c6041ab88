// User settings: the schema, defaults and validation, all derived from the one table (settings-table.ts).
import * as z from 'zod';
import { describeFieldError, unknownSettingKeys, type FieldError } from './settings-keys';
import { deletePath, getPath, isPlain, setPath, type Plain } from './settings-paths';
import {
  defaultSettings,
  isRow,
  SETTING_GROUP_KEYS,
  SETTING_ROWS,
  SETTINGS_RULES,
  SETTINGS_TABLE,
  settingRow,
  type KeyedRow,
  type SettingRow,
  type SettingsTable,
  type TableSettings,
} from './settings-table';
import { formatSettingValue } from './settings-text';
import { formatAmount } from './settings-units';

export { CONTAINERD_LOG_LEVELS, defaultSettings } from './settings-table';
export { describeFieldError, type FieldError } from './settings-keys';

export type Settings = TableSettings;
export type RestartSettings = Settings['restart'];
export type HealthSettings = Settings['health'];

type DeepPartial<T> = { [K in keyof T]?: T[K] extends Plain ? DeepPartial<T[K]> : T[K] };
/** Some settings, nested like Settings (what settings:set and session overrides carry). */
export type SettingsPatch = DeepPartial<Settings>;

/** What a relative path is told. */
const ABSOLUTE_PATH_MESSAGE = 'must be an absolute path (starting with /)';

/** A row's value schema, from its kind, range and options. */
function buildRowSchema(r: SettingRow): z.ZodType {
  switch (r.input) {
    case 'number': {
      const { min, max, int } = r.range!;
      return (int ? z.number().int() : z.number()).min(min).max(max);
    }
    case 'path':
      return z
        .string()
        .min(1)
        .refine((p) => p.startsWith('/'), { message: ABSOLUTE_PATH_MESSAGE })
        .nullable();
    case 'bool':
      return z.boolean();
    case 'list': {
      const it = r.items;
      if (!it) return z.array(z.string().min(1));
      let item = z.string().min(1).max(it.maxLength);
      if (it.pattern)
        item = item.regex(it.pattern, it.message ? { message: it.message } : undefined);
      return z.array(item).max(it.maxItems);
    }
    case 'select':
      return z.enum(r.options as [string, ...string[]]);
  }
}

const rowSchemas = new WeakMap<SettingRow, z.ZodType>();

/** The schema that checks one setting's value (built on first use, then kept). */
export function rowSchema(r: SettingRow): z.ZodType {
  let s = rowSchemas.get(r);
  if (!s) rowSchemas.set(r, (s = buildRowSchema(r)));
  return s;
}

function objectSchema(t: SettingsTable): z.ZodType {
  const shape: Record<string, z.ZodType> = {};
  for (const [k, v] of Object.entries(t)) {
    if (isRow(v)) {
      const d = v.default;
      // A function, so no two parses share a default array.
      shape[k] = rowSchema(v).default(() => structuredClone(d));
    } else {
      const sub = objectSchema(v);
      shape[k] = sub.default(() => sub.parse({}));
    }
  }
  return z.object(shape).strict();
}

let whole: z.ZodType<Settings> | null = null;

/** The whole settings object's schema; unknown keys are errors (strict). Built on first use. */
export function settingsSchema(): z.ZodType<Settings> {
  return (whole ??= objectSchema(SETTINGS_TABLE) as z.ZodType<Settings>);
}

/** Say what a value must be, in the words (and units) a settings form shows next to the field. */
function humanMessage(i: z.core.$ZodIssue, row: SettingRow | undefined): string {
  const amount = (n: number | bigint) =>
    row?.unit ? formatAmount(Number(n), row.unit) : String(n);
  switch (i.code) {
    case 'too_small':
      return i.origin === 'array' || i.origin === 'string'
        ? 'must not be empty'
        : `must be at least ${amount(i.minimum)}`;
    case 'too_big':
      return `must be at most ${amount(i.maximum)}`;
    case 'invalid_type':
      if (row === undefined && i.expected === 'object') return 'must be an object of settings';
      return i.expected === 'int' ? 'must be a whole number' : `must be a ${i.expected}`;
    case 'invalid_value':
      return `must be one of: ${i.values.map(String).join(', ')}`;
    default:
      return i.message;
  }
}

/** Each issue at its dotted field; `at` is where the checked value sits in the settings. */
function issueErrors(error: z.ZodError, at: string[] = []): FieldError[] {
  return error.issues.flatMap((i) => {
    // Unknown keys are reported by unknownSettingKeys, once, with the nearest valid key.
    if (i.code === 'unrecognized_keys') return [];
    const path = [...at, ...i.path.map(String)];
    const field = path.length ? path.join('.') : '(settings)';
    return [{ field, message: humanMessage(i, settingRow(field)) }];
  });
}

function ruleErrors(s: Settings): FieldError[] {
  return SETTINGS_RULES.filter((r) => !r.holds(s)).map((r) => ({
    field: r.field,
    message: r.message,
  }));
}

type Parsed = { ok: true; value: Settings } | { ok: false; errors: FieldError[] };

/** Parse unknown input into settings; on failure, every bad field once with its message. */
export function parseSettings(input: unknown): Parsed {
  if (!isPlain(input))
    return { ok: false, errors: [{ field: '(settings)', message: 'must be an object' }] };
  const errors = unknownSettingKeys(input);
  const r = settingsSchema().safeParse(input);
  if (!r.success) {
    const issues = issueErrors(r.error);
    // Never "invalid" without saying why, whatever the schema found.
    if (!issues.length && !errors.length)
      issues.push({ field: '(settings)', message: r.error.message });
    errors.push(...issues);
  }
  if (errors.length) return { ok: false, errors };
  const broken = ruleErrors(r.data!);
  return broken.length ? { ok: false, errors: broken } : { ok: true, value: r.data! };
}

/**
 * The defaults with some settings set by key (command-line options): each value checked by its
 * own row's schema, then the rules across settings. The same verdicts as parseSettings on the
 * nested patch, without building the whole object's schema (`cdesk daemon run` does this before it
 * spawns containerd).
 */
export function settingsWith(values: ReadonlyArray<readonly [KeyedRow, unknown]>): Parsed {
  const value = defaultSettings() as unknown as Plain;
  const errors: FieldError[] = [];
  for (const [row, v] of values) {
    const r = rowSchema(row).safeParse(v);
    if (r.success) setPath(value, row.key, r.data);
    else errors.push(...issueErrors(r.error, [row.key]));
  }
  if (errors.length) return { ok: false, errors };
  const broken = ruleErrors(value as unknown as Settings);
  return broken.length
    ? { ok: false, errors: broken }
    : { ok: true, value: value as unknown as Settings };
}

/**
 * Parse a settings file as forgivingly as is safe: an unknown key is named (with the nearest
 * valid one) and ignored, a bad value falls back to that key's default, and every other key
 * still applies. Each problem is reported once.
 */
export function parseSettingsLenient(input: unknown): { value: Settings; errors: FieldError[] } {
  if (!isPlain(input)) {
    return {
      value: defaultSettings(),
      errors: [{ field: '(settings)', message: 'must be a JSON object' }],
    };
  }
  const errors = unknownSettingKeys(input);
  const clean: Plain = {};
  for (const g of SETTING_GROUP_KEYS) {
    if (Object.hasOwn(input, g) && !isPlain(input[g])) {
      errors.push({ field: g, message: 'must be an object of settings; using its defaults' });
    }
  }
  for (const row of SETTING_ROWS) {
    const got = getPath(input, row.key);
    if (!got.found) continue;
    const r = rowSchema(row).safeParse(got.value);
    if (r.success) setPath(clean, row.key, r.data);
    else {
      const message = humanMessage(r.error.issues[0]!, row);
      errors.push({
        field: row.key,
        message: `${message}; using the default, ${formatSettingValue(row, row.default)}`,
      });
    }
  }
  // Rules across keys: the named key falls back to its default; if that is not enough, the
  // keys it is compared with do too (the defaults always satisfy every rule).
  let value = settingsSchema().parse(clean);
  for (const rule of SETTINGS_RULES) {
    if (rule.holds(value)) continue;
    const resets = [rule.field];
    deletePath(clean, rule.field);
    value = settingsSchema().parse(clean);
    if (!rule.holds(value)) {
      for (const k of rule.involves) deletePath(clean, k);
      resets.push(...rule.involves);
      value = settingsSchema().parse(clean);
    }
    errors.push({
      field: rule.field,
      message: `${rule.message}; using the default for ${resets.join(' and ')}`,
    });
  }
  return { value, errors };
}

/** Every problem as one line each: "restart.backofMaxMs is not a setting; did you mean …?". */
export function describeFieldErrors(errors: FieldError[]): string {
  return errors.map(describeFieldError).join('; ');
}
