// A pull's progress, and its throttle: an event every `intervalMs` from the first change until the
// end (5 a second by default: at least 4, never more), plus the final one at once.
import type {
  PullLayerProgress,
  PullLayerStatus,
  PullPhase,
  PullProgress,
} from '../../../common/containerd';

/** 5 a second: "at least 4 a second" for the window, bounded for a slow transport. */
export const PROGRESS_INTERVAL_MS = 200;
/** Speed is measured over this window. */
const SPEED_WINDOW_MS = 2_000;

export class PullTracker {
  private phase: PullPhase = 'resolving';
  private readonly layers = new Map<string, PullLayerProgress>();
  /** Other blobs (config, manifests): counted in the totals, not listed. */
  private readonly extra = new Map<string, { current: number; total: number }>();
  private readonly samples: { at: number; bytes: number }[] = [];
  private timer: NodeJS.Timeout | null = null;
  private error: PullProgress['error'];
  private downloadedBytes = 0;
  /** Blobs whose write has reported its starting offset. */
  private readonly started = new Set<string>();
  private finished = false;

  constructor(
    private readonly base: { pullId: string; namespace: string; ref: string },
    private readonly emit: (p: PullProgress) => void,
    private readonly intervalMs = PROGRESS_INTERVAL_MS,
    private readonly now: () => number = Date.now,
  ) {}

  layer(digest: string, total: number): void {
    this.layers.set(digest, { digest, current: 0, total, status: 'waiting' });
    this.changed();
  }

  blob(digest: string, total: number): void {
    if (!this.layers.has(digest)) this.extra.set(digest, { current: 0, total });
    this.changed();
  }

  /**
   * Bytes of `digest` in the store so far (absolute, not a delta). The first report is where the
   * write starts: 0, or the offset a resumed ingest already had, which was not downloaded now.
   */
  bytes(digest: string, current: number): void {
    const l = this.layers.get(digest) ?? this.extra.get(digest);
    if (!l) return;
    const first = !this.started.has(digest);
    this.started.add(digest);
    if (!first && current > l.current) {
      this.downloadedBytes += current - l.current;
      this.samples.push({ at: this.now(), bytes: this.downloadedBytes });
    }
    l.current = current;
    this.changed();
  }

  status(digest: string, status: PullLayerStatus): void {
    const l = this.layers.get(digest);
    if (!l) return;
    l.status = status;
    if (status === 'exists' || status === 'done' || status === 'extracting') l.current = l.total;
    this.changed();
  }

  /** Already in the store: counts as complete, not as downloaded. */
  present(digest: string): void {
    const l = this.layers.get(digest) ?? this.extra.get(digest);
    if (l) l.current = l.total;
    this.changed();
  }

  setPhase(phase: PullPhase): void {
    this.phase = phase;
    this.changed();
  }

  get downloaded(): number {
    return this.downloadedBytes;
  }

  snapshot(): PullProgress {
    const all = [...this.layers.values(), ...this.extra.values()];
    const at = this.now();
    while (this.samples.length > 1 && at - this.samples[0]!.at > SPEED_WINDOW_MS)
      this.samples.shift();
    const first = this.samples[0];
    const last = this.samples[this.samples.length - 1];
    const span = first && last ? Math.max(at - first.at, 1) : 0;
    const bytesPerSecond =
      first && last && span > 0 && this.phase === 'downloading'
        ? Math.round(((last.bytes - first.bytes) * 1000) / span)
        : 0;
    return {
      ...this.base,
      phase: this.phase,
      layers: [...this.layers.values()].map((l) => ({ ...l })),
      current: all.reduce((n, l) => n + l.current, 0),
      total: all.reduce((n, l) => n + l.total, 0),
      bytesPerSecond,
      ...(this.error ? { error: this.error } : {}),
    };
  }

  private changed(): void {
    if (this.finished) return;
    this.timer ??= setInterval(() => this.tick(), this.intervalMs);
    this.timer.unref?.();
  }

  /** Every interval while the pull runs, changed or not: a long extraction still shows it is alive. */
  private tick(): void {
    this.emit(this.snapshot());
  }

  /** The last event, at once; no more after it. */
  finish(phase: 'done' | 'failed' | 'cancelled', error?: PullProgress['error']): void {
    if (this.finished) return;
    this.finished = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.phase = phase;
    this.error = error;
    this.emit(this.snapshot());
  }
}
