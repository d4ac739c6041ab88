// A running container's CPU, memory, pids and block I/O, polled every second while the tab is on
// screen, with one-minute charts.
import { useEffect, useRef, useState } from 'react';
import type { TaskStats } from '../../../common/containerd';
import type { ContractError } from '../../../common/contract';
import { formatBytes } from '../../../common/format-bytes';
import { call } from '../store/inside-call';
import { useInsideStore } from '../store/inside-context';
import { StatsChart } from './stats-chart';
import { addSample, type StatsPoint } from './stats-model';
import { ErrorLine } from './view-states';

const POLL_MS = 1000;

export function formatCpu(v: number): string {
  return `${v < 10 ? v.toFixed(1) : Math.round(v)} %`;
}

export function ContainerStats(props: {
  namespace: string;
  id: string;
  active: boolean;
  running: boolean;
}) {
  const store = useInsideStore();
  const [last, setLast] = useState<{ s: TaskStats; hostMemory: number } | null>(null);
  const [points, setPoints] = useState<StatsPoint[]>([]);
  const [error, setError] = useState<ContractError | null>(null);
  const prev = useRef<TaskStats | undefined>(undefined);

  useEffect(() => {
    if (!props.active || !props.running) return;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const tick = async () => {
      const r = await call(store.client, 'tasks:stats', {
        namespace: props.namespace,
        ids: [props.id],
      });
      if (stopped) return;
      if (!r.ok) setError(r.error);
      else {
        setError(null);
        const s = r.value.stats.find((x) => x.id === props.id);
        if (s) {
          const before = prev.current;
          prev.current = s;
          setPoints((p) => addSample(p, before, s));
          setLast({ s, hostMemory: r.value.hostMemory });
        }
      }
      timer = setTimeout(() => void tick(), POLL_MS);
    };
    void tick();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [store, props.namespace, props.id, props.active, props.running]);

  if (!props.running)
    return (
      <p className="muted cp-empty" data-testid="container-stats">
        Stats are read from the running task: start the container to see them.
      </p>
    );
  const cpu = points.at(-1)?.cpu ?? null;
  const s = last?.s;
  const limit = s ? (s.memory.limit ?? last.hostMemory) : null;
  return (
    <div className="cp-stats" data-testid="container-stats">
      {error && <ErrorLine error={error} />}
      <dl className="cp-figures">
        <div>
          <dt>CPU</dt>
          <dd data-testid="stats-cpu">{cpu === null ? '…' : formatCpu(cpu)}</dd>
        </div>
        <div>
          <dt>Memory</dt>
          <dd data-testid="stats-memory">
            {s ? formatBytes(s.memory.workingSet) : '…'}
            {s && limit ? (
              <span className="muted">
                {' '}
                / {formatBytes(limit)}
                {s.memory.limit === null ? ' (host)' : ''}
              </span>
            ) : null}
          </dd>
        </div>
        <div>
          <dt>PIDs</dt>
          <dd>{s ? (s.pids ?? '—') : '…'}</dd>
        </div>
        <div>
          <dt>Block I/O</dt>
          <dd>
            {s
              ? `${formatBytes(s.blockIo.read)} read · ${formatBytes(s.blockIo.write)} written`
              : '…'}
          </dd>
        </div>
      </dl>
      <div className="cp-charts">
        <StatsChart
          title="CPU"
          points={points}
          value={(p) => p.cpu}
          format={formatCpu}
          floor={10}
          now={s?.at ?? 0}
          testId="stats-cpu-chart"
        />
        <StatsChart
          title="Memory"
          points={points}
          value={(p) => p.memory}
          format={(v) => formatBytes(v)}
          floor={1024 * 1024}
          now={s?.at ?? 0}
          testId="stats-memory-chart"
        />
      </div>
    </div>
  );
}
