// The one implementation of the command/event contract; every transport (IPC, control socket, WebSocket) calls it.
import {
  parseCommand,
  type AnyEvent,
  type AppInfo,
  type CommandPayload,
  type Result,
} from '../../common/contract';
import type { EngineEvent } from '../../common/states';
import type { Engine } from '../engine/types';
import { toContractError } from './app-error';
import { buildDiagnostics } from './diagnostics';
import { createLogBatcher, type LogBatcherOptions } from './log-batcher';
import type { SettingsStore } from './settings-store';

export interface ServiceOptions {
  engine: Engine;
  settings: SettingsStore;
  info: () => AppInfo;
  /** Replaces the default report (e.g. the Electron shell adding its versions to buildDiagnostics). */
  collectDiagnostics?: () => Promise<string>;
  /** Where unexpected errors go (with stack); defaults to console.error. */
  logError?: (message: string, err: unknown) => void;
  batching?: LogBatcherOptions;
}

export interface Service {
  /** Validate, run, and answer with data: never throws, never changes anything on a bad request. */
  handle(name: unknown, payload: unknown): Promise<Result<unknown>>;
  subscribe(fn: (e: AnyEvent) => void): () => void;
  dispose(): void;
}

export function createService(opts: ServiceOptions): Service {
  const { engine, settings } = opts;
  const logError = opts.logError ?? ((m, e) => console.error(m, e));
  const listeners = new Set<(e: AnyEvent) => void>();

  const emit = (e: AnyEvent) => {
    for (const fn of listeners) {
      try {
        fn(e);
      } catch (err) {
        logError('event listener failed', err);
      }
    }
  };

  const batcher = createLogBatcher(
    (lines) => emit({ event: 'logs:lines', payload: { lines } }),
    opts.batching,
  );

  const offEngine = engine.onEvent((e: EngineEvent) => {
    if (e.type === 'state')
      emit({ event: 'daemon:state', payload: { status: engine.status(), transition: e } });
    else if (e.type === 'health') emit({ event: 'health:sample', payload: e });
    else if (e.type === 'log') batcher.push(e.lines);
  });
  const offSettings = settings.onChange((view) =>
    emit({ event: 'settings:changed', payload: view }),
  );

  const ok = (value: unknown): Result<unknown> => ({ ok: true, value });

  async function run(name: string, payload: unknown): Promise<Result<unknown>> {
    switch (name) {
      case 'daemon:start':
        return ok(await engine.start());
      case 'daemon:stop':
        return ok(await engine.stop());
      case 'daemon:restart':
        return ok(await engine.restart());
      case 'daemon:status':
        return ok(engine.status());
      case 'logs:read':
        return ok(engine.readLogs(payload as CommandPayload<'logs:read'>));
      case 'health:history':
        return ok(engine.healthHistory());
      case 'settings:get':
        return ok(settings.view());
      case 'settings:set': {
        const r = await settings.set((payload as CommandPayload<'settings:set'>).patch);
        if (!r.ok) return r;
        engine.applySettings(r.value.settings);
        return r;
      }
      case 'config:preview':
        return ok(await engine.configPreview());
      case 'app:info':
        return ok(opts.info());
      case 'diagnostics:collect': {
        const text = opts.collectDiagnostics
          ? await opts.collectDiagnostics()
          : await buildDiagnostics(engine, settings.get(), opts.info());
        return ok({ text });
      }
    }
    throw new Error(`command ${name} has no handler`);
  }

  return {
    async handle(name, payload) {
      const cmd = parseCommand(name, payload);
      if (!cmd.ok) return cmd;
      try {
        return await run(cmd.name, cmd.payload);
      } catch (err) {
        const error = toContractError(err);
        if (error.code === 'internal') logError(`${cmd.name} failed`, err);
        return { ok: false, error };
      }
    },
    subscribe(fn) {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
    dispose() {
      offEngine();
      offSettings();
      batcher.dispose();
      listeners.clear();
    },
  };
}
