// An exec on another host as the local exec hub sees a process: exec:start over a ControlClient of
// its own, the stream's frames mapped onto write/pause/resume/ended, and the connection closed at the end.
import type { ClientFrame, ExecEndInfo, ExecStarted } from '../../common/exec-stream';
import { chunks, EXEC_START, encodeFrame } from '../../common/exec-stream';
import type { ControlClient } from '../control-socket/control-client';
import type { ExecEnd, ExecProcess, ExecSpec } from '../containerd/exec';
import { AppError } from '../shared/app-error';

/** The same process description as a local exec. */
export type RemoteExecSpec = ExecSpec;

/** A remote exec ends, and is driven, as a local one is (the exec hub holds either). */
export type RemoteExecEnd = ExecEnd;
export type RemoteExecProcess = ExecProcess;

/** How long dispose waits for the far side to confirm the process is gone before closing anyway. */
const DISPOSE_WAIT_MS = 5000;

const endOf = (e: ExecEndInfo): RemoteExecEnd =>
  e.kind === 'exit'
    ? { kind: 'exit', code: e.code }
    : { kind: 'cut-off', message: e.kind === 'error' ? e.error.message : e.message };

/**
 * Start `spec` over `client` (which this exec then owns: it is closed when the exec ends). A
 * refused start throws its error (command-not-found, not-found…) as the local exec would.
 * Output is acknowledged to the far side as it is handed on, except while paused: the far side's
 * window then fills and the process there blocks, as a local one would.
 */
export async function remoteExec(
  client: ControlClient,
  spec: RemoteExecSpec,
  onOutput: (fd: 1 | 2, chunk: Buffer) => boolean | void,
  label: string,
): Promise<RemoteExecProcess> {
  let resolveEnd!: (e: RemoteExecEnd) => void;
  const ended = new Promise<RemoteExecEnd>((r) => (resolveEnd = r));
  let done = false;
  let paused = false;
  let owed = 0;
  /** Callbacks of stdin pieces sent and not yet acknowledged, oldest first. */
  const writes: ((err?: Error) => void)[] = [];
  const end = (e: RemoteExecEnd) => {
    if (done) return;
    done = true;
    for (const w of writes.splice(0)) w(new Error('the exec has ended'));
    client.close();
    resolveEnd(e);
  };
  const payload: Record<string, unknown> = { ...spec };
  for (const k of Object.keys(payload)) if (payload[k] === undefined) delete payload[k];
  const { result, send } = client.openStream(EXEC_START, payload, (f) => {
    if (f.op === 'out') {
      const bytes = Buffer.from(f.data, 'base64');
      onOutput(f.fd, bytes);
      if (paused) owed += bytes.length;
      else send(encodeFrame({ stream: f.stream, op: 'ack', bytes: bytes.length }));
    } else if (f.op === 'ack') writes.shift()?.();
    else end(endOf(f.end));
  });
  client.onClose((err) => end({ kind: 'cut-off', message: `${label}: ${err.message}` }));
  const r = await result;
  if (!r.ok) {
    end({ kind: 'cut-off', message: r.error.message });
    throw new AppError(r.error.code, r.error.message, r.error.hint, { fields: r.error.fields });
  }
  const started = r.value as ExecStarted;
  const stream = started.stream;
  const frame = (f: ClientFrame) => {
    if (!done) send(encodeFrame(f));
  };
  return {
    execId: started.execId,
    pid: started.pid,
    write(chunk, cb) {
      if (done) return cb(new Error('the exec has ended'));
      const pieces = chunks(chunk);
      pieces.forEach((piece, i) => {
        writes.push(i === pieces.length - 1 ? cb : () => undefined);
        frame({ stream, op: 'in', data: Buffer.from(piece).toString('base64') });
      });
    },
    closeStdin: async () => frame({ stream, op: 'eof' }),
    resize: async (cols, rows) => frame({ stream, op: 'resize', cols, rows }),
    pause() {
      paused = true;
    },
    resume() {
      paused = false;
      if (owed > 0) frame({ stream, op: 'ack', bytes: owed });
      owed = 0;
    },
    ended,
    async dispose() {
      if (done) return;
      // The far side kills and deletes the process on close, then says so with its end.
      frame({ stream, op: 'close' });
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([ended, new Promise((r) => (timer = setTimeout(r, DISPOSE_WAIT_MS)))]);
      clearTimeout(timer);
      end({ kind: 'exit', code: 137 });
    },
  };
}
