// Start / Stop / Restart: the daemon states each makes sense in, for the window's buttons, the
// tray's menu and the "are you sure?" question (common/confirm.ts).
import type { DaemonState } from './states';

export type ControlAction = 'start' | 'stop' | 'restart';

/** Restart = stop then start; from backoff it means "respawn now" instead of waiting. */
export const CONTROL_STATES: Record<ControlAction, readonly DaemonState[]> = {
  start: ['stopped', 'failed'],
  stop: ['starting', 'running', 'unhealthy', 'backoff'],
  restart: ['running', 'unhealthy', 'backoff'],
};

export function canControl(action: ControlAction, state: DaemonState): boolean {
  return CONTROL_STATES[action].includes(state);
}
