// The running loads of one app, by the caller's id, so a load can be cancelled as a pull is.
import type { CommandPayload } from '../../../common/contract';
import type { LoadResult } from '../../../common/containerd';
import { RunningById } from '../by-id';
import type { ContainerdClient } from '../client';
import { InsideError } from '../errors';
import { loadFile } from './files';

export class Loads {
  private readonly running = new RunningById();

  constructor(private readonly ready: () => ContainerdClient) {}

  async load(p: CommandPayload<'image:load'>): Promise<LoadResult> {
    const c = this.ready();
    if (p.loadId !== undefined && this.running.has(p.loadId))
      throw new InsideError(
        'already-exists',
        `a load with id ${p.loadId} is already running`,
        'Use a new load id for each load.',
      );
    return this.running.run(p.loadId, (signal) => loadFile(c, p.namespace, p.path, signal));
  }

  cancel(loadId: string): { loadId: string; cancelled: boolean } {
    return { loadId, cancelled: this.running.cancel(loadId) };
  }

  /** Cancel every load (the app is quitting). */
  dispose(): void {
    this.running.dispose();
  }
}
