// The window's pulls as plain data: started here or seen in progress events (the CLI's too), each
// layer's speed and ETA measured from successive events, bounded in number. Pure: time comes in.
import type {
  PullLayerStatus,
  PullPhase,
  PullProgress,
  PullResult,
} from '../../../common/containerd';
import type { ContractError, Result } from '../../../common/contract';

/** A pull this window asked for whose first progress event has not come yet. */
export type PullEntryPhase = PullPhase | 'starting';

export interface LayerView {
  digest: string;
  current: number;
  total: number;
  status: PullLayerStatus;
  /** Bytes a second over the last few events (0 when not downloading). */
  bytesPerSecond: number;
  /** Seconds left at that speed; null when unknown (no speed yet, or not downloading). */
  etaSeconds: number | null;
}

export interface PullEntry {
  pullId: string;
  namespace: string;
  /** What the user typed, then the normalised reference once the app names it. */
  ref: string;
  phase: PullEntryPhase;
  layers: LayerView[];
  current: number;
  total: number;
  bytesPerSecond: number;
  etaSeconds: number | null;
  startedAt: number;
  updatedAt: number;
  /** Started from this window (its Pull field owns it) rather than seen in events. */
  mine: boolean;
  error: ContractError | null;
  result: PullResult | null;
  /** Recent (time, bytes) per layer digest, for the speed: a few seconds' worth at most. */
  samples: ReadonlyMap<string, readonly Sample[]>;
}

interface Sample {
  at: number;
  current: number;
}

export type PullsState = ReadonlyMap<string, PullEntry>;

/** Speed is measured over this window, as the app measures the overall one. */
export const SPEED_WINDOW_MS = 2_000;
/** Samples kept per layer (events come ~5 a second: 2 s is ~10). */
const MAX_SAMPLES = 16;
/** Pulls kept: every running one (the app runs at most 8), finished ones up to this many. */
export const MAX_FINISHED = 10;

const TERMINAL: ReadonlySet<PullEntryPhase> = new Set(['done', 'failed', 'cancelled']);

export const isFinished = (p: Pick<PullEntry, 'phase'>): boolean => TERMINAL.has(p.phase);

/** Running pulls, oldest first. */
export function runningPulls(s: PullsState): PullEntry[] {
  return [...s.values()].filter((p) => !isFinished(p)).sort((a, b) => a.startedAt - b.startedAt);
}

/** 0–100, whole; null before the total is known. */
export function percentOf(p: Pick<PullEntry, 'current' | 'total' | 'phase'>): number | null {
  if (p.phase === 'done') return 100;
  if (!p.total) return null;
  return Math.min(100, Math.floor((p.current * 100) / p.total));
}

/** docker.io/library/alpine:3.20 → alpine:3.20; other registries keep their host. */
export function shortRef(ref: string): string {
  return ref.replace(/^docker\.io\/library\//, '').replace(/^docker\.io\//, '');
}

/** The user pressed Pull: a placeholder until the app's first event. */
export function pullStarted(
  s: PullsState,
  p: { pullId: string; namespace: string; ref: string },
  at: number,
): PullsState {
  const next = new Map(s);
  next.set(p.pullId, {
    ...p,
    phase: 'starting',
    layers: [],
    current: 0,
    total: 0,
    bytesPerSecond: 0,
    etaSeconds: null,
    startedAt: at,
    updatedAt: at,
    mine: true,
    error: null,
    result: null,
    samples: new Map(),
  });
  return bounded(next);
}

function speedOf(samples: readonly Sample[]): number {
  if (samples.length < 2) return 0;
  const first = samples[0]!;
  const last = samples[samples.length - 1]!;
  const span = last.at - first.at;
  return span > 0 ? Math.max(0, ((last.current - first.current) * 1000) / span) : 0;
}

const etaOf = (remaining: number, speed: number): number | null =>
  speed > 0 && remaining > 0 ? Math.ceil(remaining / speed) : null;

/** One progress event from the app (this window's pull or another surface's). */
export function pullProgressed(s: PullsState, p: PullProgress, at: number): PullsState {
  const prev = s.get(p.pullId);
  // The reply may have settled it already; a late tick must not bring it back to life.
  if (prev && isFinished(prev)) return s;
  const samples = new Map<string, readonly Sample[]>();
  const layers: LayerView[] = p.layers.map((l) => {
    const old = (prev?.samples.get(l.digest) ?? []).filter((x) => at - x.at <= SPEED_WINDOW_MS);
    const kept = l.status === 'downloading' ? [...old, { at, current: l.current }] : [];
    const trimmed = kept.slice(-MAX_SAMPLES);
    samples.set(l.digest, trimmed);
    const speed = l.status === 'downloading' ? Math.round(speedOf(trimmed)) : 0;
    return {
      ...l,
      bytesPerSecond: speed,
      etaSeconds: l.status === 'downloading' ? etaOf(l.total - l.current, speed) : null,
    };
  });
  const next = new Map(s);
  next.set(p.pullId, {
    pullId: p.pullId,
    namespace: p.namespace,
    ref: p.ref,
    phase: p.phase,
    layers,
    current: p.current,
    total: p.total,
    bytesPerSecond: p.bytesPerSecond,
    etaSeconds: p.phase === 'downloading' ? etaOf(p.total - p.current, p.bytesPerSecond) : null,
    startedAt: prev?.startedAt ?? at,
    updatedAt: at,
    mine: prev?.mine ?? false,
    error: p.error ? { ...p.error, code: prev?.error?.code ?? asCode(p.error.code) } : null,
    result: prev?.result ?? null,
    samples,
  });
  return bounded(next);
}

/** Event errors carry a plain string code; the contract's codes are a closed list. */
function asCode(code: string): ContractError['code'] {
  return code as ContractError['code'];
}

/** The image:pull reply: done with the image, or failed/cancelled with the app's error and hint. */
export function pullSettled(
  s: PullsState,
  pullId: string,
  r: Result<PullResult>,
  at: number,
): PullsState {
  const prev = s.get(pullId);
  if (!prev) return s;
  const next = new Map(s);
  next.set(
    pullId,
    r.ok
      ? {
          ...prev,
          phase: 'done',
          result: r.value,
          ref: r.value.name,
          current: prev.total || prev.current,
          layers: prev.layers.map((l) => ({
            ...l,
            status: l.status === 'exists' ? 'exists' : 'done',
            current: l.total,
            bytesPerSecond: 0,
            etaSeconds: null,
          })),
          bytesPerSecond: 0,
          etaSeconds: null,
          updatedAt: at,
        }
      : {
          ...prev,
          phase: r.error.code === 'cancelled' ? 'cancelled' : 'failed',
          error: r.error,
          bytesPerSecond: 0,
          etaSeconds: null,
          layers: prev.layers.map((l) => ({ ...l, bytesPerSecond: 0, etaSeconds: null })),
          updatedAt: at,
        },
  );
  return bounded(next);
}

export function pullDismissed(s: PullsState, pullId: string): PullsState {
  if (!s.has(pullId)) return s;
  const next = new Map(s);
  next.delete(pullId);
  return next;
}

/** Keep every running pull; drop the oldest finished ones beyond MAX_FINISHED. */
function bounded(m: Map<string, PullEntry>): Map<string, PullEntry> {
  const finished = [...m.values()].filter(isFinished).sort((a, b) => a.updatedAt - b.updatedAt);
  for (const p of finished.slice(0, Math.max(0, finished.length - MAX_FINISHED)))
    m.delete(p.pullId);
  return m;
}
