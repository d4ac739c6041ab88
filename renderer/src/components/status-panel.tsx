// Everything about the daemon at a glance: pid, uptime, restarts, last exit, version, paths.
import { formatDateTime, formatDuration, formatExit } from '../format';
import { useNow } from '../hooks';
import { useStore } from '../store/context';

export function StatusPanel() {
  const status = useStore((s) => s.status);
  const info = useStore((s) => s.appInfo);
  const now = useNow(1000, status?.runningSince != null);
  if (!status) return <p className="muted">Loading status…</p>;
  const uptime = status.runningSince != null ? formatDuration(now - status.runningSince) : '—';
  return (
    <section className="panel" aria-labelledby="status-heading">
      <h2 id="status-heading">Status</h2>
      {status.hint && (
        <p className="hint" data-testid="status-hint">
          {status.hint}
        </p>
      )}
      <dl className="facts">
        <dt>State</dt>
        <dd data-testid="status-state">
          {status.state}
          {status.adopted ? ' (adopted)' : ''}
          {status.state === 'backoff' && status.retryInMs != null
            ? ` — retry in ${formatDuration(status.retryInMs)}`
            : ''}
        </dd>
        <dt>PID</dt>
        <dd data-testid="daemon-pid">{status.pid ?? '—'}</dd>
        <dt>Uptime</dt>
        <dd data-testid="daemon-uptime">{uptime}</dd>
        <dt>Restarts</dt>
        <dd data-testid="restart-count">{status.restarts}</dd>
        <dt>Last exit</dt>
        <dd data-testid="last-exit">
          {status.lastExit
            ? `${formatExit(status.lastExit)} at ${formatDateTime(status.lastExit.at)}`
            : '—'}
        </dd>
        <dt>Last health check</dt>
        <dd data-testid="last-health">
          {status.lastHealth
            ? `${status.lastHealth.result} in ${status.lastHealth.latencyMs.toFixed(1)} ms at ${formatDateTime(status.lastHealth.at)}`
            : '—'}
        </dd>
        <dt>containerd</dt>
        <dd data-testid="daemon-version">
          {status.version ? `${status.version.version} (${status.version.revision})` : 'unknown'}
        </dd>
        <dt>Socket</dt>
        <dd className="path" data-testid="path-socket">
          {status.paths.socket}
        </dd>
        <dt>Config</dt>
        <dd className="path" data-testid="path-config">
          {status.paths.config}
        </dd>
        <dt>Log file</dt>
        <dd className="path">{status.paths.log}</dd>
        <dt>Root / state</dt>
        <dd className="path">
          {status.paths.root} · {status.paths.state}
        </dd>
        <dt>Control socket</dt>
        <dd className="path" data-testid="control-socket">
          {info ? (info.controlSocket ?? 'none') : '—'}
        </dd>
      </dl>
    </section>
  );
}
