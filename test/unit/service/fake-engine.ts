// A scriptable in-memory Engine for service, control-server and CLI tests.
import type { CommandResults } from '../../../common/contract';
import type { Settings } from '../../../common/settings';
import type {
  DaemonState,
  DaemonStatus,
  EngineEvent,
  LogLine,
  StateEvent,
} from '../../../common/states';
import { levelAtLeast } from '../../../common/log-levels';
import type { Engine, LogPage, LogQuery } from '../../../main/engine/types';
import { DaemonChannel } from '../../../main/shared/daemon-channel';

export function status(
  state: DaemonState = 'stopped',
  extra: Partial<DaemonStatus> = {},
): DaemonStatus {
  return {
    state,
    reason: '',
    code: '',
    pid: state === 'running' ? 4242 : null,
    adopted: false,
    runningSince: state === 'running' ? Date.now() - 65_000 : null,
    since: Date.now(),
    restarts: 0,
    lastExit: null,
    lastHealth: null,
    version: null,
    hint: null,
    retryInMs: null,
    paths: {
      socket: '/tmp/x/containerd.sock',
      config: '/tmp/x/containerd.toml',
      pidfile: '/tmp/x/containerd.pid',
      log: '/tmp/x/containerd.log',
      root: '/tmp/r',
      state: '/tmp/x',
    },
    ...extra,
  };
}

export function line(seq: number, level: LogLine['level'] = 'info', msg = `line ${seq}`): LogLine {
  return {
    seq,
    time: 1_700_000_000_000 + seq,
    level,
    msg,
    fields: {},
    raw: `level=${level} msg="${msg}"`,
  };
}

export class FakeEngine implements Engine {
  current = status();
  applied: Settings[] = [];
  logs: LogLine[] = [];
  calls: string[] = [];
  /** Replace to make start() do something else (throw, hang, settle later). */
  onStart: () => Promise<DaemonStatus> = async () => this.transition('running', 'healthy');
  private fns = new Set<(e: EngineEvent) => void>();

  emit(e: EngineEvent): void {
    for (const fn of this.fns) fn(e);
  }

  transition(state: DaemonState, code: string = state, reason = `now ${state}`): DaemonStatus {
    const prev = this.current.state;
    this.current = status(state, { reason, code });
    const ev: StateEvent = {
      type: 'state',
      state,
      prev,
      reason,
      code,
      at: Date.now(),
      pid: this.current.pid,
    };
    this.emit(ev);
    return this.current;
  }

  status(): DaemonStatus {
    return this.current;
  }
  private daemonChannel: DaemonChannel | null = null;
  /** A channel to the status's socket while the state says containerd answers, as the Supervisor's. */
  channel(): DaemonChannel | null {
    const { state, paths } = this.status();
    const up = state === 'running' || state === 'unhealthy';
    if (!up || this.daemonChannel?.socket !== paths.socket) {
      this.daemonChannel?.close();
      this.daemonChannel = up ? new DaemonChannel(paths.socket) : null;
    }
    return this.daemonChannel;
  }
  start(): Promise<DaemonStatus> {
    this.calls.push('start');
    return this.onStart();
  }
  async stop(): Promise<DaemonStatus> {
    this.calls.push('stop');
    return this.transition('stopped');
  }
  async restart(): Promise<DaemonStatus> {
    this.calls.push('restart');
    return this.transition('running');
  }
  /** Replace to make claim() fail (another supervisor owns the state dir). */
  onClaim: () => Promise<void> = async () => undefined;
  claim(): Promise<void> {
    this.calls.push('claim');
    return this.onClaim();
  }
  /** Like the ring: oldest first from sinceSeq, cut at maxBytes of raw text (nextSeq then says where to go on). */
  readLogs(q: LogQuery): LogPage {
    this.calls.push(`readLogs ${JSON.stringify(q)}`);
    const all = this.logs
      .filter((l) => l.seq > (q.sinceSeq ?? -1) && (!q.level || levelAtLeast(l.level, q.level)))
      .slice(-(q.limit ?? 1000));
    const lines: LogLine[] = [];
    let bytes = 0;
    for (const l of all) {
      bytes += Buffer.byteLength(l.raw);
      if (lines.length > 0 && q.maxBytes !== undefined && bytes > q.maxBytes) break;
      lines.push(l);
    }
    const cut = lines.length < all.length;
    return { lines, lastSeq: this.logs.at(-1)?.seq ?? 0, nextSeq: cut ? lines.at(-1)!.seq : null };
  }
  healthHistory(): CommandResults['health:history'] {
    return { samples: [], restarts: [] };
  }
  applySettings(s: Settings): void {
    this.applied.push(s);
  }
  async configPreview(): Promise<CommandResults['config:preview']> {
    return {
      toml: 'version = 2\nroot = "/tmp/r"\n',
      path: '/tmp/x/containerd.toml',
      overridesFile: null,
    };
  }
  onEvent(fn: (e: EngineEvent) => void): () => void {
    this.fns.add(fn);
    return () => this.fns.delete(fn);
  }
  async shutdown(opts: { leaveRunning: boolean }): Promise<void> {
    this.calls.push(`shutdown ${opts.leaveRunning}`);
  }
}
