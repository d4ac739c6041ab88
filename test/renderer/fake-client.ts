// A fake ContractClient for renderer tests: records invoke calls, answers from stubs, pushes events.
import type {
  AnyEvent,
  CommandName,
  CommandPayload,
  CommandResults,
  ContractClient,
  ContractError,
  Result,
  SettingsView,
} from '../../common/contract';
import { defaultSettings } from '../../common/settings';
import type {
  DaemonState,
  DaemonStatus,
  HealthEvent,
  LogLevel,
  LogLine,
} from '../../common/states';
import type { ConnectionState } from '../../renderer/src/transport/connection';

type Stub<C extends CommandName> =
  | Result<CommandResults[C]>
  | ((
      payload: CommandPayload<C>,
    ) => Result<CommandResults[C]> | Promise<Result<CommandResults[C]>>);

export class FakeClient implements ContractClient {
  readonly calls: { name: CommandName; payload: unknown }[] = [];
  private readonly stubs = new Map<CommandName, Stub<CommandName>>();
  private readonly listeners = new Set<(e: AnyEvent) => void>();
  private readonly connListeners = new Set<(s: ConnectionState) => void>();
  private connection: ConnectionState = 'open';

  constructor(status: DaemonStatus = makeStatus('running')) {
    this.stub('daemon:status', ok(status));
    this.stub('app:info', ok(appInfo()));
    this.stub('settings:get', ok(settingsView()));
    this.stub('health:history', ok({ samples: [], restarts: [] }));
    this.stub('logs:read', ok({ lines: [], lastSeq: -1, nextSeq: null }));
    this.stub(
      'config:preview',
      ok({ toml: 'version = 2\n', path: '/s/config.toml', overridesFile: null }),
    );
  }

  stub<C extends CommandName>(name: C, r: Stub<C>): this {
    this.stubs.set(name, r as unknown as Stub<CommandName>);
    return this;
  }

  callsTo(name: CommandName): unknown[] {
    return this.calls.filter((c) => c.name === name).map((c) => c.payload);
  }

  async invoke<C extends CommandName>(
    name: C,
    payload: CommandPayload<C>,
  ): Promise<Result<CommandResults[C]>> {
    this.calls.push({ name, payload });
    const s = this.stubs.get(name) as Stub<C> | undefined;
    if (!s) return fail({ code: 'internal', message: `${name} not stubbed`, hint: 'stub it' });
    return typeof s === 'function' ? s(payload) : s;
  }

  subscribe(listener: (e: AnyEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  push(e: AnyEvent): void {
    for (const l of [...this.listeners]) l(e);
  }

  /** Like the WebSocket client: report the connection state now and on every change. */
  onConnection(listener: (s: ConnectionState) => void): () => void {
    this.connListeners.add(listener);
    listener(this.connection);
    return () => this.connListeners.delete(listener);
  }

  /** Simulate the app going away ('closed') or coming back ('open'). */
  setConnection(s: ConnectionState): void {
    this.connection = s;
    for (const l of [...this.connListeners]) l(s);
  }
}

export function ok<T>(value: T): Result<T> {
  return { ok: true, value };
}

export function fail<T>(error: ContractError): Result<T> {
  return { ok: false, error };
}

/** A promise with its resolver, to hold a command in flight. */
export function deferred<T>() {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

export function makeStatus(state: DaemonState, over: Partial<DaemonStatus> = {}): DaemonStatus {
  const now = Date.now();
  const live =
    state === 'running' || state === 'unhealthy' || state === 'starting' || state === 'stopping';
  return {
    state,
    reason: `reason for ${state}`,
    code: state,
    pid: live ? 4242 : null,
    adopted: false,
    runningSince: state === 'running' || state === 'unhealthy' ? now - 65_000 : null,
    since: now - 1000,
    restarts: 3,
    lastExit: { code: null, signal: 'SIGKILL', at: now - 70_000 },
    lastHealth: { at: now, ok: state === 'running', result: 'SERVING', latencyMs: 1.5 },
    version: { version: 'v1.6.20', revision: 'abc123def' },
    hint: state === 'failed' ? 'install containerd or set its path in Settings' : null,
    retryInMs: state === 'backoff' ? 2000 : null,
    paths: {
      socket: '/run/cdesk/containerd.sock',
      config: '/s/config.toml',
      pidfile: '/s/containerd.pid',
      log: '/s/containerd.log',
      root: '/r',
      state: '/run/cdesk',
    },
    ...over,
  };
}

export function appInfo() {
  return {
    appVersion: '0.1.0',
    controlSocket: '/run/cdesk/control.sock',
    logsDir: '/s',
    settingsFile: '/c/settings.json',
    mode: 'headless' as const,
  };
}

export function settingsView(): SettingsView {
  return { settings: defaultSettings(), defaults: defaultSettings(), file: '/c/settings.json' };
}

const LEVELS: LogLevel[] = ['info', 'debug', 'warn', 'error', 'info', 'trace'];

export function makeLines(n: number, from = 0): LogLine[] {
  return Array.from({ length: n }, (_, k) => {
    const i = from + k;
    const level = LEVELS[i % LEVELS.length] as LogLevel;
    return {
      seq: i,
      time: 1_700_000_000_000 + i,
      level,
      msg: `message ${i}`,
      fields: { module: 'test' },
      raw: `level=${level} msg="message ${i}" module=test`,
    };
  });
}

export function sample(at: number, ok: boolean, latencyMs = 2): HealthEvent {
  return {
    type: 'health',
    at,
    phase: 'liveness',
    ok,
    result: ok ? 'SERVING' : 'TIMEOUT',
    latencyMs,
    failures: ok ? 0 : 1,
  };
}
