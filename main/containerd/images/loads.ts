// The running loads of one app, by the caller's id, so a load can be cancelled as a pull is.
import type { CommandPayload } from '../../../common/contract';
import type { LoadResult } from '../../../common/containerd';
import type { ContainerdClient } from '../client';
import { InsideError } from '../errors';
import { loadFile } from './files';

export class Loads {
  private readonly running = new Map<string, AbortController>();

  constructor(private readonly ready: () => ContainerdClient) {}

  async load(p: CommandPayload<'image:load'>): Promise<LoadResult> {
    const c = this.ready();
    const ac = new AbortController();
    if (p.loadId !== undefined) {
      if (this.running.has(p.loadId))
        throw new InsideError(
          'already-exists',
          `a load with id ${p.loadId} is already running`,
          'Use a new load id for each load.',
        );
      this.running.set(p.loadId, ac);
    }
    try {
      return await loadFile(c, p.namespace, p.path, ac.signal);
    } finally {
      if (p.loadId !== undefined && this.running.get(p.loadId) === ac)
        this.running.delete(p.loadId);
    }
  }

  cancel(loadId: string): { loadId: string; cancelled: boolean } {
    const ac = this.running.get(loadId);
    ac?.abort();
    return { loadId, cancelled: ac !== undefined };
  }

  /** Cancel every load (the app is quitting). */
  dispose(): void {
    for (const ac of this.running.values()) ac.abort();
  }
}
