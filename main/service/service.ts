// The one implementation of the command/event contract, as a typed handler map; every transport
// (IPC, control socket, WebSocket, the tray) reaches it through handle() or invoke().
import { insideCommandSchemas } from '../../common/containerd-commands';
import {
  isCommandName,
  LOGS_READ_DEFAULT_BYTES,
  parseCommand,
  type AnyEvent,
  type AppInfo,
  type CommandName,
  type CommandPayload,
  type CommandResults,
  type ContractClient,
  type Result,
} from '../../common/contract';
import type { DaemonStatus, EngineEvent } from '../../common/states';
import { LOCAL_HOST, type HostView } from '../../common/hosts';
import type { Engine } from '../engine/types';
import { AppError, toContractError } from '../shared/app-error';
import { buildDiagnostics } from './diagnostics';
import type {
  Caller,
  InsideCommandName,
  InsideHandlers,
  InsideProvider,
} from '../containerd/provider';
import type { ExecProcess, ExecSpec } from '../containerd/exec';
import type { ExecStarter } from './exec-hub';
import { createLogBatcher, type LogBatcherOptions } from './log-batcher';
import type { SettingsStore } from './settings-store';

/** One handler per contract command: validated payload in, result out, errors thrown (AppError/EngineError). */
export type Handlers = {
  [C in CommandName]: (payload: CommandPayload<C>, caller?: Caller) => Promise<CommandResults[C]>;
};

export interface ServiceOptions {
  engine: Engine;
  settings: SettingsStore;
  info: () => AppInfo;
  /** containerd's API (main/containerd/); without it the inside commands answer containerd-api-unavailable. */
  inside?: InsideProvider;
  /** Replaces the default report (e.g. the Electron shell adding its versions to buildDiagnostics). */
  collectDiagnostics?: () => Promise<string>;
  /** Where unexpected errors go (with stack); defaults to console.error. */
  logError?: (message: string, err: unknown) => void;
  /** The app log's info level (every exec is recorded there); defaults to console.log. */
  logInfo?: (message: string) => void;
  batching?: LogBatcherOptions;
  /** Other hosts (main/hosts/); without it the list holds only this machine and other names are unknown. */
  hosts?: HostsProvider;
}

/** What the service needs of the saved hosts' links. */
export interface HostsProvider {
  /** The saved hosts' rows, in the hosts file's order (never "local"). */
  list(): HostView[];
  /** Run a command on a saved host: its reply, or an error as data ('unknown-host' for a name not saved). */
  invoke(host: string, cmd: CommandName, payload: unknown): Promise<Result<unknown>>;
  /** hosts:changed and host:event, as they happen. */
  onEvent(fn: (e: AnyEvent) => void): () => void;
  /** Start an exec on a saved host (its stdio over the link); 'unknown-host' etc. are thrown. */
  exec?(
    host: string,
    spec: ExecSpec,
    onOutput: (fd: 1 | 2, chunk: Buffer) => boolean | void,
  ): Promise<ExecProcess>;
}

export interface Service extends ContractClient {
  /**
   * The edge: validate (once), run, answer with data. Never throws, changes nothing on a bad
   * request. `caller`: the connection that sent it, from transports that have one.
   */
  handle(name: unknown, payload: unknown, caller?: Caller): Promise<Result<unknown>>;
  /**
   * Starts exec processes for one authenticated transport ("control socket", "websocket",
   * "electron ipc"); each is logged with the transport, container and command. Null without
   * containerd's API.
   */
  execStarter(transport: string): ExecStarter | null;
  dispose(): void;
}

/** Inside commands when this instance has no containerd API client. */
function unavailableInside(): InsideHandlers {
  const refuse = (name: string) => async () => {
    throw new AppError(
      'containerd-api-unavailable',
      `${name}: this instance has no connection to containerd's API`,
      'Use the desktop app or `cdesk serve`, which read what runs inside containerd; check `cdesk status`.',
    );
  };
  // Built from the schema keys so a new inside command needs no line here.
  return Object.fromEntries(Object.keys(insideCommandSchemas).map((n) => [n, refuse(n)])) as Record<
    InsideCommandName,
    () => Promise<never>
  >;
}

export function createService(opts: ServiceOptions): Service {
  const { engine, settings, inside } = opts;
  const logError = opts.logError ?? ((m, e) => console.error(m, e));
  const listeners = new Set<(e: AnyEvent) => void>();

  const emit = (e: AnyEvent) => {
    for (const fn of [...listeners]) {
      try {
        fn(e);
      } catch (err) {
        logError('event listener failed', err);
      }
    }
  };

  /** The engine's status plus what containerd's API knows (problems, container counts). */
  const status = (): DaemonStatus => {
    const s = engine.status();
    if (!inside) return s;
    try {
      const { problems, containers } = inside.summary();
      return { ...s, problems, containers };
    } catch (err) {
      logError('inside summary failed', err);
      return s;
    }
  };

  /** Stop and restart say what keeps running without containerd (asked before it goes away). */
  const withNotice = async (act: () => Promise<DaemonStatus>): Promise<DaemonStatus> => {
    const notice = inside
      ? await inside.stopNotice().catch((err: unknown) => {
          logError('stop notice failed', err);
          return null;
        })
      : null;
    const s = await act();
    return notice ? { ...status(), ...s, notice } : { ...status(), ...s };
  };

  /** This machine's row of the hosts list, from the same status every surface shows. */
  const localHost = (): HostView => {
    const s = status();
    return {
      name: LOCAL_HOST,
      url: null,
      kind: 'local',
      phase: 'up',
      state: s.state,
      lastSeen: Date.now(),
      latencyMs: 0,
      version: s.version?.version ?? null,
      containers: s.containers ?? null,
      problems: s.problems?.length ?? 0,
      error: null,
      retryAt: null,
      readOnly: null,
    };
  };

  const batcher = createLogBatcher(
    (lines) => emit({ event: 'logs:lines', payload: { lines } }),
    opts.batching,
  );
  const offEngine = engine.onEvent((e: EngineEvent) => {
    if (e.type === 'state')
      emit({ event: 'daemon:state', payload: { status: status(), transition: e } });
    else if (e.type === 'health') emit({ event: 'health:sample', payload: e });
    else if (e.type === 'log') batcher.push(e.lines);
  });
  const offHosts = opts.hosts?.onEvent(emit) ?? (() => undefined);
  const offSettings = settings.onChange((view) =>
    emit({ event: 'settings:changed', payload: view }),
  );
  // Problems and container counts live in the status: a change re-sends it (without a transition).
  const offInside =
    inside?.onEvent((e) => {
      emit(e);
      if (e.event === 'inside:status')
        emit({ event: 'daemon:state', payload: { status: status(), transition: null } });
    }) ?? (() => undefined);

  const handlers: Handlers = {
    'daemon:start': () => engine.start().then((s) => ({ ...status(), ...s })),
    'daemon:stop': () => withNotice(() => engine.stop()),
    'daemon:restart': () => withNotice(() => engine.restart()),
    'daemon:status': async () => status(),
    'logs:read': async (q) =>
      engine.readLogs({ ...q, maxBytes: q.maxBytes ?? LOGS_READ_DEFAULT_BYTES }),
    'health:history': async () => engine.healthHistory(),
    'settings:get': async () => settings.view(),
    'settings:set': async ({ patch }) => {
      const r = await settings.set(patch);
      if (!r.ok)
        throw new AppError(r.error.code, r.error.message, r.error.hint, { fields: r.error.fields });
      engine.applySettings(r.value.settings);
      return r.value;
    },
    'config:preview': () => engine.configPreview(),
    'app:info': async () => opts.info(),
    'diagnostics:collect': async () => ({
      text: opts.collectDiagnostics
        ? await opts.collectDiagnostics()
        : await buildDiagnostics(engine, settings.get(), opts.info()),
    }),
    'hosts:list': async () => ({ hosts: [localHost(), ...(opts.hosts?.list() ?? [])] }),
    'hosts:invoke': async ({ host, cmd, payload }, caller) => {
      if (!isCommandName(cmd) || cmd.startsWith('hosts:'))
        throw new AppError(
          'unknown-command',
          `hosts:invoke: ${JSON.stringify(cmd).slice(0, 100)} is not a command a host runs`,
          'send one of the contract commands other than hosts:*',
        );
      const r =
        host === LOCAL_HOST
          ? await this_.handle(cmd, payload, caller)
          : opts.hosts
            ? await opts.hosts.invoke(host, cmd, payload)
            : unknownHost(host);
      if (!r.ok)
        throw new AppError(r.error.code, r.error.message, r.error.hint, { fields: r.error.fields });
      return r.value;
    },
    ...(inside?.handlers ?? unavailableInside()),
  };

  /** Run one command; every throw becomes an error as data (unexpected ones are logged). */
  async function answer<C extends CommandName>(
    name: C,
    payload: CommandPayload<C>,
    caller?: Caller,
  ): Promise<Result<CommandResults[C]>> {
    try {
      return { ok: true, value: await handlers[name](payload, caller) };
    } catch (err) {
      const error = toContractError(err);
      if (error.code === 'internal') logError(`${name} failed`, err);
      return { ok: false, error };
    }
  }

  const this_: Service = {
    async handle(name, payload, caller) {
      const cmd = parseCommand(name, payload);
      return cmd.ok ? answer(cmd.value.name, cmd.value.payload, caller) : cmd;
    },
    invoke: (name, payload) => answer(name, payload),
    execStarter(transport) {
      const start = inside?.exec?.bind(inside);
      const remote = opts.hosts?.exec?.bind(opts.hosts);
      if (!start && !remote) return null;
      const logInfo = opts.logInfo ?? ((m: string) => console.log(m));
      return ({ host, ...spec }, onOutput) => {
        const far = host !== undefined && host !== LOCAL_HOST ? host : null;
        const flags = [
          spec.tty ? 'tty' : '',
          spec.stdin ? 'stdin' : '',
          spec.user ? `user ${spec.user}` : '',
          spec.cwd ? `cwd ${spec.cwd}` : '',
          spec.env.length ? `env ${spec.env.map((e) => e.slice(0, e.indexOf('='))).join(',')}` : '',
        ].filter(Boolean);
        logInfo(
          `exec via ${transport}${far ? ` on host ${far}` : ''}: container ${spec.namespace}/${spec.id}: ${JSON.stringify(spec.args)}${flags.length ? ` (${flags.join('; ')})` : ''}`,
        );
        if (far) {
          if (!remote) return Promise.reject(unknownHostError(far));
          return remote(far, spec, onOutput);
        }
        if (!start)
          return Promise.reject(
            new AppError(
              'containerd-api-unavailable',
              "exec:start: this instance has no connection to containerd's API",
              'Use the desktop app or `cdesk serve`, which reach containerd; check `cdesk status`.',
            ),
          );
        return start(spec, { onOutput });
      };
    },
    subscribe(fn) {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
    dispose() {
      offEngine();
      offSettings();
      offInside();
      offHosts();
      batcher.dispose();
      listeners.clear();
    },
  };
  return this_;
}

function unknownHost(host: string): Result<never> {
  const e = unknownHostError(host);
  return { ok: false, error: { code: e.code, message: e.message, hint: e.hint } };
}

function unknownHostError(host: string): AppError {
  return new AppError(
    'unknown-host',
    `no host named ${JSON.stringify(host).slice(0, 100)}`,
    'see `cdesk host ls` for the saved hosts; `cdesk host add NAME ssh://user@host` saves one',
  );
}
