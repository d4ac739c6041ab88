// The one unknown-key check for settings: names each key that is not a setting and the nearest one that is.
import { editDistance } from './edit-distance';
import { isPlain, type Plain } from './settings-paths';
import { SETTING_GROUP_KEYS, SETTING_ROWS, settingRow } from './settings-table';

/** A validation problem on one field, with the path as a dotted name. */
export interface FieldError {
  field: string;
  message: string;
}

const lastPart = (k: string) => k.slice(k.lastIndexOf('.') + 1);

/**
 * The setting a mistyped key most likely meant: a close spelling ("restart.backofMaxMs"), a
 * different case ("loglevel"), or the right name in the wrong group ("livenessFailures" →
 * "health.livenessFailures"). Undefined when nothing is close.
 */
export function nearestSettingKey(key: string): string | undefined {
  const candidates = [...SETTING_ROWS.map((r) => r.key), ...SETTING_GROUP_KEYS];
  let best: string | undefined;
  let bestScore = Infinity;
  for (const c of candidates) {
    const whole = editDistance(key.toLowerCase(), c.toLowerCase());
    const leaf = editDistance(lastPart(key).toLowerCase(), lastPart(c).toLowerCase());
    // A right leaf in the wrong group is a near miss too, ranked just behind a close spelling.
    const score = Math.min(whole, leaf + 0.5);
    if (score < bestScore) {
      bestScore = score;
      best = c;
    }
  }
  const limit = Math.max(2, Math.floor(lastPart(key).length / 3));
  return bestScore <= limit ? best : undefined;
}

/** The message for a key that is not a setting (the field name goes in front of it). */
function unknownKeyMessage(key: string): string {
  const near = nearestSettingKey(key);
  return near
    ? `is not a setting; did you mean ${near}?`
    : 'is not a setting (`cdesk settings get` lists them all)';
}

/**
 * Every key of `input` that is not a setting, once, as dotted field errors. A group given as a
 * non-object ("restart": 5) is left to the schema, which names the group.
 */
export function unknownSettingKeys(input: Plain, prefix = ''): FieldError[] {
  const errors: FieldError[] = [];
  for (const [k, v] of Object.entries(input)) {
    const key = `${prefix}${k}`;
    if (settingRow(key)) continue;
    if (SETTING_GROUP_KEYS.includes(key)) {
      if (isPlain(v)) errors.push(...unknownSettingKeys(v, `${key}.`));
      continue;
    }
    errors.push({ field: key, message: unknownKeyMessage(key) });
  }
  return errors;
}

/** "field message" as one sentence: "restart.backofMaxMs is not a setting; did you mean …?". */
export function describeFieldError(e: FieldError): string {
  return `${e.field} ${e.message}`;
}
