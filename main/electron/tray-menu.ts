// The tray's menu, tooltip and icon as plain data: decided here, rendered by tray.ts (the "are you sure?" text is common/confirm.ts).
import { canControl } from '../../common/controls';
import { formatCountdown, formatDuration } from '../../common/duration';
import type { PullProgress } from '../../common/containerd';
import { LOCAL_HOST, type HostView } from '../../common/hosts';
import type { DaemonState, DaemonStatus } from '../../common/states';

/** 'open-host': show the window on the hosts overview, with the item's `host`. */
export type TrayAction =
  'start' | 'stop' | 'restart' | 'open-window' | 'open-host' | 'open-logs' | 'quit';

/** One menu entry as plain data (mapped 1:1 onto Electron's MenuItemConstructorOptions). */
export type MenuItemSpec =
  | { type: 'separator' }
  | {
      type: 'normal';
      id: string;
      label: string;
      enabled: boolean;
      action?: TrayAction;
      /** The host an 'open-host' item opens. */
      host?: string;
    }
  | { type: 'submenu'; id: string; label: string; items: MenuItemSpec[] };

const LABEL: Record<DaemonState, string> = {
  stopped: 'Stopped',
  starting: 'Starting',
  running: 'Running',
  unhealthy: 'Unhealthy',
  backoff: 'Backing off',
  stopping: 'Stopping',
  failed: 'Failed',
};

/** "5s", "4m 10s", "2h 5m", "3d 4h": two units, short enough for a menu line. */
export function formatUptime(ms: number): string {
  return formatDuration(ms, { smallest: 's', parts: 2 });
}

/** Seconds to the respawn, counted from the transition (the same number the window shows). */
function retryText(status: DaemonStatus, now: number): string | null {
  if (status.state !== 'backoff' || status.retryInMs === null) return null;
  return `retry in ${formatCountdown(status.since + status.retryInMs - now)}`;
}

/** The state line: "Running · up 2h 5m", "Backing off · retry in 3s", "Failed". */
export function stateLine(status: DaemonStatus, now: number): string {
  const details: string[] = [];
  if (
    (status.state === 'running' || status.state === 'unhealthy') &&
    status.runningSince !== null
  ) {
    details.push(`up ${formatUptime(now - status.runningSince)}`);
  }
  const retry = retryText(status, now);
  if (retry) details.push(retry);
  if (status.adopted && status.state !== 'stopped' && status.state !== 'failed') {
    details.push('adopted');
  }
  return [LABEL[status.state], ...details].join(' · ');
}

/** What the tray shows of a host (a hosts:list row). */
export type TrayHost = Pick<HostView, 'name' | 'phase' | 'state' | 'lastSeen'>;

/** At most this many hosts get a line; the rest are counted (the window's Overview has them all). */
export const TRAY_MAX_HOSTS = 15;

/**
 * "local — Running", "far — Unknown (last seen 2m ago)": containerd's state only while the link is
 * up, else Unknown with how long ago the host last answered.
 */
export function hostLine(h: TrayHost, now: number): string {
  if (h.state !== 'unknown') return `${h.name} — ${LABEL[h.state]}`;
  const why =
    h.lastSeen !== null
      ? `last seen ${formatDuration(Math.max(0, now - h.lastSeen), { smallest: 's', parts: 1 })} ago`
      : h.phase === 'connecting'
        ? 'connecting'
        : 'not reached yet';
  return `${h.name} — Unknown (${why})`;
}

/**
 * The window's route for a host the tray names: its pages ("#/@far"; this machine's at "#/"), or
 * the hosts overview when none is named.
 */
export function hostRoute(host?: string): string {
  if (host === undefined) return '#/overview';
  if (host === LOCAL_HOST) return '#/';
  return `#/@${encodeURIComponent(host)}`;
}

/** The first `max` of `all` as items, then "… and N more NOUNs" (which does `action`) for the rest. */
function capped<T>(
  all: readonly T[],
  max: number,
  noun: string,
  action: TrayAction,
  item: (t: T) => MenuItemSpec,
): MenuItemSpec[] {
  const items = all.slice(0, max).map(item);
  const more = all.length - max;
  if (more > 0)
    items.push({
      type: 'normal',
      id: `${noun}s-more`,
      label: `… and ${more} more ${noun}${more === 1 ? '' : 's'}`,
      enabled: true,
      action,
    });
  return items;
}

/** The "Hosts" submenu: only when hosts besides this machine are saved (one host needs no list). */
function hostItems(hosts: readonly TrayHost[], now: number): MenuItemSpec[] {
  if (hosts.length < 2) return [];
  const items = capped(hosts, TRAY_MAX_HOSTS, 'host', 'open-host', (h) => ({
    type: 'normal',
    id: `host-${h.name}`,
    label: hostLine(h, now),
    enabled: true,
    action: 'open-host',
    host: h.name,
  }));
  return [{ type: 'submenu', id: 'hosts', label: 'Hosts', items }];
}

/** A running pull as the tray shows it. */
export interface TrayPull {
  pullId: string;
  /** As the app normalised it (docker.io/library/alpine:3.20). */
  ref: string;
  /** Whole percent of the bytes, null while the size is not known. */
  percent: number | null;
  phase: PullProgress['phase'];
}

/** At most this many pulls get a line of their own; the rest are counted. */
export const TRAY_MAX_PULLS = 5;

/** Track running pulls from their progress events: a finished pull leaves the menu. */
export function trackPull(
  pulls: ReadonlyMap<string, TrayPull>,
  p: PullProgress,
): ReadonlyMap<string, TrayPull> {
  const next = new Map(pulls);
  if (p.phase === 'done' || p.phase === 'failed' || p.phase === 'cancelled') next.delete(p.pullId);
  else
    next.set(p.pullId, {
      pullId: p.pullId,
      ref: p.ref,
      percent: p.total ? Math.min(100, Math.floor((p.current * 100) / p.total)) : null,
      phase: p.phase,
    });
  return next;
}

/** "Pulling alpine:3.20 — 42%", "Pulling alpine:3.20 — extracting". */
export function pullLabel(p: TrayPull): string {
  const ref = p.ref.replace(/^docker\.io\/library\//, '').replace(/^docker\.io\//, '');
  const how =
    p.phase === 'unpacking'
      ? 'extracting'
      : p.percent !== null
        ? `${p.percent}%`
        : p.phase === 'resolving'
          ? 'resolving'
          : 'starting';
  return `Pulling ${ref} — ${how}`;
}

function pullItems(pulls: readonly TrayPull[]): MenuItemSpec[] {
  return capped(pulls, TRAY_MAX_PULLS, 'pull', 'open-window', (p) => ({
    type: 'normal',
    id: `pull-${p.pullId}`,
    label: pullLabel(p),
    enabled: true,
    action: 'open-window',
  }));
}

/**
 * The tray menu for a status; `busy` (a command in flight) disables start/stop/restart; running
 * pulls get a line each (opening the window), under the state; saved hosts a "Hosts" submenu.
 */
export function trayMenuTemplate(
  status: DaemonStatus,
  busy: boolean,
  now: number,
  pulls: readonly TrayPull[] = [],
  hosts: readonly TrayHost[] = [],
): MenuItemSpec[] {
  const s = status.state;
  const info: MenuItemSpec[] = [];
  const problems = status.problems?.length ?? 0;
  if (problems > 0) {
    info.push({
      type: 'normal',
      id: 'problems',
      label: `${problems} problem${problems === 1 ? '' : 's'}…`,
      enabled: true,
      action: 'open-window',
    });
  }
  if (status.containers) {
    info.push({
      type: 'normal',
      id: 'containers',
      label: `Containers: ${status.containers.running} running`,
      enabled: true,
      action: 'open-window',
    });
  }
  return [
    { type: 'normal', id: 'state', label: stateLine(status, now), enabled: false },
    ...info,
    ...pullItems(pulls),
    ...hostItems(hosts, now),
    { type: 'separator' },
    {
      type: 'normal',
      id: 'start',
      label: 'Start',
      enabled: !busy && canControl('start', s),
      action: 'start',
    },
    {
      type: 'normal',
      id: 'stop',
      label: 'Stop',
      enabled: !busy && canControl('stop', s),
      action: 'stop',
    },
    {
      type: 'normal',
      id: 'restart',
      label: 'Restart',
      enabled: !busy && canControl('restart', s),
      action: 'restart',
    },
    { type: 'separator' },
    {
      type: 'normal',
      id: 'open-window',
      label: 'Open window',
      enabled: true,
      action: 'open-window',
    },
    {
      type: 'normal',
      id: 'open-logs',
      label: 'Open logs folder',
      enabled: true,
      action: 'open-logs',
    },
    { type: 'separator' },
    { type: 'normal', id: 'quit', label: 'Quit', enabled: true, action: 'quit' },
  ];
}

/** Tooltip: product, state line, problems/containers, and the reason when something needs attention. */
export function trayTooltip(
  status: DaemonStatus,
  now: number,
  pulls: readonly TrayPull[] = [],
): string {
  const lines = ['Containerd Desktop', `containerd: ${stateLine(status, now)}`];
  if (status.state === 'failed' || status.state === 'unhealthy' || status.state === 'backoff') {
    if (status.reason) lines.push(status.reason);
  }
  const problems = status.problems?.length ?? 0;
  if (problems) lines.push(`${problems} problem${problems === 1 ? '' : 's'}`);
  if (pulls.length === 1) lines.push(pullLabel(pulls[0]!));
  else if (pulls.length) lines.push(`Pulling ${pulls.length} images`);
  return lines.join('\n');
}

/** Icon file for a state (16×16; Electron picks the "@2x" 32×32 sibling on HiDPI). Shapes differ per state. */
export function trayIconFor(state: DaemonState): string {
  return `tray-${state}.png`;
}
