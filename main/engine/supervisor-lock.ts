// One supervisor per state dir: a lock file naming the owning process, stale when it is gone.
import { link, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { EngineError } from './errors';
import { readStartTime, readState } from './proc';

interface LockOwner {
  pid: number;
  startTime: string | null;
}

function ownerAlive(o: LockOwner): boolean {
  // A zombie keeps its pid and start time until its parent reaps it, which may be never; it
  // supervises nothing, so it holds no lock. Same pid and same start time: a recycled pid does
  // not keep a dead owner's lock either.
  const state = readState(o.pid);
  if (state === null || state === 'Z' || state === 'X') return false;
  return o.startTime !== null && readStartTime(o.pid) === o.startTime;
}

function parseOwner(text: string | null): LockOwner | null {
  try {
    const o = JSON.parse(text ?? '') as Partial<LockOwner>;
    return typeof o.pid === 'number' ? { pid: o.pid, startTime: o.startTime ?? null } : null;
  } catch {
    return null;
  }
}

const readText = (file: string) => readFile(file, 'utf8').catch(() => null);
const readOwner = async (file: string) => parseOwner(await readText(file));
const errCode = (err: unknown) => (err as NodeJS.ErrnoException).code;

// A short name for one lock content (FNV-1a): takers of the same stale lock contend for the same
// claim file, and a later lock (other content) gets another one.
function contentTag(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return `${h.toString(16)}-${text.length}`;
}

/**
 * Take the lock for this process. A live other owner → EngineError('busy'); a dead, zombie or
 * unreadable one is replaced. Two engines on one state dir would both respawn the same daemon.
 */
export async function acquireSupervisorLock(file: string): Promise<() => Promise<void>> {
  const me: LockOwner = { pid: process.pid, startTime: readStartTime(process.pid) };
  // The lock appears whole (link of a written file), never empty: a taker reading a lock that is
  // being created would otherwise judge it unreadable, hence stale, and take it too.
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify(me), { mode: 0o600 });
  try {
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        await link(tmp, file);
        return release(file, me);
      } catch (err) {
        if (errCode(err) !== 'EEXIST') throw err;
      }
      const seen = await readText(file);
      if (seen === null) continue; // released meanwhile: try to create it again
      const owner = parseOwner(seen);
      if (owner && owner.pid === me.pid) return release(file, me);
      if (owner && ownerAlive(owner)) {
        throw new EngineError(
          'busy',
          `another Containerd Desktop (pid ${owner.pid}) already supervises the state directory ${dirname(file)}`,
          `use that one (cdesk status), stop it (kill ${owner.pid}), or pass another --state directory`,
        );
      }
      if (await replaceStale(file, seen, tmp)) return release(file, me);
    }
  } finally {
    await unlink(tmp).catch(() => undefined);
  }
  throw new EngineError(
    'busy',
    `could not take the supervisor lock ${file}`,
    'try again in a moment',
  );
}

/**
 * Replace the stale lock whose content is `seen` with `tmp`. Only the taker that creates the
 * claim file for this content (O_EXCL) may replace it, and it checks the content again while it
 * holds the claim: a lock once replaced never holds `seen` again (a dead owner writes no lock), so
 * of any number of racing takers exactly one wins and the others see the winner's live lock.
 */
async function replaceStale(file: string, seen: string, tmp: string): Promise<boolean> {
  const claim = `${file}.claim-${contentTag(seen)}`;
  try {
    await writeFile(claim, String(process.pid), { flag: 'wx', mode: 0o600 });
  } catch (err) {
    if (errCode(err) !== 'EEXIST') throw err;
    // Another taker holds it for microseconds; one left for longer was a taker killed mid-way.
    await new Promise((r) => setTimeout(r, 50));
    if ((await readText(file)) !== seen) return false;
    throw new EngineError(
      'busy',
      `the stale supervisor lock ${file} is claimed by ${claim}, left by a process that stopped while taking it`,
      `if no Containerd Desktop runs on ${dirname(file)}, remove ${claim} and try again`,
    );
  }
  try {
    if ((await readText(file)) !== seen) return false;
    // Renamed over the stale one: there is no moment without a lock file.
    await rename(tmp, file);
    return true;
  } finally {
    await unlink(claim).catch(() => undefined);
  }
}

function release(file: string, me: LockOwner): () => Promise<void> {
  return async () => {
    const owner = await readOwner(file);
    if (owner?.pid === me.pid) await unlink(file).catch(() => undefined);
  };
}
