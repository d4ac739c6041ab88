// The one command/event contract: names, payload schemas and result types for every transport.
import { z } from 'zod';
import type { DaemonStatus, HealthEvent, LogLine, StateEvent } from './states';
import type { FieldError, Settings } from './settings';

/** An error as it crosses any transport: what failed, and what to do about it. */
export interface ContractError {
  code: string;
  message: string;
  hint: string;
  /** Per-field problems for validation errors (settings form shows each next to its field). */
  fields?: FieldError[];
}

export type Result<T> = { ok: true; value: T } | { ok: false; error: ContractError };

const logLevel = z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'panic', 'unknown']);
const empty = z.object({}).strict();

/** Request payload schemas, one per command. */
export const commandSchemas = {
  'daemon:start': empty,
  'daemon:stop': empty,
  'daemon:restart': empty,
  'daemon:status': empty,
  'logs:read': z
    .object({
      sinceSeq: z.number().int().min(0).optional(),
      sinceTime: z.number().min(0).optional(),
      level: logLevel.optional(),
      text: z.string().max(1000).optional(),
      limit: z.number().int().min(1).max(100_000).optional(),
    })
    .strict(),
  'health:history': empty,
  'settings:get': empty,
  /** A partial settings object; nested groups (restart, health) may be partial too. */
  'settings:set': z.object({ patch: z.record(z.string(), z.unknown()) }).strict(),
  'config:preview': empty,
  'app:info': empty,
  'diagnostics:collect': empty,
} as const;

export type CommandName = keyof typeof commandSchemas;
export const COMMAND_NAMES = Object.keys(commandSchemas) as CommandName[];
export type CommandPayload<C extends CommandName> = z.infer<(typeof commandSchemas)[C]>;

export interface AppInfo {
  appVersion: string;
  /** Where the CLI reaches this instance. */
  controlSocket: string | null;
  /** Folder holding containerd's log file (the tray's "Open logs folder"). */
  logsDir: string;
  settingsFile: string;
  mode: 'electron' | 'headless';
}

export interface SettingsView {
  settings: Settings;
  defaults: Settings;
  file: string;
}

/** Result types, one per command. */
export interface CommandResults {
  'daemon:start': DaemonStatus;
  'daemon:stop': DaemonStatus;
  'daemon:restart': DaemonStatus;
  'daemon:status': DaemonStatus;
  'logs:read': { lines: LogLine[]; lastSeq: number };
  'health:history': { samples: HealthEvent[]; restarts: number[] };
  'settings:get': SettingsView;
  'settings:set': SettingsView;
  'config:preview': { toml: string; path: string; overridesFile: string | null };
  'app:info': AppInfo;
  'diagnostics:collect': { text: string };
}

/** Events pushed from main to every surface. */
export interface EventPayloads {
  'daemon:state': { status: DaemonStatus; transition: StateEvent | null };
  'health:sample': HealthEvent;
  /** Log lines, batched (at most ~60 batches a second). */
  'logs:lines': { lines: LogLine[] };
  'settings:changed': SettingsView;
}
export type EventName = keyof EventPayloads;
export const EVENT_NAMES: EventName[] = [
  'daemon:state',
  'health:sample',
  'logs:lines',
  'settings:changed',
];

export type AnyEvent = { [E in EventName]: { event: E; payload: EventPayloads[E] } }[EventName];

/** Validate a command name and payload; the error names the field and the fix. */
export function parseCommand(
  name: unknown,
  payload: unknown,
): { ok: true; name: CommandName; payload: unknown } | { ok: false; error: ContractError } {
  if (typeof name !== 'string' || !(name in commandSchemas)) {
    return {
      ok: false,
      error: {
        code: 'unknown-command',
        message: `unknown command ${JSON.stringify(name)}`,
        hint: `use one of: ${COMMAND_NAMES.join(', ')}`,
      },
    };
  }
  const cmd = name as CommandName;
  const r = commandSchemas[cmd].safeParse(payload ?? {});
  if (!r.success) {
    const fields = r.error.issues.map((i) => ({
      field: i.path.length ? i.path.join('.') : '(payload)',
      message: i.message,
    }));
    return {
      ok: false,
      error: {
        code: 'bad-payload',
        message: `${cmd}: invalid payload: ${fields.map((f) => `${f.field}: ${f.message}`).join('; ')}`,
        hint: 'fix the named fields and send the command again',
        fields,
      },
    };
  }
  return { ok: true, name: cmd, payload: r.data };
}

/** The surface every transport exposes to a client (preload API, WebSocket, socket client). */
export interface ContractClient {
  invoke<C extends CommandName>(
    name: C,
    payload: CommandPayload<C>,
  ): Promise<Result<CommandResults[C]>>;
  /** Subscribe to every event; returns the unsubscribe function. */
  subscribe(listener: (e: AnyEvent) => void): () => void;
}
