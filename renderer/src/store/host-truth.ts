// What the window may claim about another host, from its row alone: the status badge's rules per host.
// A link that is not up is Unknown (with when we last heard), never a remembered green.
import { formatCountdown } from '../../../common/duration';
import { RETRY_STEP_MS, type HostView } from '../../../common/hosts';
import type { DaemonStatus } from '../../../common/states';
import { clockHM, truthLook, type Tone, type TruthKind } from './truth';

export interface HostTruth {
  kind: TruthKind;
  label: string;
  icon: string;
  tone: Tone;
  /** One line: "last seen 14:01 · reconnecting in 8 s", "Running · 2 problems"… */
  reason: string;
  /** The link is up and the state is the host's own word. */
  live: boolean;
}

/**
 * "in 8s", "in 25s", "now" (a due retry is under way): whole seconds in the last ten, then in
 * steps of five, so a page of hosts backing off repaints every few seconds, not every second.
 */
export function retryText(retryAt: number | null, now: number): string | null {
  if (retryAt == null) return null;
  const left = retryAt - now;
  if (left <= 0) return 'now';
  const step = left <= 10_000 ? 1000 : 5000;
  return `in ${formatCountdown(Math.ceil(left / step) * step)}`;
}

/** How often the Overview's countdowns move: every one on screen on the same boundary of the wall clock. */
export const COUNTDOWN_STEP_MS = RETRY_STEP_MS;

/**
 * retryText for a page of many hosts, the same all through one COUNTDOWN_STEP_MS step of the wall
 * clock (it is computed again on the next): "in ~25s" is the time left from the middle of the
 * step, to the nearest step; "soon" when the attempt falls before the step ends; "now" once due.
 */
export function steppedRetryText(retryAt: number, now: number): string {
  const left = retryAt - now;
  if (left <= 0) return 'now';
  const boundary = now - (now % COUNTDOWN_STEP_MS) + COUNTDOWN_STEP_MS;
  if (retryAt <= boundary) return 'soon';
  // From the middle of this step: the same text wherever in the step it is computed.
  const mid = retryAt - boundary + COUNTDOWN_STEP_MS / 2;
  const shown = Math.max(1, Math.round(mid / COUNTDOWN_STEP_MS)) * COUNTDOWN_STEP_MS;
  return `in ~${formatCountdown(shown)}`;
}

/** `now` null: the countdown is drawn beside the reason (RetryCountdown), so the reason leaves it out. */
export function hostTruth(h: HostView, now: number | null): HostTruth {
  const look = (kind: TruthKind, reason: string, live: boolean): HostTruth => ({
    kind,
    ...truthLook(kind),
    reason,
    live,
  });
  const seen = h.lastSeen != null ? `last seen ${clockHM(h.lastSeen)}` : 'never reached';
  if (h.phase === 'down') {
    if (now === null) return look('unknown', `${seen} · reconnecting`, false);
    const retry = retryText(h.retryAt, now);
    return look('unknown', `${seen}${retry ? ` · reconnecting ${retry}` : ''}`, false);
  }
  if (h.phase === 'connecting')
    return look('unknown', h.lastSeen != null ? `${seen} · connecting…` : 'connecting…', false);
  if (h.state === 'unknown') return look('unknown', 'no status from containerd yet', false);
  const problems = h.problems > 0 ? `${h.problems} problem${h.problems === 1 ? '' : 's'}` : '';
  return look(h.state, problems, true);
}

/**
 * The sentence over a remote host's pages while its link is not up (null while it is):
 * "far is unreachable since 14:02 — reconnecting in 8 s; what you see is from 14:01".
 */
export function unreachableText(h: HostView, downSince: number | null, now: number): string | null {
  if (h.phase === 'up') return null;
  const from =
    h.lastSeen != null
      ? `what you see is from ${clockHM(h.lastSeen)}`
      : 'nothing was read from it yet';
  if (h.phase === 'connecting') return `Connecting to ${h.name}… ${from}.`;
  const since = downSince != null ? ` since ${clockHM(downSince)}` : '';
  const retry = retryText(h.retryAt, now);
  return `${h.name} is unreachable${since} — ${retry ? `reconnecting ${retry}` : 'reconnecting'}; ${from}.`;
}

/** This machine's row, refreshed from a daemon:state event (the service only builds it on hosts:list). */
export function localRowFrom(row: HostView, status: DaemonStatus, now: number): HostView {
  return {
    ...row,
    state: status.state,
    lastSeen: now,
    version: status.version?.version ?? null,
    containers: status.containers ?? row.containers,
    problems: status.problems?.length ?? 0,
  };
}
