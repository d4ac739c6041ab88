// One stats series over the last minute, drawn like the health chart: real pixel size, time axis, round scale.
import { useRef } from 'react';
import { ChartAxes } from './chart-axes';
import { useClientWidth } from './hooks';
import { seriesModel, type StatsPoint } from './stats-model';

const HEIGHT = 160;

export function StatsChart(props: {
  title: string;
  points: readonly StatsPoint[];
  value: (p: StatsPoint) => number | null;
  format: (v: number) => string;
  floor: number;
  now: number;
  testId: string;
}) {
  const box = useRef<HTMLDivElement>(null);
  const width = useClientWidth(box, 480);
  const m = seriesModel(
    props.points,
    props.value,
    { width, height: HEIGHT },
    props.now,
    props.floor,
  );
  const path = m.line.map((p, i) => `${i ? 'L' : 'M'}${p.x.toFixed(1)},${p.y.toFixed(1)}`).join('');
  return (
    <section className="card chart-card cp-chart" aria-label={`${props.title}, last minute`}>
      <div className="card-head">
        <h3>{props.title}</h3>
        <span className="muted">last 1 min · scale 0–{props.format(m.yMax)}</span>
      </div>
      <div ref={box} className="chart-box">
        <svg
          className="health-chart"
          data-testid={props.testId}
          width={width}
          height={HEIGHT}
          role="img"
        >
          <title>{`${props.title} over the last minute`}</title>
          <ChartAxes
            plot={m.plot}
            yTicks={m.yTicks.map((t) => ({ y: t.y, label: props.format(t.v) }))}
            xTicks={m.xTicks}
          />
          {path && <path className="latency-line" d={path} fill="none" />}
        </svg>
      </div>
    </section>
  );
}
