// Recent health-check latency as an inline SVG: failures in red, restarts as dashed lines.
import type { HealthEvent } from '../../../common/states';
import { useStore } from '../store/context';

const W = 600;
const H = 160;
const PAD = { left: 44, right: 8, top: 10, bottom: 20 };

export const CHART_SAMPLES = 150;

/** Pure geometry so it can be tested without a DOM. */
export function chartModel(samples: readonly HealthEvent[], restarts: readonly number[]) {
  const recent = samples.slice(-CHART_SAMPLES);
  const t0 = recent[0]?.at ?? 0;
  const t1 = recent[recent.length - 1]?.at ?? t0;
  const span = Math.max(t1 - t0, 1);
  const maxLatency = Math.max(1, ...recent.map((s) => s.latencyMs)) * 1.1;
  const x = (t: number) => PAD.left + ((t - t0) / span) * (W - PAD.left - PAD.right);
  const y = (ms: number) => H - PAD.bottom - (ms / maxLatency) * (H - PAD.top - PAD.bottom);
  const points = recent.map((s) => ({ s, x: x(s.at), y: y(s.latencyMs) }));
  const failures = points.filter((p) => !p.s.ok);
  const restartXs = restarts.filter((t) => t >= t0 && t <= t1).map(x);
  const sorted = recent
    .filter((s) => s.ok)
    .map((s) => s.latencyMs)
    .sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)] ?? null;
  return { points, failures, restartXs, maxLatency, median, t0, t1 };
}

export function HealthChart() {
  const samples = useStore((s) => s.health);
  const restarts = useStore((s) => s.restarts);
  const m = chartModel(samples, restarts);
  const line = m.points
    .map((p, i) => `${i ? 'L' : 'M'}${p.x.toFixed(1)},${p.y.toFixed(1)}`)
    .join(' ');
  const minutes = Math.max(0, (m.t1 - m.t0) / 60000).toFixed(1);
  const desc = m.points.length
    ? `${m.points.length} health checks over the last ${minutes} minutes; ${m.failures.length} failed; ` +
      `${m.restartXs.length} restarts; median latency ${m.median !== null ? `${m.median.toFixed(1)} ms` : 'n/a'}.`
    : 'No health checks yet.';
  return (
    <section className="panel" aria-labelledby="health-heading">
      <h2 id="health-heading">Health</h2>
      <svg
        className="health-chart"
        data-testid="health-chart"
        viewBox={`0 0 ${W} ${H}`}
        role="img"
        aria-labelledby="health-title health-desc"
        preserveAspectRatio="none"
      >
        <title id="health-title">Health check latency</title>
        <desc id="health-desc">{desc}</desc>
        <line
          className="axis"
          x1={PAD.left}
          y1={H - PAD.bottom}
          x2={W - PAD.right}
          y2={H - PAD.bottom}
        />
        <line className="axis" x1={PAD.left} y1={PAD.top} x2={PAD.left} y2={H - PAD.bottom} />
        <text className="axis-label" x={PAD.left - 4} y={PAD.top + 8} textAnchor="end">
          {`${m.maxLatency.toFixed(0)} ms`}
        </text>
        <text className="axis-label" x={PAD.left - 4} y={H - PAD.bottom} textAnchor="end">
          0
        </text>
        {m.restartXs.map((x, i) => (
          <line
            key={`r${i}`}
            className="restart-mark"
            data-testid="health-restart"
            x1={x}
            x2={x}
            y1={PAD.top}
            y2={H - PAD.bottom}
          />
        ))}
        {line && <path className="latency-line" d={line} />}
        {!m.points.length && (
          <text className="axis-label" x={W / 2} y={H / 2} textAnchor="middle">
            No health checks yet: they appear once containerd is started.
          </text>
        )}
        {m.failures.map((p, i) => (
          <circle
            key={`f${i}`}
            className="failure-mark"
            data-testid="health-failure"
            cx={p.x}
            cy={p.y}
            r={4}
          >
            <title>{`${p.s.result}${p.s.detail ? `: ${p.s.detail}` : ''}`}</title>
          </circle>
        ))}
      </svg>
      <p className="muted chart-legend">
        <span className="legend-line" aria-hidden="true" /> latency
        <span className="legend-fail" aria-hidden="true" /> failed check
        <span className="legend-restart" aria-hidden="true" /> restart
      </p>
    </section>
  );
}
