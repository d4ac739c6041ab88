// The headless access token on disk (0600), so scripts and other tools of the same user can find it,
// and so a restarted server can keep the token an open tab already holds.
import * as fsp from 'node:fs/promises';
import path from 'node:path';
import { makeDirs } from '../shared/make-dirs';
import { writeFileAtomic } from '../shared/write-file-atomic';

/** `<state dir>/serve.token`: next to the pidfile and log, in the app's private (0700) state dir. */
export function tokenFilePath(stateDir: string): string {
  return path.join(stateDir, 'serve.token');
}

/** The shape newToken() makes: 32 bytes, base64url. */
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

/** Why a token file was not reused (null when it was, or when there was none). */
export type KeptToken = { token: string } | { token: null; why: string | null };

/**
 * The token a previous server left, if the file is safe to trust: a regular file (not a link),
 * owned by us, readable by nobody else, holding one token of the shape we make. Anything else is
 * ignored (a fresh token replaces it), with the reason for the log.
 */
export async function readKeptToken(file: string): Promise<KeptToken> {
  let st;
  try {
    st = await fsp.lstat(file);
  } catch {
    return { token: null, why: null };
  }
  if (!st.isFile()) return { token: null, why: `${file} is not a regular file` };
  const uid = process.getuid?.();
  if (uid !== undefined && st.uid !== uid)
    return { token: null, why: `${file} is owned by uid ${st.uid}, not by you (uid ${uid})` };
  if ((st.mode & 0o077) !== 0)
    return {
      token: null,
      why: `${file} is readable by others (mode ${(st.mode & 0o777).toString(8)}, want 600)`,
    };
  if (st.size > 256) return { token: null, why: `${file} is ${st.size} bytes, not one token` };
  const text = (await fsp.readFile(file, 'utf8').catch(() => '')).trim();
  if (!TOKEN_SHAPE.test(text)) return { token: null, why: `${file} does not hold a token` };
  return { token: text };
}

/** Write the token atomically, 0600 from creation; a folder we create is 0700. */
export async function writeTokenFile(file: string, token: string): Promise<void> {
  const dir = path.dirname(file);
  const created = await makeDirs(dir, 0o700);
  if (created !== undefined) await fsp.chmod(dir, 0o700);
  await writeFileAtomic(file, `${token}\n`, 0o600);
}
