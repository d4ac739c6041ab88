// mkdir -p that cannot spin: Node 20's recursive mkdir never returns under /proc or /sys.
import { mkdir, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';

const errnoError = (code: string, message: string) =>
  Object.assign(new Error(`${code}: ${message}`), { code });

/**
 * mkdir -p, one component at a time. Node 20's recursive mkdir retries a parent that exists but
 * takes no new entries (/proc, /sys) forever; here that is an ENOENT at once. Resolves to the
 * first directory it created, like mkdir's recursive mode.
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
