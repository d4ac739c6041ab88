// Exec streams over Electron IPC: the channels, and the page's side of a stream (StreamClient) over
// the three calls the preload exposes. The frames are the same JSON text as on the WebSocket and
// the control socket (common/exec-stream.ts), with the same credit windows.
import type { Result } from './contract';
import { parseServerFrame, type ServerFrame, type StreamClient } from './exec-stream';
import { parseMessage, transportFailure } from './rpc';

/** invoke(id, payload) → the exec:start reply's envelope text. */
export const IPC_EXEC_START_CHANNEL = 'cdesk:exec-start';
/** page → main, one client frame (stdin, ack, eof, resize, close) per message. */
export const IPC_EXEC_FRAME_CHANNEL = 'cdesk:exec-frame';
/** main → page, one server frame (output, ack, end) per message. */
export const IPC_EXEC_OUT_CHANNEL = 'cdesk:exec-out';

/** Largest client frame main accepts (a 32 KiB stdin chunk in base64 plus the envelope). */
export const MAX_IPC_EXEC_FRAME_CHARS = 64 * 1024;

/** What the preload exposes for exec (window.cdesk.exec). */
export interface ExecPort {
  /** Start stream `id` (the page's own number); resolves with the reply's envelope text. */
  start(id: number, payload: unknown): Promise<unknown>;
  /** Send one client frame. */
  send(text: string): void;
  /** Every server frame of this page's streams; returns the unsubscribe function. */
  onFrame(listener: (text: string) => void): () => void;
}

interface OpenStream {
  onFrame: (f: ServerFrame) => void;
  /** Frames that came before the start reply (IPC does not order them against it). */
  held: ServerFrame[] | null;
}

/** StreamClient['openStream'] over an ExecPort: one frame listener for all of the page's streams. */
export function ipcStreamOpener(port: ExecPort): StreamClient['openStream'] {
  let nextId = 1;
  const streams = new Map<number | string, OpenStream>();
  let listening = false;
  const deliver = (key: number | string, s: OpenStream, f: ServerFrame) => {
    if (f.op === 'end') streams.delete(key);
    s.onFrame(f);
  };
  const listen = () => {
    if (listening) return;
    listening = true;
    port.onFrame((text) => {
      const f = typeof text === 'string' ? parseServerFrame(text) : null;
      const s = f ? streams.get(f.stream) : undefined;
      if (!f || !s) return;
      if (s.held) s.held.push(f);
      else deliver(f.stream, s, f);
    });
  };
  return (cmd, payload, onFrame) => {
    listen();
    const id = nextId++;
    const s: OpenStream = { onFrame, held: [] };
    streams.set(id, s);
    const result = port
      .start(id, payload)
      .then((text): Result<unknown> => {
        const msg = typeof text === 'string' ? parseMessage(text) : null;
        return msg && 'result' in msg
          ? msg.result
          : {
              ok: false,
              error: transportFailure(cmd, new Error('unreadable reply from the app')),
            };
      })
      .catch((err: unknown): Result<unknown> => ({ ok: false, error: transportFailure(cmd, err) }))
      .then((r) => {
        const held = s.held ?? [];
        s.held = null;
        if (!r.ok) streams.delete(id);
        else for (const f of held) deliver(id, s, f);
        return r;
      });
    return {
      result,
      send: (text) => {
        if (!streams.has(id)) return false;
        try {
          port.send(text);
          return true;
        } catch {
          return false;
        }
      },
    };
  };
}
