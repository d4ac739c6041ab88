// Human-readable daemon status for the terminal (status, start, stop, restart share it).
import { formatContainerdVersion } from '../../common/containerd';
import { ELAPSED, formatCountdown, formatDuration } from '../../common/duration';
import type { DaemonStatus, ExitInfo } from '../../common/states';
import { claimedState } from '../../common/status-claim';

/** 3725000 → "1h 2m 5s"; under a second → "0s". */
export function formatElapsed(ms: number): string {
  return formatDuration(ms, ELAPSED);
}

export function formatExit(e: ExitInfo, now: number): string {
  const how = e.signal ? `signal ${e.signal}` : `code ${e.code ?? '?'}`;
  return `${how}, ${formatElapsed(now - e.at)} ago`;
}

/** One line: "containerd is running (pid 1234)" (unhealthy once its newest check failed, as the window says). */
export function statusLine(s: DaemonStatus): string {
  return `containerd is ${claimedState(s).state}${s.pid ? ` (pid ${s.pid}${s.adopted ? ', adopted' : ''})` : ''}`;
}

export function formatStatus(s: DaemonStatus, now = Date.now()): string {
  // The window's badge reads the same: a failed newest check is "unhealthy", whatever the engine says.
  const claim = claimedState(s);
  const rows: [string, string][] = [
    ['state', `${claim.state}${claim.reason ? ` — ${claim.reason}` : ''}`],
  ];
  rows.push(['pid', s.pid ? `${s.pid}${s.adopted ? ' (adopted)' : ''}` : '-']);
  rows.push(['uptime', s.runningSince ? formatElapsed(now - s.runningSince) : '-']);
  rows.push(['restarts', String(s.restarts)]);
  rows.push(['last exit', s.lastExit ? formatExit(s.lastExit, now) : '-']);
  const h = s.lastHealth;
  rows.push([
    'health',
    h ? `${h.result} in ${h.latencyMs.toFixed(1)} ms, ${formatElapsed(now - h.at)} ago` : '-',
  ]);
  rows.push(['version', s.version ? `containerd ${formatContainerdVersion(s.version)}` : '-']);
  if (s.state === 'backoff' && s.retryInMs !== null)
    rows.push(['retry in', formatCountdown(s.retryInMs)]);
  if (s.containers !== undefined)
    rows.push([
      'containers',
      s.containers
        ? `${s.containers.running} running, ${s.containers.total} in all`
        : 'unknown (containerd API unreachable)',
    ]);
  for (const p of s.problems ?? []) rows.push([p.severity, `${p.message} (${p.hint})`]);
  rows.push(['socket', s.paths.socket]);
  // An agentless host's containerd logs where the app cannot read: no log path to show.
  if (s.paths.log) rows.push(['log', s.paths.log]);
  if (s.hint) rows.push(['hint', s.hint]);
  if (s.notice) rows.push(['note', s.notice]);
  const width = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${`${k}:`.padEnd(width + 1)} ${v}\n`).join('');
}
