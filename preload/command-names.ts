// The command names the preload lets through; `satisfies` ties them to the contract so the bundle needs no zod.
import type { CommandName } from '../common/contract';

const NAMES = {
  'daemon:start': true,
  'daemon:stop': true,
  'daemon:restart': true,
  'daemon:status': true,
  'logs:read': true,
  'health:history': true,
  'settings:get': true,
  'settings:set': true,
  'config:preview': true,
  'app:info': true,
  'diagnostics:collect': true,
} as const satisfies Record<CommandName, true>;

/** Every contract command name (a unit test checks this equals COMMAND_NAMES). */
export const PRELOAD_COMMAND_NAMES: readonly CommandName[] = Object.freeze(
  Object.keys(NAMES) as CommandName[],
);

/** Is `name` a contract command? Own keys only, so "__proto__" or "toString" never pass. */
export function isCommandName(name: unknown): name is CommandName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(NAMES, name);
}
