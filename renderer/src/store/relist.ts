// Re-list scheduling: a burst of events costs one re-list after it ends, and a list is never fetched twice at once.
export const RELIST_DEBOUNCE_MS = 250;

export class Relister<K extends string> {
  private readonly timers = new Map<K, ReturnType<typeof setTimeout>>();
  private readonly inflight = new Set<K>();
  /** Asked for again while in flight: run once more when the current run ends. */
  private readonly dirty = new Set<K>();

  /** Run `run` for `key` `ms` after the last call for that key (each call restarts the wait). */
  later(key: K, run: () => void, ms = RELIST_DEBOUNCE_MS): void {
    const t = this.timers.get(key);
    if (t) clearTimeout(t);
    this.timers.set(
      key,
      setTimeout(() => {
        this.timers.delete(key);
        run();
      }, ms),
    );
  }

  /** Run one `key` at a time; calls while it runs collapse into one more run after it. */
  async once(key: K, run: () => Promise<void>): Promise<void> {
    if (this.inflight.has(key)) {
      this.dirty.add(key);
      return;
    }
    this.inflight.add(key);
    try {
      await run();
    } finally {
      this.inflight.delete(key);
    }
    if (this.dirty.delete(key)) await this.once(key, run);
  }

  /** Drop every pending `later` (the store stopped). */
  cancel(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }
}
