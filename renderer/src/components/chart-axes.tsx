// The axes both charts draw: horizontal gridlines labelled on the left, time ticks along the bottom.
import type { XTick } from './chart-model';

export function ChartAxes(props: {
  plot: { left: number; right: number; bottom: number };
  yTicks: readonly { y: number; label: string }[];
  xTicks: readonly XTick[];
}) {
  const { plot } = props;
  return (
    <>
      {props.yTicks.map((t, i) => (
        <g key={`y${i}`}>
          <line className="grid" x1={plot.left} x2={plot.right} y1={t.y} y2={t.y} />
          <text className="axis-label" x={plot.left - 6} y={t.y + 4} textAnchor="end">
            {t.label}
          </text>
        </g>
      ))}
      {props.xTicks.map((t, i) => (
        <g key={`x${i}`}>
          <line className="tick" x1={t.x} x2={t.x} y1={plot.bottom} y2={plot.bottom + 4} />
          <text className="axis-label" x={t.x} y={plot.bottom + 16} textAnchor={t.anchor}>
            {t.label}
          </text>
        </g>
      ))}
    </>
  );
}
