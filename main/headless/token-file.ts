// The headless access token on disk (0600), so scripts and other tools of the same user can find it.
import * as fsp from 'node:fs/promises';
import path from 'node:path';
import { makeDirs } from '../shared/make-dirs';
import { writeFileAtomic } from '../shared/write-file-atomic';

/** `<state dir>/serve.token`: next to the pidfile and log, in the app's private (0700) state dir. */
export function tokenFilePath(stateDir: string): string {
  return path.join(stateDir, 'serve.token');
}

/** Write the token atomically, 0600 from creation; a folder we create is 0700. */
export async function writeTokenFile(file: string, token: string): Promise<void> {
  const dir = path.dirname(file);
  const created = await makeDirs(dir, 0o700);
  if (created !== undefined) await fsp.chmod(dir, 0o700);
  await writeFileAtomic(file, `${token}\n`, 0o600);
}

/** Remove the file if it still holds our token (a later `cdesk serve` may have replaced it). */
export async function removeTokenFile(file: string, token: string): Promise<void> {
  const text = await fsp.readFile(file, 'utf8').catch(() => null);
  if (text?.trim() === token) await fsp.rm(file, { force: true });
}
