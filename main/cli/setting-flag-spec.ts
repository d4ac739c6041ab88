// The settings' `daemon run` / `serve` options as the argument parser sees them, from the settings
// table alone: `cdesk run` tells its old daemon form (and prints --help) without the settings schema
// and zod, which the `run`/`exec` bundle keeps in a file of its own.
import { SETTING_ROWS, type KeyedRow } from '../../common/settings-table';
import type { FlagSpec } from './args';

export type FlagRow = KeyedRow & {
  readonly flag: { readonly name: string; readonly arg?: string };
};

/** The settings that have a `run`/`serve` option, in table order. */
export const FLAG_ROWS: readonly FlagRow[] = SETTING_ROWS.filter((r): r is FlagRow => !!r.flag);

/** The options' parser spec (all take a value). */
export const SETTING_FLAG_SPEC: Record<string, FlagSpec> = Object.fromEntries(
  FLAG_ROWS.map((r) => [r.flag.name, { type: 'string' } satisfies FlagSpec]),
);

/** `cdesk daemon run`'s options (here, not in its module: `cdesk run` recognises the old form by them). */
export const DAEMON_RUN_SPEC: Record<string, FlagSpec> = {
  ...SETTING_FLAG_SPEC,
  json: { type: 'boolean' },
  logs: { type: 'boolean' },
  'keep-running': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
};
