// Client side of the control socket: the contract's ContractClient over NDJSON, as the CLI uses it.
import net from 'node:net';
import type { AnyEvent, ContractClient, Result } from '../../common/contract';
import {
  checkHelloAnswer,
  disconnectedError,
  helloFrame,
  MAX_REPLY_BYTES,
  SUBSCRIBE,
  transportFailure,
} from '../../common/rpc';
import { asResult, RpcCalls } from '../../common/rpc-client';
import { isStreamFrame, parseServerFrame, type ServerFrame } from '../../common/exec-stream';
import { AppError } from '../shared/app-error';
import { checkControlPeer } from './control-paths';
import { lineSplitter } from './control-protocol';

export const NO_APP_HINT =
  'Start one: open Containerd Desktop (from a source checkout: `npm start`), `cdesk serve` (headless), or `cdesk daemon run` (foreground); or pass --control PATH to reach another instance.';

const LOST_HINT = 'The app may have quit; check it is still running (cdesk status).';

/** ContractClient plus what a socket connection adds: confirmed event subscription and its end. */
export interface ControlClient extends ContractClient {
  /** Subscribe to every event; resolves once the app confirmed, to an unsubscribe function. */
  events(onEvent: (e: AnyEvent) => void): Promise<() => void>;
  /**
   * Start a stream (exec:start): the reply settles `result`; the stream's frames go to `onFrame`;
   * `send` writes one client frame and says whether the socket took it without buffering.
   */
  openStream(
    cmd: string,
    payload: unknown,
    onFrame: (f: ServerFrame) => void,
  ): { result: Promise<Result<unknown>>; send(text: string): boolean };
  /** Called once when the connection ends (app quit, socket closed). */
  onClose(fn: (err: AppError) => void): void;
  close(): void;
  /** Set when only reading works over this client (an agentless host): why actions are refused. */
  readonly readOnly?: string;
}

function connectError(path: string, err: NodeJS.ErrnoException): AppError {
  if (err.code === 'ENOENT' || err.code === 'ECONNREFUSED')
    return new AppError(
      'no-app',
      `no running Containerd Desktop at ${path} (${err.code})`,
      NO_APP_HINT,
    );
  if (err.code === 'EACCES')
    return new AppError(
      'control-denied',
      `not allowed to connect to ${path}`,
      'The app runs as another user; run cdesk as that user, or pass --control PATH.',
    );
  return new AppError(
    'control-connect',
    `cannot connect to ${path}: ${err.code ?? err.message}`,
    NO_APP_HINT,
  );
}

/**
 * One byte stream the envelope travels over: a unix socket here, or an ssh child's stdio for
 * another machine. Lines go out with `write`; what arrives goes to the splitter.
 */
export interface ControlLink {
  /** Where the client is connected, for messages ("/run/…/control.sock", "r (ssh://me@box)"). */
  readonly label: string;
  write(text: string): boolean;
  readonly closed: boolean;
  onData(fn: (chunk: Buffer) => void): void;
  /** Once, when the link ends; the error says why (and for ssh, what ssh said). */
  onClose(fn: (err: AppError) => void): void;
  close(): void;
}

/** A ControlLink over a connected unix socket. */
function socketLink(sock: net.Socket, path: string): ControlLink {
  sock.on('error', () => undefined);
  return {
    label: path,
    write: (text) => sock.write(text),
    get closed() {
      return sock.destroyed;
    },
    onData: (fn) => void sock.on('data', fn),
    onClose: (fn) =>
      void sock.once('close', () =>
        fn(
          new AppError(
            'disconnected',
            `the connection to Containerd Desktop (${path}) closed`,
            LOST_HINT,
          ),
        ),
      ),
    close: () => sock.destroy(),
  };
}

/**
 * Exchange hellos over a fresh link and wrap it as a ControlClient. `early` turns the link's end
 * before the app's hello into the error to throw (what ssh said, or "closed before…").
 */
export function handshake(
  link: ControlLink,
  early: (err: AppError) => AppError = (err) => err,
): Promise<ControlClient> {
  return new Promise((resolve, reject) => {
    let settled = false;
    let onLine = (line: string) => {
      const answer = checkHelloAnswer(line);
      settled = true;
      if (!answer.ok) {
        link.close();
        const e = answer.error;
        return reject(new AppError(e.code, e.message, e.hint));
      }
      const c = client(link);
      onLine = c.onLine;
      resolve(c.client);
    };
    // The server caps replies at MAX_REPLY_BYTES; anything longer is not a line we can use.
    link.onData(
      lineSplitter(
        (line) => onLine(line),
        () => link.close(),
        2 * MAX_REPLY_BYTES,
      ),
    );
    link.onClose((err) => {
      if (!settled) reject(early(err));
    });
    link.write(`${helloFrame()}\n`);
  });
}

/**
 * Connect to the app's control socket and exchange hellos. A missing or dead socket is AppError
 * 'no-app'; an app speaking another protocol version is 'protocol-mismatch'; a socket in a folder
 * others can write to, or bound by another user, is refused before anything is sent.
 */
export async function connectControl(path: string): Promise<ControlClient> {
  const unsafe = await checkControlPeer(path);
  if (unsafe) throw unsafe;
  const sock = await new Promise<net.Socket>((resolve, reject) => {
    const s = net.connect(path);
    s.once('error', (err: NodeJS.ErrnoException) => reject(connectError(path, err)));
    s.once('connect', () => {
      s.removeAllListeners('error');
      resolve(s);
    });
  });
  return handshake(
    socketLink(sock, path),
    () =>
      new AppError(
        'disconnected',
        `the app at ${path} closed the connection before saying which protocol it speaks`,
        LOST_HINT,
      ),
  );
}

function client(link: ControlLink): { client: ControlClient; onLine: (line: string) => void } {
  const path = link.label;
  const calls = new RpcCalls();
  const eventFns = new Set<(e: AnyEvent) => void>();
  const closeFns: ((err: AppError) => void)[] = [];
  let closed = false;

  const streams = new Map<number | string, (f: ServerFrame) => void>();
  const onLine = (line: string) => {
    if (isStreamFrame(line)) {
      const f = parseServerFrame(line);
      if (f) streams.get(f.stream)?.(f);
      if (f?.op === 'end') streams.delete(f.stream);
      return;
    }
    const e = calls.receive(line);
    if (e) for (const fn of [...eventFns]) fn(e);
  };
  link.onClose((err) => {
    closed = true;
    calls.failAll(
      err.code === 'disconnected'
        ? disconnectedError(path, LOST_HINT)
        : { code: err.code, message: err.message, hint: err.hint },
    );
    for (const fn of closeFns) fn(err);
  });

  const send = (cmd: string, payload: unknown) => {
    if (closed)
      return Promise.resolve({ ok: false as const, error: disconnectedError(path, LOST_HINT) });
    const call = calls.start(cmd, payload);
    if (call.frame !== null) {
      try {
        link.write(`${call.frame}\n`);
      } catch (err) {
        calls.fail(call.id, transportFailure(cmd, err));
      }
    }
    return call.result;
  };

  const events = async (onEvent: (e: AnyEvent) => void): Promise<() => void> => {
    eventFns.add(onEvent);
    const r = await send(SUBSCRIBE, {});
    if (!r.ok) {
      eventFns.delete(onEvent);
      throw new AppError(r.error.code, r.error.message, r.error.hint);
    }
    return () => eventFns.delete(onEvent);
  };

  const c: ControlClient = {
    invoke: (name, payload) => asResult(name, payload, send(name, payload)),
    // ContractClient's fire-and-forget form; the CLI uses events() to know it is subscribed.
    subscribe(listener) {
      void events(listener).catch(() => undefined);
      return () => eventFns.delete(listener);
    },
    events,
    openStream(cmd, payload, onFrame) {
      const call = calls.start(cmd, payload);
      streams.set(call.id, onFrame);
      if (call.frame !== null && !closed) {
        try {
          link.write(`${call.frame}\n`);
        } catch (err) {
          calls.fail(call.id, transportFailure(cmd, err));
        }
      } else if (closed) calls.fail(call.id, disconnectedError(path, LOST_HINT));
      const result = call.result.then((r) => {
        if (!r.ok) streams.delete(call.id);
        return r;
      });
      return {
        result,
        send: (text) => !closed && !link.closed && link.write(`${text}\n`),
      };
    },
    onClose(fn) {
      closeFns.push(fn);
    },
    close() {
      link.close();
    },
  };
  return { client: c, onLine };
}
