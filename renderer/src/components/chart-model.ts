// Health chart geometry, pure: a robust latency scale (outliers and start-up probes become marks,
// so they cannot flatten the normal checks), a time axis with readable ticks, and failure marks.
import type { HealthEvent } from '../../../common/states';

export interface ChartSize {
  width: number;
  height: number;
}

export const PAD = { left: 52, right: 12, top: 26, bottom: 24 };
/** The band above the plot where failed checks and off-scale values are drawn. */
export const LANE_Y = 12;

const STEPS_MS = [
  5_000, 10_000, 15_000, 30_000, 60_000, 120_000, 300_000, 600_000, 900_000, 1_800_000,
];

/** 1, 2, 5 × 10ⁿ at or above v (so the half-way gridline is a round number too). */
export function niceCeil(v: number): number {
  if (v <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

export function quantile(sorted: readonly number[], q: number): number | null {
  if (!sorted.length) return null;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.round(q * (sorted.length - 1))));
  return sorted[i] ?? null;
}

function two(n: number) {
  return String(n).padStart(2, '0');
}

export function tickLabel(t: number, stepMs: number): string {
  const d = new Date(t);
  const hm = `${two(d.getHours())}:${two(d.getMinutes())}`;
  return stepMs < 60_000 ? `${hm}:${two(d.getSeconds())}` : hm;
}

export interface XTick {
  x: number;
  label: string;
  anchor: 'start' | 'middle' | 'end';
}

/**
 * A tick every `stepMs` from t0 to t1 at `x(t)`; a label near either edge of a chart `width`
 * wide is anchored inward so it is never cut off.
 */
export function timeTicks(
  t0: number,
  t1: number,
  stepMs: number,
  x: (t: number) => number,
  width: number,
): XTick[] {
  const ticks: XTick[] = [];
  for (let t = Math.ceil(t0 / stepMs) * stepMs; t <= t1; t += stepMs) {
    const tx = x(t);
    const anchor = tx > width - 32 ? 'end' : tx < PAD.left + 20 ? 'start' : 'middle';
    ticks.push({ x: tx, label: tickLabel(t, stepMs), anchor });
  }
  return ticks;
}

export function formatMs(ms: number): string {
  if (ms >= 1000) return `${(ms / 1000).toFixed(ms >= 10_000 ? 0 : 1)} s`;
  if (ms >= 10) return `${Math.round(ms)} ms`;
  return `${Number(ms.toFixed(1))} ms`;
}

export interface ChartPoint {
  s: HealthEvent;
  x: number;
  y: number;
}

export function chartModel(
  samples: readonly HealthEvent[],
  restarts: readonly number[],
  size: ChartSize,
  now: number,
) {
  const { width: W, height: H } = size;
  const last = samples[samples.length - 1];
  const t1 = Math.max(now, last?.at ?? now);
  const first = samples.find((s) => s.at >= t1 - 15 * 60_000);
  const span = Math.min(15 * 60_000, Math.max(60_000, t1 - (first?.at ?? t1)));
  const t0 = t1 - span;
  const recent = samples.filter((s) => s.at >= t0);

  // Scale from the normal checks only: a 3 s start-up probe or a timeout must not set it.
  const normal = recent
    .filter((s) => s.ok && s.phase === 'liveness')
    .map((s) => s.latencyMs)
    .sort((a, b) => a - b);
  const median = quantile(normal, 0.5);
  const p95 = quantile(normal, 0.95);
  const yMax = niceCeil(Math.max(1, (p95 ?? 1) * 1.25, (median ?? 0) * 3));

  const plotW = Math.max(10, W - PAD.left - PAD.right);
  const plotH = Math.max(10, H - PAD.top - PAD.bottom);
  const x = (t: number) => PAD.left + ((t - t0) / span) * plotW;
  const y = (ms: number) => PAD.top + plotH - (Math.min(ms, yMax) / yMax) * plotH;

  const line: ChartPoint[][] = [];
  const failures: ChartPoint[] = [];
  const outliers: ChartPoint[] = [];
  const startups: ChartPoint[] = [];
  let seg: ChartPoint[] = [];
  let prevAt = -Infinity;
  for (const s of recent) {
    const p = { s, x: x(s.at), y: y(s.latencyMs) };
    if (!s.ok) {
      failures.push({ ...p, y: LANE_Y });
      if (seg.length) line.push(seg);
      seg = [];
      continue;
    }
    if (s.phase === 'startup') {
      startups.push(s.latencyMs > yMax ? { ...p, y: LANE_Y } : p);
      continue;
    }
    if (s.latencyMs > yMax) {
      outliers.push({ ...p, y: LANE_Y });
      continue;
    }
    // A restart or a long silence breaks the line instead of drawing a slope across it.
    const restarted = restarts.some((r) => r > prevAt && r <= s.at);
    if (seg.length && (restarted || s.at - prevAt > 60_000)) {
      line.push(seg);
      seg = [];
    }
    seg.push(p);
    prevAt = s.at;
  }
  if (seg.length) line.push(seg);

  const maxTicks = Math.max(2, Math.floor(plotW / 90));
  const step = STEPS_MS.find((st) => span / st <= maxTicks) ?? STEPS_MS[STEPS_MS.length - 1]!;
  const xTicks = timeTicks(t0, t1, step, x, W);
  const yTicks = [0, yMax / 2, yMax].map((v) => ({ y: y(v), label: formatMs(v) }));
  const restartXs = restarts.filter((t) => t >= t0 && t <= t1).map(x);
  return {
    line,
    failures,
    outliers,
    startups,
    restartXs,
    xTicks,
    yTicks,
    yMax,
    median,
    count: recent.length,
    spanMs: span,
    plot: { left: PAD.left, right: PAD.left + plotW, top: PAD.top, bottom: PAD.top + plotH },
  };
}
