// The Status page's tiles: uptime, health, restarts by cause, containers. Counters use the truth
// clock, so they freeze at "last seen" when the app is unreachable.
import type { ReactNode } from 'react';
import { formatContainerdVersion } from '../../../common/containerd';
import type { HealthEvent } from '../../../common/states';
import { formatDuration, formatExit, formatHMS } from './format';
import { useTruth } from './hooks';
import { useStore } from '../store/context';
import { countdownText, failingCheck } from '../store/truth';
import { formatMs, quantile } from './chart-model';
import { PageLink } from './page-link';

function Tile(props: { title: string; testId: string; children: ReactNode; stale: boolean }) {
  return (
    <section
      className={`card tile${props.stale ? ' stale' : ''}`}
      data-testid={props.testId}
      aria-label={props.title}
    >
      <h3 className="tile-title">{props.title}</h3>
      {props.children}
    </section>
  );
}

/** A tiny trend of the last normal checks (no axes: the chart below has them). */
function Sparkline(props: { samples: readonly HealthEvent[] }) {
  const vals = props.samples
    .filter((s) => s.ok && s.phase === 'liveness')
    .slice(-30)
    .map((s) => s.latencyMs);
  if (vals.length < 2) return null;
  const sorted = [...vals].sort((a, b) => a - b);
  const top = Math.max(0.1, (quantile(sorted, 0.95) ?? 1) * 1.2);
  const w = 96;
  const h = 24;
  const d = vals
    .map((v, i) => {
      const x = (i / (vals.length - 1)) * w;
      const y = h - 2 - (Math.min(v, top) / top) * (h - 4);
      return `${i ? 'L' : 'M'}${x.toFixed(1)},${y.toFixed(1)}`;
    })
    .join(' ');
  return (
    <svg className="sparkline" width={w} height={h} aria-hidden="true">
      <path d={d} />
    </svg>
  );
}

function plural(n: number, one: string, many = `${one}s`) {
  return `${n} ${n === 1 ? one : many}`;
}

export function restartCausesText(c: { crash: number; hang: number; user: number }): string {
  return `${plural(c.crash, 'crash', 'crashes')} · ${plural(c.hang, 'hang')} · ${c.user} by you`;
}

export function StatusTiles(props: { extra?: (stale: boolean) => ReactNode }) {
  const status = useStore((s) => s.status);
  const health = useStore((s) => s.health);
  const truth = useTruth({ clock: true });
  if (!status) return <TilesSkeleton />;
  const stale = truth.kind === 'unknown';
  const now = truth.clock;
  // While the app is unreachable every figure is as old as the last word from it: say so, and
  // give moments as times of day rather than ages that would silently stop growing.
  const asOf = stale ? (
    <div className="tile-sub muted" data-testid="as-of">
      as of {formatHMS(now)}
    </div>
  ) : null;
  const ago = (at: number) =>
    stale ? `at ${formatHMS(at)}` : `${formatDuration(Math.max(0, now - at))} ago`;
  const running = status.runningSince != null;
  const fail = failingCheck(status, health);
  const normal = health
    .filter((s) => s.ok && s.phase === 'liveness')
    .slice(-60)
    .map((s) => s.latencyMs)
    .sort((a, b) => a - b);
  const median = quantile(normal, 0.5);
  // The newest check we know of: a pushed sample can be newer than the status snapshot.
  const sampleLast = health[health.length - 1];
  const lh =
    sampleLast && (!status.lastHealth || sampleLast.at >= status.lastHealth.at)
      ? sampleLast
      : status.lastHealth;
  const c = status.containers;
  return (
    <div className="tiles">
      <Tile title="Uptime" testId="tile-uptime" stale={stale}>
        {truth.retryAt != null ? (
          <div className="tile-value" data-testid="retry-countdown">
            retry in {countdownText(truth.retryAt, now)}
          </div>
        ) : (
          <div className="tile-value" data-testid="daemon-uptime">
            {running ? formatDuration(now - (status.runningSince ?? now)) : '—'}
          </div>
        )}
        <div className="tile-sub">
          pid <span data-testid="daemon-pid">{status.pid ?? '—'}</span>
          {status.adopted ? ' · adopted' : ''} ·{' '}
          <span data-testid="daemon-version">
            {status.version
              ? `containerd ${formatContainerdVersion(status.version)}`
              : 'version unknown'}
          </span>
        </div>
        {status.lastExit && (
          <div className="tile-sub muted" data-testid="last-exit">
            last exit: {formatExit(status.lastExit)}, {ago(status.lastExit.at)}
          </div>
        )}
        {asOf}
      </Tile>
      <Tile title="Health" testId="tile-health" stale={stale}>
        <div className={`tile-value${fail ? ' warn-text' : ''}`} data-testid="health-median">
          {fail ? (
            `check failed ×${fail.failures}`
          ) : median != null ? (
            <>
              {formatMs(median)}
              <span className="tile-unit"> median</span>
            </>
          ) : (
            '—'
          )}
        </div>
        <div className="tile-sub" data-testid="last-health">
          {lh
            ? `last check ${ago(lh.at)} · ${lh.ok ? lh.result : `${lh.result} (failed)`}`
            : 'no checks yet'}
        </div>
        <Sparkline samples={health} />
        {asOf}
      </Tile>
      <Tile title="Restarts · 24 h" testId="tile-restarts" stale={stale}>
        <div className="tile-value">
          {status.restartCauses
            ? status.restartCauses.crash + status.restartCauses.hang + status.restartCauses.user
            : status.restarts}
        </div>
        <div className="tile-sub" data-testid="restart-causes">
          {status.restartCauses ? restartCausesText(status.restartCauses) : 'causes not reported'}
        </div>
        <div className="tile-sub muted">
          <span data-testid="restart-count">{status.restarts}</span> since the app started
        </div>
      </Tile>
      <Tile title="Containers" testId="tile-containers" stale={stale}>
        <div className="tile-value" data-testid="containers-count">
          {c ? `${c.running} running` : '—'}
        </div>
        <div className="tile-sub">
          {c
            ? `of ${c.total} in all namespaces · `
            : status.state === 'running'
              ? 'reading… · '
              : 'containerd is not running · '}
          <PageLink page="containers">Open Containers</PageLink>
        </div>
        {asOf}
      </Tile>
      {props.extra?.(stale)}
    </div>
  );
}

/** The first frame before the status arrives: the page's shape, not a blank. */
export function TilesSkeleton() {
  return (
    <div className="tiles" aria-busy="true" data-testid="tiles-skeleton">
      {['Uptime', 'Health', 'Restarts · 24 h', 'Containers'].map((t) => (
        <section key={t} className="card tile">
          <h3 className="tile-title">{t}</h3>
          <div className="skeleton skeleton-value" />
          <div className="skeleton skeleton-line" />
        </section>
      ))}
    </div>
  );
}
