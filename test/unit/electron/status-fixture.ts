// A DaemonStatus builder for the Electron shell's unit tests.
import type { DaemonState, DaemonStatus, StateEvent } from '../../../common/states';

export function statusOf(state: DaemonState, over: Partial<DaemonStatus> = {}): DaemonStatus {
  return {
    state,
    reason: '',
    code: '',
    pid: null,
    adopted: false,
    runningSince: null,
    since: 0,
    restarts: 0,
    lastExit: null,
    lastHealth: null,
    version: null,
    hint: null,
    retryInMs: null,
    paths: {
      socket: '/run/c/containerd.sock',
      config: '/run/c/config.toml',
      pidfile: '/run/c/containerd.pid',
      log: '/var/log/c/containerd.log',
      root: '/var/lib/c',
      state: '/run/c',
    },
    ...over,
  };
}

export function transition(
  prev: DaemonState,
  state: DaemonState,
  over: Partial<StateEvent> = {},
): StateEvent {
  return {
    type: 'state',
    prev,
    state,
    reason: `${prev} → ${state}`,
    code: 'test',
    at: 0,
    pid: null,
    ...over,
  };
}
