// The pidfile: who the running containerd is, so a later launch can adopt it or clean up safely.
import { readFile, rm } from 'node:fs/promises';
import * as z from 'zod';
import { writeFileAtomic } from '../shared/write-file-atomic';
import { EngineError } from './errors';
import { linuxProc, type ProcReader } from './proc';

export interface PidfileEntry {
  pid: number;
  /** Field 22 of /proc/PID/stat: distinguishes our daemon from a later process reusing the pid. */
  startTime: string;
  exe: string;
  configPath: string;
  /** Epoch ms. */
  writtenAt: number;
}

/** What a pidfile of ours holds; other keys are dropped. */
const pidfileSchema = z.object({
  pid: z.number().int().positive(),
  startTime: z.string().regex(/^\d+$/),
  exe: z.string().min(1),
  configPath: z.string().min(1),
  writtenAt: z.number(),
});

/** Write the pidfile as JSON, atomically, readable only by us. */
export async function writePidfile(file: string, entry: PidfileEntry): Promise<void> {
  await writeFileAtomic(file, `${JSON.stringify(entry)}\n`, 0o600);
}

/** The entry; null when there is no pidfile; 'corrupt' when it is not one of ours. */
export async function readPidfile(file: string): Promise<PidfileEntry | null | 'corrupt'> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    if (code === 'ENOENT') return null;
    throw new EngineError(
      'state-dir',
      `Cannot read the pidfile ${file}: ${code}.`,
      `Make ${file} a file readable by you, or remove it.`,
      { cause: err },
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return 'corrupt';
  }
  const entry = pidfileSchema.safeParse(json);
  return entry.success ? entry.data : 'corrupt';
}

/** Remove the pidfile; already gone is fine. */
export async function removePidfile(file: string): Promise<void> {
  await rm(file, { force: true });
}

/** What a pidfile entry for this live process would say; null if it is gone or unreadable. */
export function identityOf(
  pid: number,
  configPath: string,
  proc: ProcReader = linuxProc,
): PidfileEntry | null {
  if (!proc.isAlive(pid)) return null;
  const startTime = proc.readStartTime(pid);
  const exe = proc.readExe(pid);
  if (startTime === null || exe === null) return null;
  return { pid, startTime, exe, configPath, writtenAt: Date.now() };
}

function hasConfigArg(argv: string[], configPath: string): boolean {
  return argv.some(
    (a, i) => (a === '--config' && argv[i + 1] === configPath) || a === `--config=${configPath}`,
  );
}

/**
 * Is the process named by a pidfile still our containerd? 'mismatch' means a live process that
 * is not ours (pid reused, other binary or config): it must never be signalled.
 */
export function checkIdentity(
  entry: PidfileEntry,
  expected: { exe: string; configPath: string },
  proc: ProcReader = linuxProc,
): 'match' | 'dead' | 'mismatch' {
  const { pid } = entry;
  if (!proc.isAlive(pid)) return 'dead';
  const state = proc.readState(pid);
  // A zombie has exited already; 'X' is the kernel's transient "dead" state.
  if (state === 'Z' || state === 'X') return 'dead';
  if (state === null) return proc.isAlive(pid) ? 'mismatch' : 'dead';
  // Anything we cannot read counts as a mismatch: better to start anew than signal a stranger.
  if (proc.readStartTime(pid) !== entry.startTime) return 'mismatch';
  const exe = proc.readExe(pid);
  if (exe === null || exe !== expected.exe || exe !== entry.exe) return 'mismatch';
  if (entry.configPath !== expected.configPath) return 'mismatch';
  const argv = proc.readCmdline(pid);
  if (argv === null || !hasConfigArg(argv, expected.configPath)) return 'mismatch';
  return 'match';
}
