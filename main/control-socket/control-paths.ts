// Where the CLI finds the running app (the control socket path) and the safety rules for its folder,
// shared by the server (refuses to listen in an unsafe folder) and the client (refuses to talk through one).
import type { Stats } from 'node:fs';
import * as fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { AppError } from '../shared/app-error';
import { makeDirs } from '../shared/make-dirs';
import { APP_DIR, xdgDir } from '../shared/xdg';

const SOCKET = 'control.sock';

/**
 * `$XDG_RUNTIME_DIR/containerd-desktop/control.sock`; without a runtime dir, a private folder under
 * the state dir (`$XDG_STATE_HOME`, default ~/.local/state). Pure: creates nothing.
 */
export function defaultControlPath(
  env: NodeJS.ProcessEnv = process.env,
  home: string = os.homedir(),
): string {
  const base =
    xdgDir(env, 'XDG_RUNTIME_DIR') ??
    xdgDir(env, 'XDG_STATE_HOME') ??
    path.join(home, '.local', 'state');
  return path.join(base, APP_DIR, SOCKET);
}

const myUid = (): number | null => process.getuid?.() ?? null;

/**
 * Why `st` (the socket's folder) is unsafe, or null. Like ssh-agent and tmux: the folder must be
 * ours (or root's) and writable by nobody else, or another user could move our socket aside and put
 * theirs in its place (and read what the CLI sends, or answer in the app's name).
 */
export function unsafeFolderReason(st: Pick<Stats, 'uid' | 'mode'>, uid = myUid()): string | null {
  if (uid === null) return null;
  if (st.uid !== uid && st.uid !== 0) return `it belongs to another user (uid ${st.uid})`;
  if ((st.mode & 0o022) !== 0)
    return `it is writable by ${(st.mode & 0o002) !== 0 ? 'every user' : 'its group'} (mode ${(st.mode & 0o777).toString(8)})`;
  return null;
}

function unsafe(dir: string, why: string): AppError {
  return new AppError(
    'control-dir-unsafe',
    `refusing the control socket folder ${dir}: ${why}`,
    `Use a folder only you can write to: \`chmod 700 ${dir}\` if it is yours, or pass --control with a path in a private folder (e.g. under $XDG_RUNTIME_DIR).`,
  );
}

function symlink(dir: string): AppError {
  return new AppError(
    'control-dir-unsafe',
    `refusing the control socket folder ${dir}: it is a symbolic link, which is never followed there`,
    `Remove the link (\`rm ${dir}\`) so the app makes a private folder, or pass --control with a path in a private folder.`,
  );
}

function unwritable(dir: string, err: NodeJS.ErrnoException): AppError {
  return new AppError(
    'control-dir',
    `cannot create the control socket folder ${dir} (${err.code ?? err.message})`,
    `Make ${path.dirname(dir)} writable by you, set XDG_RUNTIME_DIR to a folder you own, or pass --control PATH in a folder you can write to.`,
    { cause: err },
  );
}

/**
 * Create the socket's folder 0700 and check it is safe. A folder we create is private; a folder that
 * is a symbolic link (another user may plant one in a shared runtime folder), that others can write
 * to, or that another user owns is refused with a clear error, never changed: a chmod there would
 * follow the link, or fix a folder someone else may already have used.
 */
export async function ensureControlDir(socketPath: string): Promise<void> {
  const dir = path.dirname(socketPath);
  let created: string | undefined;
  try {
    // One level at a time: Node 20's recursive mkdir never returns under /proc or /sys.
    created = await makeDirs(dir, 0o700);
    // mkdir's mode is filtered by the umask; make sure the folder we just made is exactly 0700.
    if (created !== undefined) await fsp.chmod(dir, 0o700);
  } catch (err) {
    throw unwritable(dir, err as NodeJS.ErrnoException);
  }
  const st = await fsp.lstat(dir);
  if (st.isSymbolicLink()) throw symlink(dir);
  if (!st.isDirectory()) throw unsafe(dir, 'it is not a folder');
  const why = unsafeFolderReason(st);
  if (why) throw unsafe(dir, why);
  try {
    await fsp.access(dir, fsp.constants.W_OK | fsp.constants.X_OK);
  } catch (err) {
    throw unwritable(dir, err as NodeJS.ErrnoException);
  }
}

/**
 * Client side: before talking to a socket, check it was bound by us or by root and that nobody else
 * could have put it there. Node has no SO_PEERCRED / getpeereid, but bind(2) creates the socket file
 * owned by the binding process's uid, so in a folder only its owner can change (or a sticky one like
 * /tmp, where nobody can rename another user's file) the file's owner *is* the server's uid.
 * Returns null when there is no socket (the caller reports "no app").
 */
export async function checkControlPeer(socketPath: string): Promise<AppError | null> {
  const st = await fsp.lstat(socketPath).catch(() => null);
  if (!st) return null;
  const uid = myUid();
  if (uid !== null && st.uid !== uid && st.uid !== 0)
    return new AppError(
      'control-denied',
      `the control socket ${socketPath} belongs to another user (uid ${st.uid})`,
      "Run cdesk as the user who runs the app, or pass --control with your own instance's socket.",
    );
  const dir = path.dirname(socketPath);
  const dirSt = await fsp.lstat(dir).catch(() => null);
  if (!dirSt) return null;
  if (dirSt.isSymbolicLink()) return symlink(dir);
  const why = (dirSt.mode & 0o1000) !== 0 ? null : unsafeFolderReason(dirSt);
  return why ? unsafe(dir, why) : null;
}
