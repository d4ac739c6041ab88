// Work running under ids its callers chose (pulls, loads), so it can be cancelled by id.

export class RunningById {
  private readonly running = new Map<string, AbortController>();

  get size(): number {
    return this.running.size;
  }

  has(id: string): boolean {
    return this.running.has(id);
  }

  /** `work` with a signal that cancel(id) and dispose() abort; work without an id is not tracked. */
  async run<T>(id: string | undefined, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const ac = new AbortController();
    if (id !== undefined) this.running.set(id, ac);
    try {
      return await work(ac.signal);
    } finally {
      if (id !== undefined && this.running.get(id) === ac) this.running.delete(id);
    }
  }

  /** True when `id` was running (it is cancelled now). */
  cancel(id: string): boolean {
    const ac = this.running.get(id);
    ac?.abort();
    return ac !== undefined;
  }

  /** Cancel all of it (the app is quitting). */
  dispose(): void {
    for (const ac of this.running.values()) ac.abort();
  }
}
