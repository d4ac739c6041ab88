// Finds the containerd executable: the setting, else PATH, else next to the app.
import { constants as fsc } from 'node:fs';
import { access, realpath, stat } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { EngineError } from './errors';

const INSTALL_HINT =
  'Install it (apt install containerd) or set its path in Settings / --containerd.';

type Probe =
  | { ok: true; real: string }
  | { ok: false; why: 'missing' | 'directory' | 'not-regular' | 'not-executable'; detail: string };

async function probe(file: string): Promise<Probe> {
  let st;
  try {
    st = await stat(file);
  } catch (err) {
    return { ok: false, why: 'missing', detail: (err as NodeJS.ErrnoException).code ?? 'error' };
  }
  if (st.isDirectory()) return { ok: false, why: 'directory', detail: 'a directory' };
  if (!st.isFile()) return { ok: false, why: 'not-regular', detail: 'not a regular file' };
  try {
    await access(file, fsc.X_OK);
  } catch {
    return { ok: false, why: 'not-executable', detail: 'not executable' };
  }
  // realpath: the engine compares it with /proc/PID/exe, which the kernel reports resolved.
  return { ok: true, real: await realpath(file) };
}

function explicitError(file: string, p: Exclude<Probe, { ok: true }>): EngineError {
  switch (p.why) {
    case 'missing':
      return new EngineError(
        'binary-missing',
        `The containerd binary set in Settings, ${file}, does not exist (${p.detail}).`,
        `Fix the path, or clear it to search PATH. ${INSTALL_HINT}`,
      );
    case 'directory':
      return new EngineError(
        'binary-is-directory',
        `The containerd path ${file} is a directory, not the containerd program.`,
        `Point the setting (Settings / --containerd) at the containerd file itself, e.g. ${join(file, 'containerd')}.`,
      );
    default:
      return new EngineError(
        'binary-not-executable',
        p.why === 'not-regular'
          ? `The containerd path ${file} is not a regular file.`
          : `The containerd binary ${file} is not executable by this user.`,
        `Make it executable (chmod +x ${file}) or pick another binary in Settings / --containerd.`,
      );
  }
}

/** The absolute, symlink-resolved path of the containerd binary to run. */
export async function resolveContainerdBinary(opts: {
  setting: string | null;
  pathEnv: string | undefined;
  appDir: string;
}): Promise<string> {
  if (opts.setting !== null) {
    const file = resolve(opts.setting);
    const p = await probe(file);
    if (p.ok) return p.real;
    throw explicitError(file, p);
  }
  // Only absolute PATH entries: an empty or relative one would mean "the current directory".
  const dirs = (opts.pathEnv ?? '').split(':').filter((d) => isAbsolute(d));
  const candidates = [...dirs, resolve(opts.appDir)].map((d) => join(d, 'containerd'));
  const skipped: string[] = [];
  for (const file of [...new Set(candidates)]) {
    const p = await probe(file);
    if (p.ok) return p.real;
    if (p.why !== 'missing') skipped.push(`${file} (${p.detail})`);
  }
  const where = [...dirs.map((d) => `PATH entry ${d}`), `next to the app in ${opts.appDir}`];
  throw new EngineError(
    'binary-missing',
    `containerd was not found. Looked in: ${where.join(', ')}.` +
      (skipped.length ? ` Skipped unusable: ${skipped.join(', ')}.` : ''),
    INSTALL_HINT,
  );
}
