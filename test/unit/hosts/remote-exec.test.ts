// An exec on another host as a local process: output handed on and acknowledged (not while
// paused), stdin acknowledged by the far side, the end mapped, the connection closed with it.
import { describe, expect, it } from 'vitest';
import type { Result } from '../../../common/contract';
import { type ClientFrame, type ServerFrame } from '../../../common/exec-stream';
import type { ControlClient } from '../../../main/control-socket/control-client';
import { remoteExec, type RemoteExecSpec } from '../../../main/hosts/remote-exec';
import { AppError } from '../../../main/shared/app-error';

const spec: RemoteExecSpec = {
  namespace: 'default',
  id: 'c1',
  args: ['sh'],
  tty: false,
  stdin: true,
  env: [],
};

function fake(reply: Result<unknown>) {
  const sent: ClientFrame[] = [];
  const f = {
    sent,
    closed: false,
    started: null as unknown,
    push: (_f: ServerFrame) => {},
    drop: (_e: AppError) => {},
    client: {
      openStream(_cmd: string, payload: unknown, onFrame: (x: ServerFrame) => void) {
        f.started = payload;
        f.push = onFrame;
        return {
          result: Promise.resolve(reply),
          send: (text: string) => (sent.push(JSON.parse(text) as ClientFrame), true),
        };
      },
      onClose: (fn: (e: AppError) => void) => void (f.drop = fn),
      close: () => void (f.closed = true),
    } as unknown as ControlClient,
  };
  return f;
}
const started = { ok: true as const, value: { stream: 4, execId: 'e', pid: 42 } };
const out = (text: string): ServerFrame => ({
  stream: 4,
  op: 'out',
  fd: 1,
  data: Buffer.from(text).toString('base64'),
});

describe('remoteExec', () => {
  it('hands output on and acknowledges it, except while paused (then all at once on resume)', async () => {
    const f = fake(started);
    const got: string[] = [];
    const p = await remoteExec(
      f.client,
      { ...spec, cwd: undefined },
      (_fd, b) => void got.push(b.toString()),
      'r',
    );
    expect(f.started).toEqual({
      namespace: 'default',
      id: 'c1',
      args: ['sh'],
      tty: false,
      stdin: true,
      env: [],
    });
    expect(p).toMatchObject({ execId: 'e', pid: 42 });
    f.push(out('ab'));
    expect(f.sent).toEqual([{ stream: 4, op: 'ack', bytes: 2 }]);
    p.pause();
    f.push(out('cde'));
    f.push(out('f'));
    expect(f.sent).toHaveLength(1);
    p.resume();
    expect(f.sent.at(-1)).toEqual({ stream: 4, op: 'ack', bytes: 4 });
    expect(got).toEqual(['ab', 'cde', 'f']);
  });

  it("calls a write's callback when the far side acknowledges it, and maps the end", async () => {
    const f = fake(started);
    const p = await remoteExec(f.client, spec, () => undefined, 'r');
    const done: (string | undefined)[] = [];
    p.write(Buffer.from('hi'), (err) => done.push(err?.message));
    expect(f.sent).toEqual([{ stream: 4, op: 'in', data: Buffer.from('hi').toString('base64') }]);
    expect(done).toEqual([]);
    f.push({ stream: 4, op: 'ack', bytes: 2 });
    expect(done).toEqual([undefined]);
    await p.closeStdin();
    expect(f.sent.at(-1)).toEqual({ stream: 4, op: 'eof' });
    f.push({ stream: 4, op: 'end', end: { kind: 'exit', code: 3 } });
    expect(await p.ended).toEqual({ kind: 'exit', code: 3 });
    expect(f.closed).toBe(true);
  });

  it('a dropped link cuts the exec off, saying which host', async () => {
    const f = fake(started);
    const p = await remoteExec(f.client, spec, () => undefined, 'r (ssh://me@box)');
    f.drop(new AppError('ssh-failed', 'the SSH link closed', 'h'));
    expect(await p.ended).toEqual({
      kind: 'cut-off',
      message: 'r (ssh://me@box): the SSH link closed',
    });
  });

  it('a refused start throws its error and closes the connection', async () => {
    const f = fake({
      ok: false,
      error: { code: 'command-not-found', message: 'nope: not found', hint: 'h' },
    });
    await expect(remoteExec(f.client, spec, () => undefined, 'r')).rejects.toMatchObject({
      code: 'command-not-found',
    });
    expect(f.closed).toBe(true);
  });

  it('dispose asks the far side to close the process and ends', async () => {
    const f = fake(started);
    const p = await remoteExec(f.client, spec, () => undefined, 'r');
    const disposed = p.dispose();
    expect(f.sent.at(-1)).toEqual({ stream: 4, op: 'close' });
    f.push({ stream: 4, op: 'end', end: { kind: 'exit', code: 137 } });
    await disposed;
    expect(await p.ended).toEqual({ kind: 'exit', code: 137 });
    expect(f.closed).toBe(true);
  });
});
