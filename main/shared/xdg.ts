// XDG base directories: one reading of the spec for settings, data, state and runtime paths.
import { isAbsolute } from 'node:path';

/** The folder name under every XDG base directory. */
export const APP_DIR = 'containerd-desktop';

/** An XDG variable's value, or null when unset or relative (the spec says to ignore those). */
export function xdgDir(env: NodeJS.ProcessEnv, name: string): string | null {
  const v = env[name];
  return v && isAbsolute(v) ? v : null;
}
