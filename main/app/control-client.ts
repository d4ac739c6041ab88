// Client side of the control socket: typed calls and the event stream, as the CLI uses them.
import net from 'node:net';
import type {
  AnyEvent,
  CommandName,
  CommandPayload,
  CommandResults,
  Result,
} from '../../common/contract';
import { AppError } from './app-error';
import { lineSplitter, SUBSCRIBE, type ControlMessage } from './control-protocol';

export const NO_APP_HINT =
  'Start one: the desktop app (`npm start`), `cdesk serve` (headless), or `cdesk run` (foreground); or pass --control PATH to reach another instance.';

export interface ControlClient {
  call<C extends CommandName>(
    cmd: C,
    payload: CommandPayload<C>,
  ): Promise<Result<CommandResults[C]>>;
  /** Subscribe to every event; resolves once the app confirmed, to an unsubscribe function. */
  events(onEvent: (e: AnyEvent) => void): Promise<() => void>;
  /** Called once when the connection ends (app quit, socket closed). */
  onClose(fn: (err: AppError) => void): void;
  close(): void;
}

function lost(path: string): AppError {
  return new AppError(
    'connection-lost',
    `the connection to Containerd Desktop (${path}) closed`,
    'The app may have quit; check it is still running (cdesk status).',
  );
}

/** Connect to the app's control socket; a missing or dead socket is AppError 'no-app'. */
export function connectControl(path: string): Promise<ControlClient> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(path);
    sock.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT' || err.code === 'ECONNREFUSED') {
        reject(
          new AppError(
            'no-app',
            `no running Containerd Desktop at ${path} (${err.code})`,
            NO_APP_HINT,
          ),
        );
      } else if (err.code === 'EACCES') {
        reject(
          new AppError(
            'control-denied',
            `not allowed to connect to ${path}`,
            'The app runs as another user; run cdesk as that user, or pass --control PATH.',
          ),
        );
      } else {
        reject(
          new AppError(
            'control-connect',
            `cannot connect to ${path}: ${err.code ?? err.message}`,
            NO_APP_HINT,
          ),
        );
      }
    });
    sock.once('connect', () => resolve(client(sock, path)));
  });
}

function client(sock: net.Socket, path: string): ControlClient {
  let nextId = 1;
  const pending = new Map<number | string, (r: Result<unknown>) => void>();
  const eventFns = new Set<(e: AnyEvent) => void>();
  const closeFns: ((err: AppError) => void)[] = [];
  let closed = false;

  const onLine = (line: string) => {
    let msg: ControlMessage;
    try {
      msg = JSON.parse(line) as ControlMessage;
    } catch {
      return;
    }
    if ('event' in msg) {
      for (const fn of eventFns) fn(msg);
      return;
    }
    if (msg.id === null) {
      // A connection-level error (oversized or malformed request): fail every waiting call with it.
      for (const r of pending.values()) r(msg.result);
      pending.clear();
      return;
    }
    const r = pending.get(msg.id);
    pending.delete(msg.id);
    r?.(msg.result);
  };
  sock.on(
    'data',
    lineSplitter(onLine, () => sock.destroy()),
  );
  sock.on('error', () => undefined);
  sock.on('close', () => {
    closed = true;
    const err = lost(path);
    for (const r of pending.values())
      r({ ok: false, error: { code: err.code, message: err.message, hint: err.hint } });
    pending.clear();
    for (const fn of closeFns) fn(err);
  });

  const send = (cmd: string, payload: unknown): Promise<Result<unknown>> => {
    if (closed) {
      const err = lost(path);
      return Promise.resolve({
        ok: false,
        error: { code: err.code, message: err.message, hint: err.hint },
      });
    }
    const id = nextId++;
    return new Promise((resolve) => {
      pending.set(id, resolve);
      sock.write(`${JSON.stringify({ id, cmd, payload })}\n`);
    });
  };

  return {
    call: (cmd, payload) => send(cmd, payload) as never,
    async events(onEvent) {
      eventFns.add(onEvent);
      const r = await send(SUBSCRIBE, {});
      if (!r.ok) {
        eventFns.delete(onEvent);
        throw new AppError(r.error.code, r.error.message, r.error.hint);
      }
      return () => eventFns.delete(onEvent);
    },
    onClose(fn) {
      closeFns.push(fn);
    },
    close() {
      sock.destroy();
    },
  };
}
