// One connection's exec streams (control socket, WebSocket or IPC alike): starts them through the
// service, carries their stdio as frames with credit-based flow control, and ends every one of
// them (process killed and deleted) when the connection goes away.
import * as z from 'zod';
import {
  CONTAINER_ID_RULE,
  EXEC_USER_PATTERN,
  EXEC_USER_RULE,
  NAME_MAX,
  NAME_PATTERN,
  WORKDIR_RULE,
} from '../../common/container-names';
import { HOST_NAME_PATTERN } from '../../common/hosts';
import { namespaceName } from '../../common/containerd-commands';
import type { Result } from '../../common/contract';
import {
  chunks,
  encodeFrame,
  EXEC_MAX_STREAMS,
  EXEC_WINDOW_BYTES,
  parseClientFrame,
  type ExecEndInfo,
  type ExecStarted,
  type ServerFrame,
} from '../../common/exec-stream';
import { rpcError, type RequestId } from '../../common/rpc';
import type { ExecProcess, ExecSpec } from '../containerd/exec';
import { toContractError } from '../shared/app-error';

const containerId = z.string().min(1).max(NAME_MAX).regex(NAME_PATTERN, {
  message: CONTAINER_ID_RULE,
});
const noNul = (what: string) =>
  z
    .string()
    .max(64 * 1024)
    .refine((s) => !s.includes('\0'), { message: `${what} may not contain NUL bytes` });

/** What a client may ask for; anything else is refused with the field named. */
export const execStartSchema = z
  .object({
    namespace: namespaceName,
    id: containerId,
    args: z.array(noNul('an argument')).min(1, { message: 'give the command to run' }).max(4096),
    tty: z.boolean().optional(),
    stdin: z.boolean().optional(),
    env: z
      .array(
        noNul('an environment entry').regex(/^[^=\s]+=/, {
          message: 'must be KEY=VALUE (e.g. -e FOO=bar)',
        }),
      )
      .max(1024)
      .optional(),
    cwd: z.string().max(4096).regex(/^\//, { message: WORKDIR_RULE }).optional(),
    user: z.string().max(256).regex(EXEC_USER_PATTERN, { message: EXEC_USER_RULE }).optional(),
    cols: z.number().int().min(0).max(10_000).optional(),
    rows: z.number().int().min(0).max(10_000).optional(),
    /** A saved host's name: the exec runs there, over the app's link to it ("local" or none: here). */
    host: z
      .string()
      .regex(HOST_NAME_PATTERN, {
        message: 'must be a saved host name (cdesk host ls) or "local"',
      })
      .optional(),
  })
  .strict();

/** An exec as a transport asks for it: the process, and the host it runs on (absent: this machine). */
export type ExecRequest = ExecSpec & { host?: string };

/** Starts the process for a validated request; the service logs it and calls containerd. */
export type ExecStarter = (
  spec: ExecRequest,
  onOutput: (fd: 1 | 2, chunk: Buffer) => boolean | void,
) => Promise<ExecProcess>;

export interface ExecHubOptions {
  start: ExecStarter | null;
  /** Write one frame to this connection (never throws). */
  send(text: string): void;
  logError?: (message: string, err: unknown) => void;
  /** A stream opened or ended (a connection with open streams is not idle). */
  onSizeChange?: () => void;
  windowBytes?: number;
}

export interface ExecHub {
  /** Answer an exec:start request (the reply, to send under its id); output frames follow it. */
  start(id: RequestId, payload: unknown): Promise<{ result: Result<unknown>; opened: () => void }>;
  /** Handle one client frame (stdin, ack, eof, resize, close). */
  receive(text: string): void;
  readonly size: number;
  /** The connection is gone: kill and delete every process it started. */
  closeAll(): Promise<void>;
}

interface Stream {
  p: ExecProcess | null;
  /** Output sent and not yet acknowledged. */
  unacked: number;
  /** stdin received and not yet written (bounded by the client's window). */
  pendingIn: number;
  /** Frames held until the start reply has gone out (the process may print at once). */
  held: string[] | null;
  ended: boolean;
}

function badPayload(err: z.ZodError): Result<never> {
  const fields = err.issues.map((i) => ({
    field: i.path.length ? i.path.join('.') : '(payload)',
    message: i.message,
  }));
  return {
    ok: false,
    error: rpcError(
      'bad-payload',
      `exec:start: invalid payload: ${fields.map((f) => `${f.field}: ${f.message}`).join('; ')}`,
      'fix the named fields and send the command again',
      fields,
    ),
  };
}

export function createExecHub(o: ExecHubOptions): ExecHub {
  const window = o.windowBytes ?? EXEC_WINDOW_BYTES;
  const logError = o.logError ?? ((m, e) => console.error(m, e));
  const streams = new Map<RequestId, Stream>();

  const emit = (s: Stream, f: ServerFrame) => {
    const text = encodeFrame(f);
    if (s.held) s.held.push(text);
    else o.send(text);
  };

  const finish = (key: RequestId, s: Stream, end: ExecEndInfo) => {
    if (s.ended) return;
    s.ended = true;
    emit(s, { stream: key, op: 'end', end });
    streams.delete(key);
    o.onSizeChange?.();
    void s.p?.dispose().catch((err: unknown) => logError('exec cleanup failed', err));
  };

  return {
    get size() {
      return streams.size;
    },
    async start(key, payload) {
      const none = { opened: () => undefined };
      if (!o.start)
        return {
          ...none,
          result: {
            ok: false,
            error: rpcError(
              'containerd-api-unavailable',
              "exec:start: this instance has no connection to containerd's API",
              'Use the desktop app or `cdesk serve`, which reach containerd; check `cdesk status`.',
            ),
          },
        };
      const parsed = execStartSchema.safeParse(payload ?? {});
      if (!parsed.success) return { ...none, result: badPayload(parsed.error) };
      if (streams.has(key))
        return {
          ...none,
          result: {
            ok: false,
            error: rpcError(
              'bad-request',
              `stream ${String(key)} is already open`,
              'use a new request id for each exec',
            ),
          },
        };
      if (streams.size >= EXEC_MAX_STREAMS)
        return {
          ...none,
          result: {
            ok: false,
            error: rpcError(
              'busy',
              `this connection already has ${EXEC_MAX_STREAMS} exec sessions open`,
              'Close some terminals (or finished cdesk exec commands), then try again.',
            ),
          },
        };
      const q = parsed.data;
      const s: Stream = { p: null, unacked: 0, pendingIn: 0, held: [], ended: false };
      streams.set(key, s);
      const onOutput = (fd: 1 | 2, chunk: Buffer) => {
        if (s.ended) return;
        for (const piece of chunks(chunk)) {
          s.unacked += piece.length;
          emit(s, { stream: key, op: 'out', fd, data: Buffer.from(piece).toString('base64') });
        }
        if (s.unacked < window) return true;
        s.p?.pause();
        return false;
      };
      try {
        s.p = await o.start(
          {
            namespace: q.namespace,
            id: q.id,
            args: q.args,
            tty: q.tty ?? false,
            stdin: q.stdin ?? false,
            env: q.env ?? [],
            cwd: q.cwd,
            user: q.user,
            // 0×0 (a hidden pane) is no size: the terminal keeps its default until a real one.
            cols: q.cols || undefined,
            rows: q.rows || undefined,
            ...(q.host !== undefined ? { host: q.host } : {}),
          },
          onOutput,
        );
      } catch (err) {
        streams.delete(key);
        return { ...none, result: { ok: false, error: toContractError(err) } };
      }
      if (s.unacked >= window) s.p.pause();
      const p = s.p;
      if (!streams.has(key)) {
        // closeAll ran while it started: the connection is gone.
        void p.dispose();
        return {
          ...none,
          result: {
            ok: false,
            error: rpcError('disconnected', 'the client went away', 'reconnect and try again'),
          },
        };
      }
      void p.ended.then((end) => finish(key, s, end));
      o.onSizeChange?.();
      const value: ExecStarted = { stream: key, execId: p.execId, pid: p.pid };
      return {
        result: { ok: true, value },
        opened: () => {
          const held = s.held ?? [];
          s.held = null;
          for (const t of held) o.send(t);
        },
      };
    },
    receive(text) {
      const f = parseClientFrame(text);
      if (!f) return;
      const s = streams.get(f.stream);
      if (!s?.p || s.ended) return;
      const p = s.p;
      const fail = (message: string, hint: string) =>
        finish(f.stream, s, { kind: 'error', error: rpcError('bad-request', message, hint) });
      switch (f.op) {
        case 'ack': {
          s.unacked = Math.max(0, s.unacked - f.bytes);
          if (s.unacked < window) p.resume();
          return;
        }
        case 'in': {
          const bytes = Buffer.from(f.data, 'base64');
          if (s.pendingIn + bytes.length > window)
            return fail(
              `stdin beyond the ${window}-byte window without waiting for acks`,
              'send stdin only while less than the window is unacknowledged',
            );
          s.pendingIn += bytes.length;
          p.write(bytes, (err) => {
            s.pendingIn -= bytes.length;
            if (!err && !s.ended)
              o.send(encodeFrame({ stream: f.stream, op: 'ack', bytes: bytes.length }));
          });
          return;
        }
        case 'eof':
          void p.closeStdin().catch((err: unknown) => logError('exec stdin close failed', err));
          return;
        case 'resize':
          if (f.cols < 1 || f.rows < 1) return; // a hidden pane measures 0×0: keep the last size
          void p.resize(f.cols, f.rows).catch(() => undefined);
          return;
        case 'close':
          finish(f.stream, s, { kind: 'exit', code: 137 });
          return;
      }
    },
    async closeAll() {
      const all = [...streams.values()];
      streams.clear();
      await Promise.all(
        all.map((s) => {
          s.ended = true;
          return s.p?.dispose().catch((err: unknown) => logError('exec cleanup failed', err));
        }),
      );
    },
  };
}
