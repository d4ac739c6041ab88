// Where the CLI finds the running app: the control socket path, shared by the server and the client.
import * as fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

const APP_DIR = 'containerd-desktop';
const SOCKET = 'control.sock';

// XDG says relative values are invalid and must be ignored.
function xdg(env: NodeJS.ProcessEnv, name: string): string | null {
  const v = env[name];
  return v && path.isAbsolute(v) ? v : null;
}

/**
 * `$XDG_RUNTIME_DIR/containerd-desktop/control.sock`; without a runtime dir, a private folder under
 * the state dir (`$XDG_STATE_HOME`, default ~/.local/state). Pure: creates nothing.
 */
export function defaultControlPath(
  env: NodeJS.ProcessEnv = process.env,
  home: string = os.homedir(),
): string {
  const base =
    xdg(env, 'XDG_RUNTIME_DIR') ?? xdg(env, 'XDG_STATE_HOME') ?? path.join(home, '.local', 'state');
  return path.join(base, APP_DIR, SOCKET);
}

/**
 * Create the socket's folder 0700. A folder we create is private; an existing folder is left as is
 * (the user may point --control into a shared one; the socket itself is 0600).
 */
export async function ensureControlDir(socketPath: string): Promise<void> {
  const dir = path.dirname(socketPath);
  const created = await fsp.mkdir(dir, { recursive: true, mode: 0o700 });
  // mkdir's mode is filtered by the umask; make sure the folder we just made is exactly 0700.
  if (created !== undefined) await fsp.chmod(dir, 0o700);
  if (path.basename(dir) === APP_DIR) {
    // Our own default folder: keep it private even if something loosened it.
    const st = await fsp.stat(dir);
    if (st.uid === process.getuid?.() && (st.mode & 0o077) !== 0) await fsp.chmod(dir, 0o700);
  }
}
