// The pulls' byte path in a thread of its own (blob-thread.ts starts it): each blob goes from the
// registry into containerd's content store through the same Registry and writeBlob the main
// thread uses for small blobs. Every megabyte written leaves about three of dead buffers behind
// (socket reads, grpc-js's framed copy of each message…); in the app's big heap they were
// collected by ~20 mark-compacts of 30-65 ms per pull, here by minor collections of a small heap.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { parentPort } from 'node:worker_threads';
import { DaemonChannel } from '../../shared/daemon-channel';
import { ContainerdClient } from '../client';
import { toThreadError, type FromThread, type ToThread } from './blob-thread-messages';
import { messagesInFlight, writeBlob } from './content-write';
import { Registry } from './registry';

/** Progress crosses to the pull at most this often per blob (the window shows 5 a second). */
const BYTES_EVERY_MS = 50;
/**
 * A minor collection every this many bytes written. Left to V8, the dead buffers of this thread
 * piled up to ~38 MiB before it collected them (their memory is outside the heap, so the heap
 * does not fill): with the thread's own ~15 MiB, the bench's pull then grew the app by 65-74 MiB,
 * over its 64 MiB budget. Each collection takes 1-3 ms.
 */
const COLLECT_EVERY_BYTES = 4 * 1024 * 1024;

const port = parentPort;
if (!port) throw new Error('blob-thread-entry runs as a worker thread only');

/**
 * This thread's `gc` (V8's, which a flag exposes; only the context made while it is on gets it,
 * and the flag is off again for the rest of the process).
 */
const collect = (() => {
  setFlagsFromString('--expose-gc');
  try {
    return runInNewContext('gc') as (o: { type: 'minor' | 'major' }) => void;
  } finally {
    setFlagsFromString('--no-expose-gc');
  }
})();
let sinceCollect = 0;

const clients = new Map<string, ContainerdClient>();
/** Each pull's cancel, registry, and its writes running: id → place in the unpack order. */
const pulls = new Map<
  string,
  { ac: AbortController; registry: Registry; writing: Map<number, number> }
>();

const post = (m: FromThread) => port.postMessage(m);

function client(socket: string): ContainerdClient {
  let c = clients.get(socket);
  if (!c) clients.set(socket, (c = new ContainerdClient(new DaemonChannel(socket))));
  return c;
}

async function write(m: Extract<ToThread, { type: 'write' }>): Promise<void> {
  let pull = pulls.get(m.pullId);
  if (!pull) {
    const ac = new AbortController();
    const registry = new Registry(m.source.ref, { ...m.source, signal: ac.signal });
    pulls.set(m.pullId, (pull = { ac, registry, writing: new Map() }));
  }
  const { ac, registry, writing } = pull;
  writing.set(m.id, m.scope.order);
  const inFlight = () => messagesInFlight(writing.values(), m.scope.order);
  // Progress at most every BYTES_EVERY_MS, the latest value last (also when the bytes stall).
  let latest = -1;
  let posted = -1;
  let postedAt = 0;
  let timer: NodeJS.Timeout | null = null;
  const flush = () => {
    timer = null;
    postedAt = Date.now();
    if (latest !== posted) post({ type: 'bytes', id: m.id, done: (posted = latest) });
  };
  let written = 0;
  try {
    await writeBlob(
      client(m.source.socket),
      { ...m.scope, signal: ac.signal, inFlight },
      m.target,
      async (offset) => {
        const { body, partial } = await registry.blob(m.target.digest, offset);
        return { body, resumed: partial };
      },
      (done) => {
        sinceCollect += Math.max(0, done - written);
        written = done;
        if (sinceCollect >= COLLECT_EVERY_BYTES) {
          sinceCollect = 0;
          collect({ type: 'minor' });
        }
        latest = done;
        if (timer) return;
        const wait = postedAt + BYTES_EVERY_MS - Date.now();
        if (wait <= 0) flush();
        else timer = setTimeout(flush, wait);
      },
    );
  } finally {
    writing.delete(m.id);
    if (timer) clearTimeout(timer);
    flush();
  }
}

port.on('message', (m: ToThread) => {
  if (m.type === 'write')
    write(m).then(
      () => post({ type: 'done', id: m.id }),
      (err: unknown) => post({ type: 'failed', id: m.id, error: toThreadError(err) }),
    );
  else if (m.type === 'cancel') pulls.get(m.pullId)?.ac.abort();
  else {
    pulls.get(m.pullId)?.registry.close();
    pulls.delete(m.pullId);
  }
});
