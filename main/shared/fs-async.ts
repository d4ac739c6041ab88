// The node:fs calls made before `cdesk run` spawns containerd, as promises, without loading
// node:fs/promises: that module and the readline and watcher modules it pulls in cost ~1.5 ms of
// CPU on that path (issue 8). Each is util.promisify of the node:fs call of the same name, so it
// behaves like the fs/promises function, except that open() gives a plain file descriptor.
import {
  access as accessCb,
  chmod as chmodCb,
  close as closeCb,
  fchmod as fchmodCb,
  fsync as fsyncCb,
  link as linkCb,
  lstat as lstatCb,
  mkdir as mkdirCb,
  open as openCb,
  readFile as readFileCb,
  realpath as realpathCb,
  rename as renameCb,
  rm as rmCb,
  stat as statCb,
  unlink as unlinkCb,
  writeFile as writeFileCb,
} from 'node:fs';
import { dirname, resolve } from 'node:path';
import { promisify } from 'node:util';

export const access = promisify(accessCb);
export const chmod = promisify(chmodCb);
export const close = promisify(closeCb);
export const fchmod = promisify(fchmodCb);
export const fsync = promisify(fsyncCb);
export const link = promisify(linkCb);
export const lstat = promisify(lstatCb);
export const mkdir = promisify(mkdirCb);
export const open = promisify(openCb);
export const readFile = promisify(readFileCb);
export const realpath = promisify(realpathCb);
export const rename = promisify(renameCb);
export const rm = promisify(rmCb);
export const stat = promisify(statCb);
export const unlink = promisify(unlinkCb);
export const writeFile = promisify(writeFileCb);

const errnoError = (code: string, message: string) =>
  Object.assign(new Error(`${code}: ${message}`), { code });

/**
 * mkdir -p, one component at a time. Node 20's recursive mkdir never returns under /proc or /sys
 * (it retries a parent that exists but takes no new entries); here that is an ENOENT at once.
 * Resolves to the first directory it created, like mkdir's recursive mode.
 */
export async function makeDirs(dir: string, mode: number): Promise<string | undefined> {
  const target = resolve(dir);
  const missing: string[] = [];
  for (let d = target; ; d = dirname(d)) {
    try {
      const st = await stat(d);
      if (d === target && !st.isDirectory())
        throw errnoError('EEXIST', `file already exists, mkdir '${d}'`);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || dirname(d) === d) throw err;
      missing.push(d);
    }
  }
  let first: string | undefined;
  for (const d of missing.reverse()) {
    try {
      await mkdir(d, { mode });
      first ??= d;
    } catch (err) {
      // Another process made it meanwhile: fine, as long as it is a directory.
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || !(await stat(d)).isDirectory())
        throw err;
    }
  }
  return first;
}
