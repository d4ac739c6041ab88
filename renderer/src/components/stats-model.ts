// A container's stats over the last minute, pure: samples in, CPU % (from counter deltas) and the
// chart's geometry out, on the health chart's axes (its padding, its round scale, its time ticks).
import { cpuPercent, type TaskStats } from '../../../common/containerd';
import { niceCeil, PAD, timeTicks, type ChartSize } from './chart-model';

export const WINDOW_MS = 60_000;

export interface StatsPoint {
  at: number;
  /** null for the first sample (no delta yet). */
  cpu: number | null;
  memory: number;
}

/** Append a sample (CPU % against the previous one), keeping one minute and at most 120 points. */
export function addSample(
  points: readonly StatsPoint[],
  prev: TaskStats | undefined,
  next: TaskStats,
): StatsPoint[] {
  const p: StatsPoint = {
    at: next.at,
    cpu: cpuPercent(prev, next),
    memory: next.memory.workingSet,
  };
  const kept = points.filter((q) => q.at > next.at - WINDOW_MS && q.at < next.at);
  return [...kept.slice(-119), p];
}

/** A line over the last minute; `value` picks the series; the scale is round and never below `floor`. */
export function seriesModel(
  points: readonly StatsPoint[],
  value: (p: StatsPoint) => number | null,
  size: ChartSize,
  now: number,
  floor: number,
) {
  const t1 = Math.max(now, points.at(-1)?.at ?? now);
  const t0 = t1 - WINDOW_MS;
  const vals = points.map(value).filter((v): v is number => v !== null);
  const yMax = niceCeil(Math.max(floor, ...vals) * 1.1);
  const plotW = Math.max(10, size.width - PAD.left - PAD.right);
  const plotH = Math.max(10, size.height - PAD.top - PAD.bottom);
  const x = (t: number) => PAD.left + ((t - t0) / WINDOW_MS) * plotW;
  const y = (v: number) => PAD.top + plotH - (Math.min(v, yMax) / yMax) * plotH;
  const line = points
    .filter((p) => p.at >= t0 && value(p) !== null)
    .map((p) => ({ x: x(p.at), y: y(value(p)!) }));
  const xTicks = timeTicks(t0, t1, 15_000, x, size.width);
  return {
    line,
    xTicks,
    yTicks: [0, yMax / 2, yMax].map((v) => ({ y: y(v), v })),
    yMax,
    plot: { left: PAD.left, right: PAD.left + plotW, top: PAD.top, bottom: PAD.top + plotH },
  };
}
