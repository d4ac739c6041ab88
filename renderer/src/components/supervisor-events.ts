// The supervisor's own state changes as Activity lines: who (supervisor), what happened in words, and why.
import type { StateEvent } from '../../../common/states';

/** "containerd hung; restarting it": what a transition means, said the way a person would. */
export function supervisorWhat(t: StateEvent): string {
  switch (t.state) {
    case 'unhealthy':
      return 'containerd not answering health checks';
    case 'backoff':
      return t.code === 'hung'
        ? 'containerd hung; restarting it'
        : 'containerd crashed; restarting it';
    case 'starting':
      if (t.code === 'spawned') return 'containerd launched';
      return t.prev === 'stopped' || t.prev === 'failed'
        ? 'containerd starting'
        : 'containerd restarting';
    case 'running':
      if (t.code === 'recovered') return 'containerd answers health checks again';
      if (t.code === 'adopted') return 'containerd adopted (it was already running)';
      return t.prev === 'starting' ? 'containerd started' : 'containerd running';
    case 'stopping':
      return 'containerd stopping';
    case 'stopped':
      return 'containerd stopped';
    case 'failed':
      return 'containerd failed';
  }
}

/** The detail: the supervisor's reason, the pid, and the fix when it needs the user. */
export function supervisorDetail(t: StateEvent): string {
  return [t.reason, t.hint].filter(Boolean).join(' — ');
}
