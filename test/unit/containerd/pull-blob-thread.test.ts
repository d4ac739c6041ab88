// The pulls' blob thread as the pull sees it: answers, a thread that dies, cancel, and its lifetime.
// The threads here are real workers running small scripts in place of the download code.
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { InsideError } from '../../../main/containerd/errors';
import { BlobThread } from '../../../main/containerd/pull/blob-thread';
import type { BlobSourceInit } from '../../../main/containerd/pull/blob-thread-messages';

const source: BlobSourceInit = {
  socket: '/run/containerd/containerd.sock',
  ref: {
    domain: '127.0.0.1:5000',
    path: 'x/y',
    name: '127.0.0.1:5000/x/y:1',
    tag: '1',
    digest: null,
  },
  insecure: true,
  credentials: null,
  authorization: null,
};
const target = { digest: 'sha256:' + 'a'.repeat(64), size: 10, ref: 'layer-x', labels: {} };
const scope = { namespace: 'ns', lease: 'l', order: 0 };

/** A worker running `body` with `port` (its parentPort) and `post` in scope. */
const script = (body: string) => () =>
  new Worker(
    `const port = require('node:worker_threads').parentPort; const post = (m) => port.postMessage(m); ${body}`,
    { eval: true },
  );

describe('BlobThread', () => {
  it("passes the thread's progress and answer to the blob's caller", async () => {
    const t = new BlobThread(
      script(`port.on('message', (m) => {
        if (m.type !== 'write') return;
        post({ type: 'bytes', id: m.id, done: 4 });
        post({ type: 'bytes', id: m.id, done: m.target.size });
        post({ type: 'done', id: m.id });
      });`),
    );
    const use = t.open('p', new AbortController().signal);
    const seen: number[] = [];
    await use.write(source, target, scope, (n) => seen.push(n));
    expect(seen).toEqual([4, 10]);
    use.close();
  });

  it('rebuilds an error from the thread as the InsideError it was', async () => {
    const t = new BlobThread(
      script(`port.on('message', (m) => {
        if (m.type === 'write') post({ type: 'failed', id: m.id, error: { inside: true,
          code: 'digest-mismatch', message: 'blob x: bad bytes', hint: 'Check the registry.', grpcCode: 9 } });
      });`),
    );
    const use = t.open('p', new AbortController().signal);
    const err = await use.write(source, target, scope, () => undefined).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InsideError);
    expect(err).toMatchObject({
      code: 'digest-mismatch',
      message: 'blob x: bad bytes',
      hint: 'Check the registry.',
      grpcCode: 9,
    });
    use.close();
  });

  it('a thread that dies fails the blobs of its pulls with a clear error; the next pull gets a new thread', async () => {
    let starts = 0;
    const t = new BlobThread(() => {
      starts++;
      return starts === 1
        ? script(`port.on('message', () => { throw new Error('boom'); });`)()
        : script(
            `port.on('message', (m) => { if (m.type === 'write') post({ type: 'done', id: m.id }); });`,
          )();
    });
    const use = t.open('p1', new AbortController().signal);
    const died = {
      code: 'internal',
      message: expect.stringMatching(/thread that downloads the pull's layers failed: boom/),
      hint: expect.stringContaining('Pull again'),
    };
    await expect(use.write(source, target, scope, () => undefined)).rejects.toMatchObject(died);
    await expect(use.write(source, target, scope, () => undefined)).rejects.toMatchObject(died);
    use.close();

    const next = t.open('p2', new AbortController().signal);
    await expect(next.write(source, target, scope, () => undefined)).resolves.toBeUndefined();
    expect(starts).toBe(2);
    next.close();
  });

  it("tells the thread at once when a pull is cancelled, and refuses the pull's later blobs", async () => {
    const t = new BlobThread(
      script(`const held = new Map();
      port.on('message', (m) => {
        if (m.type === 'write') held.set(m.id, m.pullId);
        if (m.type === 'cancel')
          for (const [id, pullId] of held)
            if (pullId === m.pullId) post({ type: 'failed', id, error: { inside: true,
              code: 'cancelled', message: 'the pull was cancelled', hint: '', grpcCode: null } });
      });`),
    );
    const ac = new AbortController();
    const use = t.open('p', ac.signal);
    const writing = use.write(source, target, scope, () => undefined);
    ac.abort();
    await expect(writing).rejects.toMatchObject({ code: 'cancelled' });
    await expect(use.write(source, target, scope, () => undefined)).rejects.toMatchObject({
      code: 'cancelled',
    });
    use.close();
  });

  it('shares one thread between the pulls running at once and ends it when the last one closes', async () => {
    const workers: Worker[] = [];
    const t = new BlobThread(() => {
      const w = script(`port.on('message', (m) => {
        if (m.type === 'write') post({ type: 'done', id: m.id });
      });`)();
      workers.push(w);
      return w;
    });
    const a = t.open('a', new AbortController().signal);
    const b = t.open('b', new AbortController().signal);
    await Promise.all([
      a.write(source, target, scope, () => undefined),
      b.write(source, target, scope, () => undefined),
    ]);
    expect(workers).toHaveLength(1);
    const exited = new Promise<number>((resolve) => workers[0]!.once('exit', resolve));
    a.close();
    await b.write(source, target, scope, () => undefined);
    b.close();
    await exited;
    expect(workers).toHaveLength(1);
  });
});
