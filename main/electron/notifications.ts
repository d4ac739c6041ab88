// Which daemon transitions deserve a desktop notification: unhealthy, crash loops and failure, grouped per outage.
import { formatCountdown } from '../../common/duration';
import type { StateEvent } from '../../common/states';

export interface NotificationSpec {
  kind: 'unhealthy' | 'crash' | 'recovered' | 'failed';
  title: string;
  body: string;
}

/** What the notifier remembers between transitions. */
export interface NotifyMemory {
  /** An outage was announced and the daemon has not been running (or stopped by the user) since. */
  outage: boolean;
}

export const INITIAL_NOTIFY_MEMORY: NotifyMemory = { outage: false };

/** True when this transition is the daemon going away (or being killed as hung) without the user asking. */
export function isCrash(t: StateEvent): boolean {
  if (t.prev === 'stopping' || t.state === 'stopping' || t.state === 'failed') return false;
  if (t.state === 'backoff') return true;
  // A respawn-at-once (running → starting) or an unrequested exit still carries exit info.
  return t.exit !== undefined || t.code === 'exited' || t.code === 'hung';
}

function exitText(t: StateEvent): string {
  if (!t.exit) return '';
  if (t.exit.signal) return ` (signal ${t.exit.signal})`;
  if (t.exit.code !== null) return ` (exit code ${t.exit.code})`;
  return '';
}

function nextStep(t: StateEvent): string {
  if (t.state === 'backoff' && t.retryInMs !== undefined) {
    return `; restarting in ${formatCountdown(t.retryInMs)}`;
  }
  if (t.state === 'starting' || t.state === 'backoff') return '; restarting';
  return '';
}

/**
 * The notification (if any) for one transition, and the memory for the next one.
 * Only what needs the user is announced, grouped per outage:
 * containerd not answering its health checks, crashing in a loop (backing off), or failed —
 * once per outage, then "running again" when a notified outage ends. A single crash that is
 * respawned at once is handled, not announced.
 */
export function notificationFor(
  t: StateEvent,
  prev: NotifyMemory,
): { notification: NotificationSpec | null; memory: NotifyMemory } {
  if (t.state === 'failed') {
    const notification: NotificationSpec | null =
      t.prev === 'failed'
        ? null
        : {
            kind: 'failed',
            title: 'containerd failed',
            body: [t.reason, t.hint].filter(Boolean).join('\n'),
          };
    return { notification, memory: { outage: false } };
  }
  if (t.state === 'unhealthy') {
    if (prev.outage) return { notification: null, memory: prev };
    return {
      notification: {
        kind: 'unhealthy',
        title: 'containerd is not responding',
        body: t.reason,
      },
      memory: { outage: true },
    };
  }
  if (isCrash(t)) {
    // Respawned at once (running → starting) or exited for good: nothing to ask of the user yet.
    if (t.state !== 'backoff' || prev.outage) return { notification: null, memory: prev };
    const hung = t.code === 'hung' || t.prev === 'unhealthy';
    return {
      notification: {
        kind: 'crash',
        title: hung ? 'containerd stopped responding' : 'containerd keeps crashing',
        body: `${t.reason}${exitText(t)}${nextStep(t)}`,
      },
      memory: { outage: true },
    };
  }
  if (t.state === 'running') {
    const notification: NotificationSpec | null = prev.outage
      ? {
          kind: 'recovered',
          title: 'containerd is running again',
          body: t.pid !== null ? `${t.reason} (pid ${t.pid})` : t.reason,
        }
      : null;
    return { notification, memory: { outage: false } };
  }
  if (t.state === 'stopped' || t.state === 'stopping') {
    // The user stopped it: the outage, if any, is theirs now.
    return { notification: null, memory: { outage: false } };
  }
  return { notification: null, memory: prev };
}
