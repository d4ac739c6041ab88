// One supervisor per state dir: a lock file naming the owning process, stale when it is gone.
import { open, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { EngineError } from './errors';
import { readStartTime } from './proc';

interface LockOwner {
  pid: number;
  startTime: string | null;
}

function ownerAlive(o: LockOwner): boolean {
  // Same pid and same start time: a recycled pid does not keep a dead owner's lock.
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

/**
 * Take the lock for this process. A live other owner → EngineError('busy'); a dead or unreadable
 * one is replaced. Two engines on one state dir would both respawn the same daemon after a crash.
 */
export async function acquireSupervisorLock(file: string): Promise<() => Promise<void>> {
  const me: LockOwner = { pid: process.pid, startTime: readStartTime(process.pid) };
  const body = JSON.stringify(me);
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const handle = await open(file, 'wx', 0o600);
      try {
        await handle.writeFile(body);
      } finally {
        await handle.close();
      }
      return release(file, me);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const seen = await readText(file);
    const owner = parseOwner(seen);
    if (owner && owner.pid === me.pid) return release(file, me);
    if (owner && ownerAlive(owner)) {
      throw new EngineError(
        'busy',
        `another Containerd Desktop (pid ${owner.pid}) already supervises the state directory ${dirname(file)}`,
        `use that one (cdesk status), stop it (kill ${owner.pid}), or pass another --state directory`,
      );
    }
    // Stale: replace it atomically so two takers cannot both win by unlinking.
    const tmp = `${file}.${process.pid}.tmp`;
    await writeFile(tmp, body, { mode: 0o600 });
    if ((await readText(file)) === seen) {
      await rename(tmp, file);
      return release(file, me);
    }
    await unlink(tmp).catch(() => undefined);
  }
  throw new EngineError(
    'busy',
    `could not take the supervisor lock ${file}`,
    'try again in a moment',
  );
}

function release(file: string, me: LockOwner): () => Promise<void> {
  return async () => {
    const owner = await readOwner(file);
    if (owner?.pid === me.pid) await unlink(file).catch(() => undefined);
  };
}
