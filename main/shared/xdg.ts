// XDG base directories: one reading of the spec for settings, data, state and runtime paths.
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';

/** The folder name under every XDG base directory. */
export const APP_DIR = 'containerd-desktop';

/** An XDG variable's value, or null when unset or relative (the spec says to ignore those). */
export function xdgDir(env: NodeJS.ProcessEnv, name: string): string | null {
  const v = env[name];
  return v && isAbsolute(v) ? v : null;
}

/** The app's config file `name`: `$XDG_CONFIG_HOME/containerd-desktop/NAME`, default `~/.config/…`. */
export function appConfigFile(
  name: string,
  env: NodeJS.ProcessEnv = process.env,
  home = homedir(),
): string {
  return join(xdgDir(env, 'XDG_CONFIG_HOME') ?? join(home, '.config'), APP_DIR, name);
}
