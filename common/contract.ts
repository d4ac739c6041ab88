// The one command/event contract: names, payload schemas and result types for every transport.
import * as z from 'zod';
import {
  insideCommandSchemas,
  type InsideCommandResults,
  type InsideEventPayloads,
} from './containerd-commands';
import { ERROR_CODES, type ErrorCode } from './errors';
import { logLevelSchema } from './log-levels';
import type { DaemonStatus, HealthEvent, LogLine, StateEvent } from './states';
import type { FieldError, Settings } from './settings';
import type { HostView } from './hosts';

export type { ErrorCode } from './errors';

/** Runtime schema of an error code (for replies read off a wire). */
export const errorCodeSchema = z.enum(ERROR_CODES);

/**
 * A settings patch, passed on as sent: z.record would silently drop a "__proto__" key, leaving an
 * empty patch that "succeeds"; the store refuses every key that is not a setting, that one too.
 */
const settingsPatchSchema = z.custom<Record<string, unknown>>(
  (v) => typeof v === 'object' && v !== null && !Array.isArray(v),
  { message: 'expected an object of settings' },
);

/** An error as it crosses any transport: what failed, and what to do about it. */
export interface ContractError {
  code: ErrorCode;
  message: string;
  hint: string;
  /** Per-field problems for validation errors (settings form shows each next to its field). */
  fields?: FieldError[];
}

export type Result<T> = { ok: true; value: T } | { ok: false; error: ContractError };

/** Default and largest byte budget of one logs:read page (the sum of the lines' raw text). */
export const LOGS_READ_DEFAULT_BYTES = 1024 * 1024;
export const LOGS_READ_MAX_BYTES = 4 * 1024 * 1024;

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
      level: logLevelSchema.optional(),
      text: z.string().max(1000).optional(),
      limit: z.number().int().min(1).max(100_000).optional(),
      /** Stop adding lines once their raw text passes this many bytes (default 1 MiB); page on with nextSeq. */
      maxBytes: z.number().int().min(1024).max(LOGS_READ_MAX_BYTES).optional(),
    })
    .strict(),
  'health:history': empty,
  'settings:get': empty,
  /** A partial settings object; nested groups (restart, health) may be partial too. */
  'settings:set': z.object({ patch: settingsPatchSchema }).strict(),
  'config:preview': empty,
  'app:info': empty,
  'diagnostics:collect': empty,
  /** Every host: this machine's own first, then the saved ones in the hosts file's order. */
  'hosts:list': empty,
  /**
   * Run one contract command on a host ("local" runs it here). The far side validates the payload
   * as it validates its own clients'; host commands themselves are not forwarded.
   */
  'hosts:invoke': z
    .object({
      host: z.string().min(1).max(200),
      cmd: z.string().min(1).max(100),
      payload: z.unknown().optional(),
    })
    .strict(),
  ...insideCommandSchemas,
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
  /** Dotted keys this session's command-line flags set (`--root`, `--state`…): in effect, not saved. */
  sessionOnly?: string[];
}

/** Result types, one per command. */
export interface CommandResults extends InsideCommandResults {
  'daemon:start': DaemonStatus;
  'daemon:stop': DaemonStatus;
  'daemon:restart': DaemonStatus;
  'daemon:status': DaemonStatus;
  'logs:read': {
    lines: LogLine[];
    /** Sequence number of the newest line the ring holds (follow live lines after it). */
    lastSeq: number;
    /** Where the next page starts (pass it as sinceSeq) when this page stopped at maxBytes or limit; null when complete. */
    nextSeq: number | null;
  };
  'health:history': { samples: HealthEvent[]; restarts: number[] };
  'settings:get': SettingsView;
  'settings:set': SettingsView;
  'config:preview': { toml: string; path: string; overridesFile: string | null };
  'app:info': AppInfo;
  'diagnostics:collect': { text: string };
  'hosts:list': { hosts: HostView[] };
  /** The far side's own result value, as its command returns it. */
  'hosts:invoke': unknown;
}

/** Events pushed from main to every surface. */
export interface EventPayloads extends InsideEventPayloads {
  'daemon:state': { status: DaemonStatus; transition: StateEvent | null };
  'health:sample': HealthEvent;
  /** Log lines, batched (at most ~60 batches a second). */
  'logs:lines': { lines: LogLine[] };
  'settings:changed': SettingsView;
  /**
   * One host's row changed (link up/down, its containerd's state, counts, latency); `removed`:
   * the host left the saved hosts (the row is its last state), so lists drop it now.
   */
  'hosts:changed': { host: HostView; removed?: true };
  /**
   * Down hosts whose retry failed as the one before (same error, nothing else changed): only their
   * next attempt moved. Told together once per RETRY_STEP_MS, when the window's countdowns move.
   */
  'hosts:retries': { retries: { name: string; retryAt: number }[] };
  /** An event from another host's app, as it sent it (never a hosts event). */
  'host:event': { host: string; event: string; payload: unknown };
}
export type EventName = keyof EventPayloads;

export type AnyEvent = { [E in EventName]: { event: E; payload: EventPayloads[E] } }[EventName];

/** A validated command: the name and its payload, correlated (narrowing `name` narrows `payload`). */
export type ParsedCommand = {
  [C in CommandName]: { name: C; payload: CommandPayload<C> };
}[CommandName];

/** Own keys only, so "__proto__" or "toString" are never commands. */
export function isCommandName(name: unknown): name is CommandName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(commandSchemas, name);
}

function parsePayload(name: CommandName, payload: unknown): Result<ParsedCommand> {
  const r = commandSchemas[name].safeParse(payload ?? {});
  // The one cast of the RPC layer: r.data was parsed by name's own schema, which TypeScript cannot correlate.
  if (r.success) return { ok: true, value: { name, payload: r.data } as ParsedCommand };
  const fields = r.error.issues.map((i) => ({
    field: i.path.length ? i.path.join('.') : '(payload)',
    message: i.message,
  }));
  return {
    ok: false,
    error: {
      code: 'bad-payload',
      message: `${name}: invalid payload: ${fields.map((f) => `${f.field}: ${f.message}`).join('; ')}`,
      hint: 'fix the named fields and send the command again',
      fields,
    },
  };
}

/** Validate a command name and payload (once, at the edge); the error names the field and the fix. */
export function parseCommand(name: unknown, payload: unknown): Result<ParsedCommand> {
  if (!isCommandName(name)) {
    return {
      ok: false,
      error: {
        code: 'unknown-command',
        message: `unknown command ${JSON.stringify(name)?.slice(0, 100)}`,
        hint: `use one of: ${COMMAND_NAMES.join(', ')}`,
      },
    };
  }
  return parsePayload(name, payload);
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
