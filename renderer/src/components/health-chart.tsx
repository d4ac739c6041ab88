// Health-check latency over time as an inline SVG drawn at its real pixel size (text never squashed):
// a time axis, a robust scale, failures and off-scale checks as marks in a lane on top, restarts dashed.
import { useRef } from 'react';
import { useClientWidth, useTruth } from './hooks';
import { useStore } from '../store/context';
import { ChartAxes } from './chart-axes';
import { chartModel, formatMs, LANE_Y } from './chart-model';

const HEIGHT = 200;

export function HealthChart() {
  const samples = useStore((s) => s.health);
  const restarts = useStore((s) => s.restarts);
  const truth = useTruth({ clock: true });
  const box = useRef<HTMLDivElement>(null);
  const width = useClientWidth(box, 640);
  const m = chartModel(samples, restarts, { width, height: HEIGHT }, truth.clock);
  const minutes = (m.spanMs / 60000).toFixed(0);
  const desc = m.count
    ? `${m.count} health checks over the last ${minutes} minutes; ${m.failures.length} failed; ` +
      `${m.restartXs.length} restarts; median latency ${m.median !== null ? formatMs(m.median) : 'n/a'}.`
    : 'No health checks yet.';
  return (
    <section className="card chart-card" aria-labelledby="health-heading">
      <div className="card-head">
        <h2 id="health-heading">Health checks</h2>
        <span className="muted">
          last {minutes} min · scale 0–{formatMs(m.yMax)}
        </span>
      </div>
      <div ref={box} className="chart-box">
        <svg
          className="health-chart"
          data-testid="health-chart"
          width={width}
          height={HEIGHT}
          role="img"
          aria-labelledby="health-title health-desc"
        >
          <title id="health-title">Health check latency</title>
          <desc id="health-desc">{desc}</desc>
          <ChartAxes plot={m.plot} yTicks={m.yTicks} xTicks={m.xTicks} />
          <text
            className="axis-label lane-label"
            x={m.plot.left - 6}
            y={LANE_Y + 4}
            textAnchor="end"
          >
            off-scale
          </text>
          {m.restartXs.map((x, i) => (
            <line
              key={`r${i}`}
              className="restart-mark"
              data-testid="health-restart"
              x1={x}
              x2={x}
              y1={m.plot.top - 18}
              y2={m.plot.bottom}
            />
          ))}
          {m.line.map((seg, i) => (
            <path
              key={`l${i}`}
              className="latency-line"
              d={seg.map((p, k) => `${k ? 'L' : 'M'}${p.x.toFixed(1)},${p.y.toFixed(1)}`).join(' ')}
            />
          ))}
          {m.line.map((seg) =>
            seg.length === 1 && seg[0] ? (
              <circle
                key={`d${seg[0].s.at}`}
                className="latency-dot"
                cx={seg[0].x}
                cy={seg[0].y}
                r={2.5}
              />
            ) : null,
          )}
          {m.startups.map((p, i) => (
            <rect
              key={`s${i}`}
              className="startup-mark"
              data-testid="health-startup"
              x={p.x - 3.5}
              y={p.y - 3.5}
              width={7}
              height={7}
              transform={`rotate(45 ${p.x} ${p.y})`}
            >
              <title>{`start-up probe: ${formatMs(p.s.latencyMs)}`}</title>
            </rect>
          ))}
          {m.outliers.map((p, i) => (
            <path
              key={`o${i}`}
              className="outlier-mark"
              data-testid="health-outlier"
              d={`M${p.x - 4},${p.y + 4} L${p.x},${p.y - 4} L${p.x + 4},${p.y + 4} Z`}
            >
              <title>{`${formatMs(p.s.latencyMs)} (off the scale)`}</title>
            </path>
          ))}
          {m.failures.map((p, i) => (
            <g key={`f${i}`} className="failure-mark" data-testid="health-failure">
              <title>{`${p.s.result}${p.s.detail ? `: ${p.s.detail}` : ''} after ${formatMs(p.s.latencyMs)}`}</title>
              <line x1={p.x - 4} y1={p.y - 4} x2={p.x + 4} y2={p.y + 4} />
              <line x1={p.x - 4} y1={p.y + 4} x2={p.x + 4} y2={p.y - 4} />
            </g>
          ))}
          {!m.count && (
            <text
              className="axis-label"
              x={(m.plot.left + m.plot.right) / 2}
              y={HEIGHT / 2}
              textAnchor="middle"
            >
              No health checks yet: they appear once containerd is started.
            </text>
          )}
        </svg>
      </div>
      <p className="muted chart-legend">
        <span className="legend-line" aria-hidden="true" /> latency
        <span className="legend-fail" aria-hidden="true">
          ✕
        </span>{' '}
        failed check
        <span className="legend-outlier" aria-hidden="true">
          ▲
        </span>{' '}
        slow (off-scale)
        <span className="legend-startup" aria-hidden="true">
          ◆
        </span>{' '}
        start-up probe
        <span className="legend-restart" aria-hidden="true" /> restart
      </p>
    </section>
  );
}
