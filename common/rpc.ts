// The one envelope every transport carries (control socket, WebSocket, Electron IPC): its parser, its
// byte-bounded encoder and the one error builder. No zod and no Node: the preload and the page use it.
//
//   client → server  {"id": 1, "cmd": "daemon:status", "payload": {}}
//   server → client  {"id": 1, "result": {"ok": true, "value": …} | {"ok": false, "error": {code, message, hint}}}
//   server → client  {"event": "logs:lines", "payload": {…}}
//
// The control socket opens with a hello each way before any request:
//   client → server  {"hello": {"protocol": 1}}
//   server → client  {"hello": {"protocol": 1}}   (or an id-null protocol-mismatch error, then close)
import type { AnyEvent, CommandName, ContractError, Result } from './contract';
import { isErrorCode, type ErrorCode } from './errors';
import { jsonRecord } from './json-record';
import type { FieldError } from './settings';

export type RequestId = number | string;
export interface RpcRequest {
  id: RequestId;
  cmd: string;
  payload?: unknown;
}
/** `id` is null only for an error about the connection itself (a line that could not be read). */
export interface RpcResponse {
  id: RequestId | null;
  result: Result<unknown>;
}
export type RpcEvent = AnyEvent;
export type RpcMessage = RpcResponse | RpcEvent;

/** Streaming transports only (the control socket): start / stop receiving events on this connection. */
export const SUBSCRIBE = 'events:subscribe';
export const UNSUBSCRIBE = 'events:unsubscribe';

/** Electron IPC: one invoke channel per contract command, one event channel, one channel listing the commands. */
export const IPC_EVENT_CHANNEL = 'cdesk:event';
export const IPC_COMMANDS_CHANNEL = 'cdesk:commands';
export function ipcChannel(name: CommandName): string {
  return `cdesk:cmd:${name}`;
}

/**
 * The control protocol's version. Bump it when a frame or a command changes in a way the other
 * side would misread, so a cdesk from another build is told so instead of failing oddly.
 */
export const PROTOCOL_VERSION = 1;

/** The first frame each side sends on the control socket. */
export function helloFrame(protocol: number = PROTOCOL_VERSION): string {
  return JSON.stringify({ hello: { protocol } });
}

/** The version a first frame announces; 0 when it is no hello (a build from before versions). */
export function helloVersion(text: string): number {
  try {
    const v: unknown = (JSON.parse(text) as { hello?: { protocol?: unknown } } | null)?.hello
      ?.protocol;
    return typeof v === 'number' && Number.isSafeInteger(v) && v > 0 ? v : 0;
  } catch {
    return 0;
  }
}

/**
 * "this cdesk (protocol 1) cannot talk to the running app (protocol 2): …". `code` is
 * 'bad-request' only for clients from before versions, which drop error codes they do not know.
 */
export function protocolMismatch(
  cdesk: number,
  app: number,
  code: 'protocol-mismatch' | 'bad-request' = 'protocol-mismatch',
): ContractError {
  return rpcError(
    code,
    `this cdesk (protocol ${cdesk}) cannot talk to the running app (protocol ${app}): restart it or use the matching cdesk`,
    'Quit the running app and start it again so it runs the same build as this cdesk, or run the cdesk that came with the running app.',
  );
}

/** Largest request (a socket line or a WebSocket message); requests are a few hundred bytes. */
export const MAX_REQUEST_BYTES = 256 * 1024;
/** Largest reply; above it the answer is an error telling the caller to page. */
export const MAX_REPLY_BYTES = 8 * 1024 * 1024;
/** Largest event frame; list events (log lines, containerd events) are split to fit. */
export const MAX_EVENT_BYTES = 1024 * 1024;

/** The one error builder: every error that crosses a transport is made here or by toContractError. */
export function rpcError(
  code: ErrorCode,
  message: string,
  hint: string,
  fields?: FieldError[],
): ContractError {
  return fields?.length ? { code, message, hint, fields } : { code, message, hint };
}

export function failure(code: ErrorCode, message: string, hint: string): Result<never> {
  return { ok: false, error: rpcError(code, message, hint) };
}

/** The transport itself broke (IPC threw, a write failed): one code for every transport. */
export function transportFailure(what: string, err: unknown): ContractError {
  return rpcError(
    'transport-failed',
    `${what}: ${err instanceof Error ? err.message : String(err)}`,
    'check that Containerd Desktop is still running, then try again; if it keeps happening, collect diagnostics and report it',
  );
}

/** The connection closed before the answer came. */
export function disconnectedError(detail: string, hint: string): ContractError {
  return rpcError('disconnected', `lost the connection to Containerd Desktop (${detail})`, hint);
}

/** UTF-8 length of a string without allocating it (the page has no Buffer). */
export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

/** True when `s` is at most `max` UTF-8 bytes; cheap when it obviously is. */
export function fitsBytes(s: string, max: number): boolean {
  if (s.length * 3 <= max) return true;
  if (s.length > max) return false;
  return utf8Length(s) <= max;
}

function badRequest(message: string): ContractError {
  return rpcError(
    'bad-request',
    message,
    'send one JSON object per request: {"id":1,"cmd":"daemon:status","payload":{}}',
  );
}

/** Parse one request frame or line; a bad one becomes the reply to send back (never a throw). */
export function parseRequest(
  text: string,
): { ok: true; req: RpcRequest } | { ok: false; reply: RpcResponse } {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    return {
      ok: false,
      reply: {
        id: null,
        result: { ok: false, error: badRequest(`request is not valid JSON: ${why}`) },
      },
    };
  }
  const r: Record<string, unknown> =
    typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? { ...raw } : {};
  const id =
    (typeof r.id === 'number' && Number.isFinite(r.id)) ||
    (typeof r.id === 'string' && r.id.length <= 100)
      ? r.id
      : null;
  if (id === null)
    return {
      ok: false,
      reply: {
        id: null,
        result: {
          ok: false,
          error: badRequest('request needs an "id" (a number or a short string)'),
        },
      },
    };
  if (typeof r.cmd !== 'string')
    return {
      ok: false,
      reply: { id, result: { ok: false, error: badRequest('request needs a "cmd" (string)') } },
    };
  return { ok: true, req: { id, cmd: r.cmd, payload: r.payload } };
}

function tooLarge(cmd: string, bytes: number, max: number): ContractError {
  return rpcError(
    'reply-too-large',
    `the answer to ${cmd} is ${bytes === Infinity ? 'too large to encode' : `${bytes} bytes`}; one reply may be at most ${max} bytes`,
    cmd === 'logs:read'
      ? 'ask for a smaller page (a lower maxBytes or limit, or a narrower filter) and continue from nextSeq; cdesk daemon logs pages by itself'
      : 'ask for less (a narrower filter or a smaller page); if this command cannot be narrowed, report it as a bug',
  );
}

/**
 * Encode a reply. Never throws: a reply that cannot be serialised (V8's string limit, a cycle) or
 * is over `maxBytes` becomes an error-as-data sent under the same id, so the caller always gets
 * exactly one answer.
 */
export function encodeReply(
  id: RequestId | null,
  cmd: string,
  result: Result<unknown>,
  maxBytes: number = MAX_REPLY_BYTES,
): string {
  let text: string | null = null;
  let error: ContractError | null = null;
  try {
    text = JSON.stringify({ id, result });
  } catch (err) {
    error =
      err instanceof RangeError
        ? tooLarge(cmd, Infinity, maxBytes)
        : rpcError(
            'internal',
            `internal error: the answer to ${cmd} cannot be encoded (${err instanceof Error ? err.message : String(err)})`,
            'This is a bug in Containerd Desktop; check the app log and report it.',
          );
  }
  if (text !== null && !fitsBytes(text, maxBytes))
    error = tooLarge(cmd, utf8Length(text), maxBytes);
  if (error) return JSON.stringify({ id, result: { ok: false, error } });
  return text!;
}

/** Items of a list event (the array that may grow large); null for events that are one object. */
function listOf(e: AnyEvent): { key: 'lines' | 'events'; items: unknown[] } | null {
  if (e.event === 'logs:lines') return { key: 'lines', items: e.payload.lines };
  if (e.event === 'containerd:events') return { key: 'events', items: e.payload.events };
  return null;
}

function stringifyOrNull(v: unknown): string | null {
  try {
    return JSON.stringify(v);
  } catch {
    return null;
  }
}

/** One encoded event frame; a frame of a list event says which items (indices) it carries. */
export interface EventFrame {
  text: string;
  /** Items of the list carried (0 for an event that is one object). */
  items: number;
  /** Index of the first and last item carried (-1 when none). */
  first: number;
  last: number;
}

/**
 * Encode an event as one or more frames of at most `maxBytes` each. List events are split into
 * several frames; a single list item (one log line) too large for a frame is dropped and reported
 * through `onDrop` (the log ring truncates long lines first, so this is a last line of defence).
 * Never throws.
 */
export function encodeEventFrames(
  e: AnyEvent,
  maxBytes: number = MAX_EVENT_BYTES,
  onDrop: (why: string) => void = () => undefined,
): EventFrame[] {
  return [...eventFrames(e, maxBytes, onDrop)];
}

/**
 * encodeEventFrames one frame at a time, each as soon as it is cut: a caller that turns every
 * frame into bytes before taking the next keeps one frame's strings alive, not a whole batch's
 * (a flood's batch is tens of MiB of JSON; held across young-generation collections it is moved to
 * the old generation and stays there as garbage until a full collection).
 */
export function* eventFrames(
  e: AnyEvent,
  maxBytes: number = MAX_EVENT_BYTES,
  onDrop: (why: string) => void = () => undefined,
): Generator<EventFrame> {
  const list = listOf(e);
  if (!list) {
    const whole = stringifyOrNull({ event: e.event, payload: e.payload });
    if (whole !== null && fitsBytes(whole, maxBytes))
      yield { text: whole, items: 0, first: -1, last: -1 };
    else onDrop(`event ${e.event} is over ${maxBytes} bytes`);
    return;
  }
  // Item by item, never the whole list at once: a flood's batch would be one string of several
  // MiB before it is split anyway.
  const envelope = (items: string[]) =>
    `{"event":${JSON.stringify(e.event)},"payload":{${JSON.stringify(list.key)}:[${items.join(',')}]}}`;
  const overhead = utf8Length(envelope([]));
  let batch: string[] = [];
  let first = -1;
  let last = -1;
  let size = overhead;
  let sent = false;
  for (let i = 0; i < list.items.length; i++) {
    const text = stringifyOrNull(list.items[i]);
    const bytes = text === null ? Infinity : utf8Length(text) + 1;
    if (text === null || overhead + bytes > maxBytes) {
      onDrop(`one ${e.event} item is over ${maxBytes} bytes`);
      continue;
    }
    if (size + bytes > maxBytes) {
      yield { text: envelope(batch), items: batch.length, first, last };
      sent = true;
      batch = [];
      first = -1;
      size = overhead;
    }
    batch.push(text);
    if (first < 0) first = i;
    last = i;
    size += bytes;
  }
  // An empty list is still an event (one frame), as is a list whose every item was dropped.
  if (batch.length || !sent) yield { text: envelope(batch), items: batch.length, first, last };
}

/** The frames' text alone (see encodeEventFrames). */
export function encodeEvent(
  e: AnyEvent,
  maxBytes: number = MAX_EVENT_BYTES,
  onDrop: (why: string) => void = () => undefined,
): string[] {
  return encodeEventFrames(e, maxBytes, onDrop).map((f) => f.text);
}

function isResult(v: unknown): v is Result<unknown> {
  if (typeof v !== 'object' || v === null) return false;
  const r = v as { ok?: unknown; error?: unknown };
  if (r.ok === true) return 'value' in r;
  if (r.ok !== false || typeof r.error !== 'object' || r.error === null) return false;
  const e = r.error as Record<string, unknown>;
  return typeof e.message === 'string' && typeof e.hint === 'string' && isErrorCode(e.code);
}

/** Parse one message from the app (client side); null for anything that is not a reply or an event. */
export function parseMessage(text: string): RpcMessage | null {
  const m = jsonRecord(text);
  if (!m) return null;
  if ('result' in m) {
    const id = typeof m.id === 'number' || typeof m.id === 'string' ? m.id : null;
    return isResult(m.result) ? { id, result: m.result } : null;
  }
  // Events come from the app we connected to and carry its own types.
  if (typeof m.event === 'string') return { event: m.event, payload: m.payload } as AnyEvent;
  return null;
}

/**
 * The client's reading of the server's first frame: its hello with our version, or why not. An app
 * from before versions answers our hello as a request without an id (protocol 0).
 */
export function checkHelloAnswer(text: string): { ok: true } | { ok: false; error: ContractError } {
  const v = helloVersion(text);
  if (v === PROTOCOL_VERSION) return { ok: true };
  if (v > 0) return { ok: false, error: protocolMismatch(PROTOCOL_VERSION, v) };
  const m = parseMessage(text);
  // The server refused our hello and worded why (it knows its own version, or it has too many
  // connections); an app from before versions never answers a hello with either code.
  const refusal = m && 'result' in m && !m.result.ok ? m.result.error.code : null;
  if (
    m &&
    'result' in m &&
    !m.result.ok &&
    (refusal === 'protocol-mismatch' || refusal === 'busy')
  ) {
    return { ok: false, error: m.result.error };
  }
  return { ok: false, error: protocolMismatch(PROTOCOL_VERSION, 0) };
}
