// What the window may claim about containerd right now: one pure function every surface reads.
// It never says more than we know: a failed check beats a stale "running", a lost app is Unknown.
import { formatCountdown } from '../../../common/duration';
import type { DaemonStatus } from '../../../common/states';
import { claimedState } from '../../../common/status-claim';

export { failingCheck } from '../../../common/status-claim';
import type { StoreState } from './store';

export type TruthKind =
  | 'loading'
  | 'unknown'
  | 'running'
  | 'unhealthy'
  | 'starting'
  | 'restarting'
  | 'backoff'
  | 'stopping'
  | 'stopped'
  | 'failed';

export type Tone = 'ok' | 'warn' | 'bad' | 'busy' | 'idle' | 'unknown';

export interface Truth {
  kind: TruthKind;
  /** The badge text, e.g. "Running", "Unhealthy", "Unknown". */
  label: string;
  /** A shape that tells the state apart without colour. */
  icon: string;
  tone: Tone;
  /** One line for the strip; the full text goes in `detail`. */
  reason: string;
  detail: string;
  /** The clock counters use: frozen at "last seen" while disconnected. */
  clock: number;
  /** Controls may act (connected and status known). */
  live: boolean;
  /** Problems that matter (badge stays green; an amber chip links to Plugins). */
  problems: number;
  /** Epoch ms of the next respawn while backing off. */
  retryAt: number | null;
}

const ICON: Record<TruthKind, string> = {
  loading: '…',
  unknown: '?',
  running: '✓',
  unhealthy: '!',
  starting: '↑',
  restarting: '↻',
  backoff: '↻',
  stopping: '↓',
  stopped: '■',
  failed: '✕',
};

const TONE: Record<TruthKind, Tone> = {
  loading: 'unknown',
  unknown: 'unknown',
  running: 'ok',
  unhealthy: 'warn',
  starting: 'busy',
  restarting: 'busy',
  backoff: 'warn',
  stopping: 'busy',
  stopped: 'idle',
  failed: 'bad',
};

const LABEL: Record<TruthKind, string> = {
  loading: 'Loading',
  unknown: 'Unknown',
  running: 'Running',
  unhealthy: 'Unhealthy',
  starting: 'Starting',
  restarting: 'Restarting',
  backoff: 'Backing off',
  stopping: 'Stopping',
  stopped: 'Stopped',
  failed: 'Failed',
};

/** The badge's label, icon and tone for a kind (every badge draws a kind the same way). */
export function truthLook(kind: TruthKind): { label: string; icon: string; tone: Tone } {
  return { label: LABEL[kind], icon: ICON[kind], tone: TONE[kind] };
}

/** "07:44" in local time. */
export function clockHM(epochMs: number): string {
  const t = new Date(epochMs);
  return `${String(t.getHours()).padStart(2, '0')}:${String(t.getMinutes()).padStart(2, '0')}`;
}

/** When the respawn is due, the one moment every surface counts down to ("3s"); null when not backing off. */
export function retryAt(status: DaemonStatus | null): number | null {
  if (!status || status.state !== 'backoff' || status.retryInMs == null) return null;
  return status.since + status.retryInMs;
}

export function countdownText(at: number, now: number): string {
  return formatCountdown(at - now);
}

function isRestart(s: StoreState): boolean {
  const t = s.transitions[s.transitions.length - 1];
  return !!t && t.state === 'starting' && t.prev !== 'stopped' && t.prev !== 'failed';
}

/** What a refused page says: its token is no longer the server's, and where the new one is. */
export function refusedText(stateDir: string | null): { reason: string; detail: string } {
  const file = stateDir ? `${stateDir}/serve.token` : 'STATE/serve.token';
  const reason = "this page's link is no longer valid — open the new URL printed by `cdesk serve`";
  const detail = `${reason}. Its token is also in ${file} (open http://127.0.0.1:PORT/?token=<that token>). The app restarted with a new token, so this tab cannot reconnect.`;
  return { reason, detail };
}

export function deriveTruth(s: StoreState, now: number): Truth {
  const status = s.status;
  const problems = status?.problems?.length ?? 0;
  const base = { problems, retryAt: retryAt(status) };
  if (s.connection === 'refused') {
    const { reason, detail } = refusedText(status?.paths.state ?? null);
    return make('unknown', reason, detail, s.lastSeenAt ?? now, false, base);
  }
  if (!status) {
    const reason =
      s.connection === 'closed'
        ? 'Cannot reach Containerd Desktop; retrying…'
        : 'Connecting to Containerd Desktop…';
    return make('loading', reason, reason, now, false, { problems: 0, retryAt: null });
  }
  if (s.connection !== 'open') {
    const seen = s.lastSeenAt ?? now;
    const reason = `last seen ${clockHM(seen)} · lost the connection to the app; reconnecting…`;
    const detail = `${reason}\nThe state shown below is from ${clockHM(seen)} and may be out of date. Check that the app (or \`cdesk serve\`) is still running.`;
    return make('unknown', reason, detail, seen, false, base);
  }
  switch (status.state) {
    case 'running': {
      const of = s.settings?.settings.health.livenessFailures ?? 3;
      const { failing: f, reason } = claimedState(status, s.health, of);
      if (f) {
        return make(
          'unhealthy',
          reason,
          `${reason} at ${clockHM(f.at)}; ${status.reason}`,
          now,
          true,
          base,
        );
      }
      return make('running', status.reason, status.reason, now, true, base);
    }
    case 'backoff': {
      const at = base.retryAt;
      const reason =
        at != null ? `retry in ${countdownText(at, now)} · ${status.reason}` : status.reason;
      return make('backoff', reason, reason, now, true, base);
    }
    case 'starting':
      return make(
        isRestart(s) ? 'restarting' : 'starting',
        status.reason,
        status.reason,
        now,
        true,
        base,
      );
    case 'failed': {
      const reason = status.hint ? `${status.reason} — ${status.hint}` : status.reason;
      return make('failed', reason, reason, now, true, base);
    }
    default:
      return make(status.state, status.reason, status.reason, now, true, base);
  }
}

function make(
  kind: TruthKind,
  reason: string,
  detail: string,
  clock: number,
  live: boolean,
  extra: { problems: number; retryAt: number | null },
): Truth {
  return {
    kind,
    label: LABEL[kind],
    icon: ICON[kind],
    tone: TONE[kind],
    reason,
    detail,
    clock,
    live,
    ...extra,
  };
}
