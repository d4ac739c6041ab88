// Where the engine keeps containerd's data, runtime state, config, pidfile, sockets and log.
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { EngineError } from './errors';
import { MAX_SOCKET_PATH } from '../shared/limits';
import { APP_DIR, xdgDir } from '../shared/xdg';

/** Every path the engine uses for one containerd instance; all absolute. */
export interface Layout {
  rootDir: string;
  stateDir: string;
  /** containerd's `root` (ROOT/daemon): images, snapshots, content. */
  daemonRoot: string;
  /** containerd's `state` (STATE/daemon): runtime state, shim sockets. */
  daemonState: string;
  configFile: string;
  pidFile: string;
  socket: string;
  debugSocket: string;
  logFile: string;
}

export { MAX_SOCKET_PATH };

/** The default root and state directories for this user (XDG for a normal user). */
export function defaultDirs(
  env: NodeJS.ProcessEnv,
  uid: number,
  home: string,
): { rootDir: string; stateDir: string } {
  if (uid === 0) {
    return { rootDir: `/var/lib/${APP_DIR}`, stateDir: `/run/${APP_DIR}` };
  }
  const dataHome = xdgDir(env, 'XDG_DATA_HOME') ?? join(home, '.local', 'share');
  // The runtime dir is tmpfs and per-login: ideal for sockets and the pidfile. Without one,
  // fall back to the persistent state dir (a pidfile there is checked against /proc anyway).
  const runtime = xdgDir(env, 'XDG_RUNTIME_DIR');
  const stateBase = runtime ?? xdgDir(env, 'XDG_STATE_HOME') ?? join(home, '.local', 'state');
  return { rootDir: join(dataHome, APP_DIR), stateDir: join(stateBase, APP_DIR) };
}

/** The full layout: the configured directories, or the defaults for this user. */
export function resolveLayout(
  dirs: { rootDir: string | null; stateDir: string | null },
  env: NodeJS.ProcessEnv = process.env,
  uid: number = process.getuid?.() ?? 0,
  home: string = homedir(),
): Layout {
  const defaults = defaultDirs(env, uid, home);
  // `resolve` makes a CLI-relative --root/--state absolute and strips trailing slashes.
  const rootDir = resolve(dirs.rootDir ?? defaults.rootDir);
  const stateDir = resolve(dirs.stateDir ?? defaults.stateDir);
  return {
    rootDir,
    stateDir,
    daemonRoot: join(rootDir, 'daemon'),
    daemonState: join(stateDir, 'daemon'),
    configFile: join(stateDir, 'containerd.toml'),
    pidFile: join(stateDir, 'containerd.pid'),
    socket: join(stateDir, 'containerd.sock'),
    debugSocket: join(stateDir, 'containerd-debug.sock'),
    logFile: join(stateDir, 'containerd.log'),
  };
}

/** Throws when a unix socket path would not fit in sun_path (containerd would fail to listen). */
export function checkSocketPath(p: string): void {
  const bytes = Buffer.byteLength(p);
  if (bytes > MAX_SOCKET_PATH) {
    throw new EngineError(
      'socket-path-too-long',
      `The socket path ${p} is ${bytes} bytes long; unix sockets allow at most ${MAX_SOCKET_PATH}.`,
      'Choose a shorter state directory (setting stateDir, or --state on the command line).',
    );
  }
}
