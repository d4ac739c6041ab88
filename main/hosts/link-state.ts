// One host link's decisions as a function: (state, event) → (state, effects). No timers or processes here.
import type { ContractError } from '../../common/contract';
import type { DaemonState, DaemonStatus } from '../../common/states';

export type LinkPhase = 'connecting' | 'up' | 'down';

export interface LinkState {
  phase: LinkPhase;
  /** When this phase began (epoch ms). */
  since: number;
  /** Failed attempts in a row (0 while up). */
  attempt: number;
  /** The last time the remote app answered (epoch ms), null before the first answer. */
  lastSeen: number | null;
  /** One status request's round trip over the link, as of lastSeen. */
  latencyMs: number | null;
  /** containerd on the remote side, as of lastSeen (kept when the link is down: "last seen"). */
  daemon: DaemonStatus | null;
  /** Why the link is down (or why the last attempt failed). */
  error: ContractError | null;
  /** When the next attempt is due, while down. */
  retryAt: number | null;
}

export type LinkEvent =
  | { type: 'connected'; at: number }
  | { type: 'sample'; at: number; latencyMs: number; daemon: DaemonStatus }
  /** A connect failed, the link closed, or a sample failed or timed out. */
  | { type: 'failed'; at: number; error: ContractError }
  | { type: 'retry'; at: number };

export type LinkEffect =
  { type: 'connect' } | { type: 'close' } | { type: 'retry-in'; ms: number } | { type: 'sample' };

export const BACKOFF_INITIAL_MS = 500;
export const BACKOFF_MAX_MS = 30_000;
/**
 * After this many failed attempts in a row (about 5 minutes down), a host is retried once a
 * minute: each attempt is an ssh process (~30 ms of CPU here), and a fleet of hosts that are off
 * for the day should not cost the app a few percent of a core.
 */
export const LONG_DOWN_ATTEMPTS = 16;
export const BACKOFF_LONG_MAX_MS = 60_000;

/** Errors only the user can fix (a host key to trust, a key to authorize, cdesk to install). */
const NEEDS_USER = new Set(['ssh-host-key', 'ssh-auth', 'ssh-no-cdesk', 'invalid-host']);

/**
 * 0.5 s × 2ⁿ (±20 % jitter), at most 30 s (60 s once the host has failed LONG_DOWN_ATTEMPTS times
 * in a row); straight to the cap when only the user can fix it, so a refused key is not retried
 * against the server (and its fail2ban) twice a second.
 */
export function backoffMs(attempt: number, error: ContractError | null, random: number): number {
  const cap = attempt > LONG_DOWN_ATTEMPTS ? BACKOFF_LONG_MAX_MS : BACKOFF_MAX_MS;
  const base = NEEDS_USER.has(error?.code ?? '')
    ? cap
    : Math.min(cap, BACKOFF_INITIAL_MS * 2 ** Math.max(0, attempt - 1));
  return Math.round(Math.min(cap, base * (0.8 + 0.4 * random)));
}

export function initialLink(at: number): { state: LinkState; effects: LinkEffect[] } {
  return {
    state: {
      phase: 'connecting',
      since: at,
      attempt: 0,
      lastSeen: null,
      latencyMs: null,
      daemon: null,
      error: null,
      retryAt: null,
    },
    effects: [{ type: 'connect' }],
  };
}

/** The next state and what the runner must do. `random` in [0, 1) is the jitter's draw. */
export function nextLink(
  s: LinkState,
  e: LinkEvent,
  random = 0.5,
): { state: LinkState; effects: LinkEffect[] } {
  switch (e.type) {
    case 'connected':
      if (s.phase !== 'connecting') return { state: s, effects: [{ type: 'close' }] };
      return {
        state: { ...s, phase: 'up', since: e.at, attempt: 0, error: null, retryAt: null },
        effects: [{ type: 'sample' }],
      };
    case 'sample':
      if (s.phase !== 'up') return { state: s, effects: [] };
      return {
        state: { ...s, lastSeen: e.at, latencyMs: e.latencyMs, daemon: e.daemon },
        effects: [],
      };
    case 'failed': {
      if (s.phase === 'down') return { state: { ...s, error: e.error }, effects: [] };
      const attempt = s.attempt + 1;
      const ms = backoffMs(attempt, e.error, random);
      return {
        state: { ...s, phase: 'down', since: e.at, attempt, error: e.error, retryAt: e.at + ms },
        effects: [{ type: 'close' }, { type: 'retry-in', ms }],
      };
    }
    case 'retry':
      if (s.phase !== 'down') return { state: s, effects: [] };
      return {
        state: { ...s, phase: 'connecting', since: e.at, retryAt: null },
        effects: [{ type: 'connect' }],
      };
  }
}

/**
 * What a badge shows: containerd's own state while the link is up; 'unknown' (with the time it was
 * last seen) whenever it is not — nothing stays green on a guess.
 */
export function linkBadge(s: LinkState): {
  state: DaemonState | 'unknown';
  lastSeen: number | null;
} {
  // Only a sample taken since this link came up counts: a reconnected link shows Unknown until
  // the host has answered again, not what it said before the drop.
  if (s.phase === 'up' && s.daemon && s.lastSeen !== null && s.lastSeen >= s.since)
    return { state: s.daemon.state, lastSeen: s.lastSeen };
  return { state: 'unknown', lastSeen: s.lastSeen };
}
