// How far V8 lets garbage pile up before a full collection, for the app's long-running processes.
import { setFlagsFromString } from 'node:v8';

/**
 * Heap growth between full collections: at most 1.5× the live heap (V8 picks up to 4× when a
 * program allocates fast). A log flood followed by `cdesk daemon logs -f` turns every line into JSON
 * that outlives a young collection or two; with V8's own factor that garbage took serve's RSS
 * past its documented bound (idle + 4 × logRingBytes + 64 MiB: 255–317 MiB measured against 264).
 * With 1.5×: 221–227 MiB in the same flood, log ingest ~10 % slower, its peak RSS 136 vs 170 MiB.
 * A flag V8 reads at every full collection, so setting it once at start is enough.
 */
export function boundHeapGrowth(): void {
  setFlagsFromString('--heap-growing-percent=50');
}
