// Writes one blob into containerd's content store (Content/Write) under a lease (containerd checks
// its sha256 and size at the commit); resumes a partial ingest from containerd's recorded offset.
import { status as GRPC } from '@grpc/grpc-js';
import {
  ContentService,
  WriteAction,
  WriteContentRequest,
  type WriteContentResponse,
} from '../../shared/api/services/content/v1/content';
import type { ContainerdClient } from '../client';
import { rejectAfter } from '../../shared/reject-after';
import { InsideError } from '../errors';
import { cancelled } from './registry';

/**
 * Bytes per Write message: well under the 16 MiB gRPC limit, few round trips. Just under 1 MiB so
 * a message and its framing stay within one megabyte-sized allocation.
 */
export const WRITE_MESSAGE_BYTES = 1024 * 1024 - 64;
/**
 * Write messages sent before waiting for containerd's answers (each is acknowledged), unless the
 * scope says otherwise (the layer first in line for unpacking: blob-thread-entry.ts). For every
 * layer at once, 1, 4 and 16 gave the same pull times here, and 1 against 2 in alternating bench
 * pulls; each one more holds two more megabytes per layer being written (ours and grpc-js's framed
 * copy): the bench's 150 MB pull peaked 47-55 MiB of RSS growth with 1, 55-64 with 2.
 */
const IN_FLIGHT = 1;
/**
 * Write messages in flight for the layer a pull unpacks next. Its layers download 3 at a time, so
 * with one message each they arrived together and were unpacked one after the other at the end;
 * the first in line, kept busier, arrives first and is unpacked while the others still download.
 * The bench's 150 MB pull, alternating in one process on a loaded machine: median 3062 ms with 2,
 * 3726 with 1, 2888 with 4; but 4 grew the app's RSS by 66-73 MiB on its first pull (over the
 * 64 MiB budget), 2 by 52-54 as 1 does. (One layer at a time would lose the parallel requests a
 * distant registry needs.)
 */
const FIRST_IN_LINE_IN_FLIGHT = 2;

/** Messages in flight for the blob at `order` in the unpack order, beside those being written. */
export function messagesInFlight(writing: Iterable<number>, order: number): number {
  return Math.min(...writing) === order ? FIRST_IN_LINE_IN_FLIGHT : IN_FLIGHT;
}
/** `bytes data = 6` (length-delimited) of WriteContentRequest, as the generated encoder writes it. */
const DATA_TAG = (6 << 3) | 2;
/** Room for a whole message: its data and the fields before it (at most 17 bytes). */
const MESSAGE_ROOM = WRITE_MESSAGE_BYTES + 32;

/**
 * The leading bytes of WriteContentRequest{action: WRITE, offset, data} for `length` bytes of data:
 * followed by the data they are the generated encoder's output for that message (a test compares
 * them). The generated writer would copy each megabyte three times (growing its buffer, `raw`,
 * `finish`) into fresh memory; with the head known first, the data is copied once, as it arrives,
 * into a reused buffer. The fields come from the generated encoder; only the data field's tag and
 * length are written here.
 */
export function encodeWriteHead(offset: number, length: number): Uint8Array {
  return WriteContentRequest.encode(
    WriteContentRequest.fromPartial({ action: WriteAction.WRITE, offset: String(offset) }),
  )
    .uint32(DATA_TAG)
    .uint32(length)
    .finish();
}

/**
 * Content/Write as generated, but a WRITE message arrives already encoded (encodeWriteHead), and
 * the others are serialized without the generated serializer's extra copy into a Buffer.
 */
export const contentWrite = {
  ...ContentService.write,
  requestSerialize: (value: WriteContentRequest | Buffer): Buffer => {
    if (Buffer.isBuffer(value)) return value;
    const b = WriteContentRequest.encode(value).finish();
    return Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  },
};

export interface BlobTarget {
  digest: string;
  size: number;
  /** Ingest ref (containerd's MakeRefKey style: `layer-sha256:…`): a retry resumes it. */
  ref: string;
  labels: Record<string, string>;
}

export interface WriteScope {
  namespace: string;
  lease: string;
  signal: AbortSignal;
  /** A registry that sends nothing for this long has stalled (default 60 s). */
  stallTimeoutMs?: number;
  /** Write messages that may await containerd's answer now (default IN_FLIGHT); asked as it goes. */
  inFlight?: () => number;
}

const STALL_TIMEOUT_MS = 60_000;

/** The body's chunks, failing when none arrives within `ms` (a stalled registry must not hang a pull). */
async function* stallGuard(
  body: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  ms: number,
  digest: string,
): AsyncGenerator<Uint8Array> {
  const it =
    Symbol.asyncIterator in body
      ? body[Symbol.asyncIterator]()
      : (async function* () {
          yield* body;
        })();
  for (;;) {
    const stalled = rejectAfter(
      ms,
      () =>
        new InsideError(
          'registry-unreachable',
          `blob ${digest}: the registry sent nothing for ${Math.round(ms / 1000)} s`,
          'The registry or the network stalled; pull again to resume.',
        ),
    );
    try {
      const next = await Promise.race([it.next(), stalled.expired]);
      if (next.done) return;
      yield next.value;
    } finally {
      stalled.cancel();
    }
  }
}

/** The bytes of a blob from `offset`; `resumed` false means they start at 0 after all. */
export type BlobSource = (
  offset: number,
) => Promise<{ body: AsyncIterable<Uint8Array> | Iterable<Uint8Array>; resumed: boolean }>;

export function mismatch(digest: string, why: string): InsideError {
  return new InsideError(
    'digest-mismatch',
    `blob ${digest}: ${why}`,
    'The registry (or something between) sent bytes that do not match the image; nothing of this pull was kept. Check the registry and try again.',
  );
}

/**
 * Write the blob; `onBytes(total so far)` reports progress (a resumed write starts at its
 * offset). Throws 'digest-mismatch' (and aborts the ingest) when the bytes are not the blob.
 */
export async function writeBlob(
  c: ContainerdClient,
  s: WriteScope,
  t: BlobTarget,
  source: BlobSource,
  onBytes: (done: number) => void,
): Promise<void> {
  const o = { namespace: s.namespace, lease: s.lease, signal: s.signal };
  const open = async () => {
    const w = c.duplex(contentWrite, o);
    await w.send(
      WriteContentRequest.fromPartial({
        action: WriteAction.STAT,
        ref: t.ref,
        total: String(t.size),
        expected: t.digest,
      }),
    );
    const stat = await w.next();
    return { w, offset: Number(stat?.offset ?? 0) };
  };
  let opened: Awaited<ReturnType<typeof open>>;
  for (let wait = 50; ; wait = Math.min(wait * 2, 1000)) {
    try {
      opened = await open();
      break;
    } catch (err) {
      if (s.signal.aborted) throw cancelled();
      // Committed meanwhile (another pull of a shared layer): nothing left to write.
      if (err instanceof InsideError && err.grpcCode === GRPC.ALREADY_EXISTS) return;
      // Another pull (the same image twice at once) is writing this ingest: containerd refuses a
      // second writer with "ref … locked". Wait for it as ctr does: it commits (then the open
      // answers ALREADY_EXISTS) or stops (then this one resumes from its offset).
      if (
        err instanceof InsideError &&
        err.grpcCode === GRPC.UNAVAILABLE &&
        /\blocked\b/.test(err.message)
      ) {
        await new Promise((r) => setTimeout(r, wait));
        if (s.signal.aborted) throw cancelled();
        continue;
      }
      throw err;
    }
  }
  let { w, offset } = opened;
  try {
    if (offset > t.size) offset = 0;
    // A complete ingest (a crash between the last write and the commit): commit it, and let
    // containerd check the digest; when that fails, start over.
    const { body, resumed } =
      offset === t.size && offset > 0
        ? { body: [] as Uint8Array[], resumed: true }
        : await source(offset);
    if (offset > 0 && !resumed) {
      // The registry ignored Range: start the ingest over rather than append the whole blob.
      w.cancel();
      await c.call(
        ContentService.abort,
        { ref: t.ref },
        { namespace: s.namespace, lease: s.lease },
      );
      ({ w, offset } = await open());
    }
    // containerd hashes every byte as it is written and its commit checks the expected digest
    // and size, as for ctr's pulls: a second sha256 here would only cost CPU (~2 ms a MiB).
    let pos = resumed ? offset : 0;
    onBytes(pos);
    // Each message is filled as the chunks arrive (its head first: the blob's size says how long
    // every message is), so a chunk is copied once and dropped at once. A message's buffer is used
    // again once containerd has acknowledged it (the STAT answer committed the call, so grpc-js
    // keeps no copy to retry with); a fresh megabyte costs 1-4 ms of page faults here, more than
    // copying into it.
    const spare: Buffer[] = [];
    const unacked: Buffer[] = [];
    const ack = async () => {
      const r: WriteContentResponse | null = await w.next();
      if (!r) throw new Error('containerd ended the write early');
      spare.push(unacked.shift()!);
    };
    // The message being filled: its buffer, where its data starts, and how much it holds and
    // wants (every message but the last is whole; the blob's size says how long the last is).
    let room: Buffer | null = null;
    let dataAt = 0;
    let filled = 0;
    let want = 0;
    for await (const chunk of stallGuard(body, s.stallTimeoutMs ?? STALL_TIMEOUT_MS, t.digest)) {
      if (s.signal.aborted) throw cancelled();
      if (pos + filled + chunk.byteLength > t.size)
        throw mismatch(t.digest, `the registry sent more than its ${t.size} bytes`);
      let at = 0;
      while (at < chunk.byteLength) {
        if (!room) {
          want = Math.min(WRITE_MESSAGE_BYTES, t.size - pos);
          const head = encodeWriteHead(pos, want);
          // A blob smaller than a message (a config, a small layer) gets a buffer its size.
          room = spare.pop() ?? Buffer.allocUnsafe(Math.min(MESSAGE_ROOM, t.size - pos + 32));
          room.set(head, 0);
          dataAt = head.length;
          filled = 0;
        }
        const take = Math.min(want - filled, chunk.byteLength - at);
        room.set(chunk.subarray(at, at + take), dataAt + filled);
        filled += take;
        at += take;
        if (filled === want) {
          const full = room;
          room = null;
          await w.send(full.subarray(0, dataAt + want));
          unacked.push(full);
          pos += want;
          filled = 0;
          while (unacked.length >= (s.inFlight?.() ?? IN_FLIGHT)) await ack();
        }
      }
      onBytes(pos + filled);
    }
    if (pos + filled !== t.size)
      throw mismatch(
        t.digest,
        `the registry sent ${pos + filled} of its ${t.size} bytes (truncated)`,
      );
    while (unacked.length > 0) await ack();
    await w.send(
      WriteContentRequest.fromPartial({
        action: WriteAction.COMMIT,
        // Offset 0 would mean "truncate and start over" to containerd: name where we are.
        offset: String(pos),
        total: String(t.size),
        expected: t.digest,
        labels: t.labels,
      }),
    );
    await w.next();
    w.end();
  } catch (err) {
    w.cancel();
    if (s.signal.aborted) throw cancelled();
    if (err instanceof InsideError && err.grpcCode === GRPC.ALREADY_EXISTS) return;
    if (
      err instanceof InsideError &&
      (err.code === 'digest-mismatch' || err.grpcCode === GRPC.FAILED_PRECONDITION)
    ) {
      // Bad bytes must not be resumed from: drop the ingest.
      await c
        .call(ContentService.abort, { ref: t.ref }, { namespace: s.namespace, lease: s.lease })
        .catch(() => undefined);
      if (err.code !== 'digest-mismatch')
        throw mismatch(
          t.digest,
          `the bytes received do not match it (containerd refused the commit: ${err.message})`,
        );
    }
    throw err;
  }
}
