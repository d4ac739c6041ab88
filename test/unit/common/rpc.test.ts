// The one envelope: request parsing, byte-bounded replies and events, and the client's call matching.
import { describe, expect, it } from 'vitest';
import { COMMAND_NAMES, errorCodeSchema } from '../../../common/contract';
import { ERROR_CODES } from '../../../common/errors';
import {
  encodeEvent,
  encodeReply,
  parseMessage,
  parseRequest,
  utf8Length,
} from '../../../common/rpc';
import { RpcCalls } from '../../../common/rpc-client';
import { insideCommandSchemas } from '../../../common/containerd-commands';
import type { LogLine } from '../../../common/states';

const line = (seq: number, raw: string): LogLine => ({
  seq,
  time: seq,
  level: 'info',
  msg: raw,
  fields: {},
  raw,
});

describe('error codes', () => {
  it('are one closed list: the schema accepts exactly the listed codes', () => {
    for (const code of ERROR_CODES) expect(errorCodeSchema.safeParse(code).success).toBe(true);
    expect(errorCodeSchema.safeParse('ipc-failed').success).toBe(false);
    expect(new Set(ERROR_CODES).size).toBe(ERROR_CODES.length);
  });
});

describe('the contract', () => {
  it('carries every inside-containerd command', () => {
    for (const name of Object.keys(insideCommandSchemas)) expect(COMMAND_NAMES).toContain(name);
  });
});

describe('parseRequest', () => {
  it('accepts {id, cmd, payload}', () => {
    expect(parseRequest('{"id":3,"cmd":"daemon:status","payload":{}}')).toEqual({
      ok: true,
      req: { id: 3, cmd: 'daemon:status', payload: {} },
    });
  });

  it.each([
    ['not JSON', '{', null],
    ['an array', '[1]', null],
    ['no id', '{"cmd":"x"}', null],
    ['a huge string id', JSON.stringify({ id: 'x'.repeat(101), cmd: 'x' }), null],
    ['no cmd', '{"id":7}', 7],
  ])('answers %s with bad-request (never throws)', (_what, text, id) => {
    const r = parseRequest(text);
    expect(r).toMatchObject({
      ok: false,
      reply: { id, result: { ok: false, error: { code: 'bad-request' } } },
    });
  });
});

describe('encodeReply', () => {
  it('encodes a reply that fits as is', () => {
    const text = encodeReply(1, 'daemon:status', { ok: true, value: { a: 'é' } }, 100);
    expect(JSON.parse(text)).toEqual({ id: 1, result: { ok: true, value: { a: 'é' } } });
  });

  it('turns a reply over the cap into reply-too-large under the same id, with a hint to page', () => {
    const value = { lines: [line(1, 'x'.repeat(5000))] };
    const text = encodeReply(9, 'logs:read', { ok: true, value }, 4096);
    expect(utf8Length(text)).toBeLessThanOrEqual(4096);
    expect(JSON.parse(text)).toMatchObject({
      id: 9,
      result: {
        ok: false,
        error: { code: 'reply-too-large', hint: expect.stringMatching(/nextSeq/) },
      },
    });
  });

  it('counts bytes, not characters', () => {
    // 1500 characters of 3-byte UTF-8: 4500 bytes.
    const text = encodeReply(1, 'settings:get', { ok: true, value: '€'.repeat(1500) }, 4096);
    expect(JSON.parse(text).result.error.code).toBe('reply-too-large');
  });

  it('never throws: an unserialisable value (a cycle, a BigInt) becomes an internal error', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    for (const value of [cyclic, { n: 1n }]) {
      const text = encodeReply(2, 'daemon:status', { ok: true, value });
      expect(JSON.parse(text)).toMatchObject({
        id: 2,
        result: { ok: false, error: { code: 'internal' } },
      });
    }
  });

  it("survives V8's string limit (a reply too big to stringify at all)", () => {
    // What JSON.stringify throws past V8's maximum string length (building ~512 MiB here would
    // cost seconds and RAM on shared cores; the throw is what matters).
    const value = {
      toJSON() {
        throw new RangeError('Invalid string length');
      },
    };
    const text = encodeReply(3, 'logs:read', { ok: true, value });
    expect(JSON.parse(text)).toMatchObject({
      id: 3,
      result: { ok: false, error: { code: 'reply-too-large' } },
    });
  });
});

describe('encodeEvent', () => {
  it('splits a big log batch into frames under the cap, keeping every line in order', () => {
    const lines = Array.from({ length: 300 }, (_, i) => line(i + 1, 'z'.repeat(200)));
    const frames = encodeEvent({ event: 'logs:lines', payload: { lines } }, 8192);
    expect(frames.length).toBeGreaterThan(1);
    for (const f of frames) expect(utf8Length(f)).toBeLessThanOrEqual(8192);
    const seqs = frames.flatMap((f) =>
      (JSON.parse(f).payload.lines as LogLine[]).map((l) => l.seq),
    );
    expect(seqs).toEqual(lines.map((l) => l.seq));
  });

  it('drops (and reports) a single line too big for any frame, keeping the rest', () => {
    const drops: string[] = [];
    const lines = [line(1, 'a'), line(2, 'b'.repeat(10_000)), line(3, 'c')];
    const frames = encodeEvent({ event: 'logs:lines', payload: { lines } }, 4096, (w) =>
      drops.push(w),
    );
    const seqs = frames.flatMap((f) =>
      (JSON.parse(f).payload.lines as LogLine[]).map((l) => l.seq),
    );
    expect(seqs).toEqual([1, 3]);
    expect(drops).toHaveLength(1);
  });

  it('sends a small event as one frame', () => {
    const e = { event: 'logs:lines' as const, payload: { lines: [line(1, 'x')] } };
    expect(encodeEvent(e).map((f) => JSON.parse(f))).toEqual([e]);
  });
});

describe('RpcCalls (the client half)', () => {
  it('matches replies to calls by id and hands events back', async () => {
    const calls = new RpcCalls();
    const a = calls.start('daemon:status', {});
    const b = calls.start('app:info', {});
    expect(
      calls.receive(JSON.stringify({ id: b.id, result: { ok: true, value: 'B' } })),
    ).toBeNull();
    expect(calls.receive('{"event":"logs:lines","payload":{"lines":[]}}')).toEqual({
      event: 'logs:lines',
      payload: { lines: [] },
    });
    calls.receive(JSON.stringify({ id: a.id, result: { ok: true, value: 'A' } }));
    expect(await a.result).toEqual({ ok: true, value: 'A' });
    expect(await b.result).toEqual({ ok: true, value: 'B' });
    expect(calls.size).toBe(0);
  });

  it('fails every pending call on a connection-level error (id null)', async () => {
    const calls = new RpcCalls();
    const a = calls.start('daemon:status', {});
    calls.receive(
      JSON.stringify({
        id: null,
        result: { ok: false, error: { code: 'request-too-large', message: 'm', hint: 'h' } },
      }),
    );
    expect(await a.result).toMatchObject({ ok: false, error: { code: 'request-too-large' } });
  });

  it('settles at once, without sending, a payload that cannot be encoded', async () => {
    const calls = new RpcCalls();
    const c = calls.start('settings:set', { patch: { n: 1n } });
    expect(c.frame).toBeNull();
    expect(await c.result).toMatchObject({ ok: false, error: { code: 'bad-payload' } });
  });

  it('ignores garbage and replies with codes off the list', () => {
    expect(parseMessage('nope')).toBeNull();
    expect(
      parseMessage(
        '{"id":1,"result":{"ok":false,"error":{"code":"made-up","message":"m","hint":"h"}}}',
      ),
    ).toBeNull();
  });
});
