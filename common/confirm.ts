// What Stop, Restart and Quit ask first while containers run: one text for the tray and the window.
import { canControl } from './controls';
import type { DaemonStatus } from './states';

/** What the confirmation dialog says, when an action needs one. */
export interface ConfirmSpec {
  message: string;
  detail: string;
  confirmLabel: string;
}

/**
 * Whether stop / restart / quit should ask first: only while containers run (they keep running
 * — shims are their own processes — but nothing can manage them until containerd is back).
 * One question per action; null means go ahead (and for any other action: start, open a window…).
 */
export function confirmFor(
  action: string,
  status: DaemonStatus,
  onQuit: 'stop' | 'leave-running',
): ConfirmSpec | null {
  const n = status.containers?.running ?? 0;
  // Only while containerd is there to stop (the states Stop is offered in).
  if (n === 0 || !canControl('stop', status.state)) return null;
  const who = `${n} container${n === 1 ? '' : 's'}`;
  const keep = `${who} keep${n === 1 ? 's' : ''} running but can't be managed until containerd is back.`;
  switch (action) {
    case 'stop':
      return { message: 'Stop containerd?', detail: keep, confirmLabel: 'Stop containerd' };
    case 'restart':
      return {
        message: 'Restart containerd?',
        detail: `${keep} containerd is usually back within a second.`,
        confirmLabel: 'Restart containerd',
      };
    case 'quit':
      return onQuit === 'stop'
        ? {
            message: 'Quit and stop containerd?',
            detail: `${keep} To keep containerd running after quitting, set "On quit" to leave it running.`,
            confirmLabel: 'Quit',
          }
        : null;
    default:
      return null;
  }
}
