// The WebSocket transport: frame format, results, events, disconnects and reconnects.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { tokenFromLocation, wsUrlFor } from '../../renderer/src/transport/token';
import { WsClient, type SocketLike } from '../../renderer/src/transport/ws-client';
import { makeStatus } from './fake-client';

class FakeSocket implements SocketLike {
  readyState = 0;
  sent: string[] = [];
  onopen: SocketLike['onopen'] = null;
  onmessage: SocketLike['onmessage'] = null;
  onclose: SocketLike['onclose'] = null;
  onerror: SocketLike['onerror'] = null;
  constructor(readonly url: string) {}
  send(d: string) {
    this.sent.push(d);
  }
  close() {}
  open() {
    this.readyState = 1;
    this.onopen?.(new Event('open'));
  }
  receive(msg: unknown) {
    this.onmessage?.(new MessageEvent('message', { data: JSON.stringify(msg) }));
  }
  drop(code = 1006) {
    this.readyState = 3;
    this.onclose?.(new CloseEvent('close', { code }));
  }
}

function setup() {
  const sockets: FakeSocket[] = [];
  const client = new WsClient('ws://127.0.0.1:1/ws?token=t', {
    socketFactory: (u) => {
      const s = new FakeSocket(u);
      sockets.push(s);
      return s;
    },
    initialBackoffMs: 100,
  });
  return { client, sockets, last: () => sockets[sockets.length - 1] as FakeSocket };
}

afterEach(() => vi.useRealTimers());

describe('WsClient', () => {
  it('sends {id, cmd, payload} once open and resolves with the matching {id, result}', async () => {
    const { client, last } = setup();
    const p = client.invoke('daemon:status', {});
    expect(last().sent).toEqual([]);
    last().open();
    const frame = JSON.parse(last().sent[0] as string);
    expect(frame).toEqual({ id: frame.id, cmd: 'daemon:status', payload: {} });
    last().receive({ id: frame.id, result: { ok: true, value: makeStatus('running') } });
    const r = await p;
    expect(r.ok && r.value.state).toBe('running');
  });

  it('passes {event, payload} messages to subscribers', () => {
    const { client, last } = setup();
    const seen: unknown[] = [];
    client.subscribe((e) => seen.push(e));
    last().open();
    last().receive({ event: 'logs:lines', payload: { lines: [] } });
    expect(seen).toEqual([{ event: 'logs:lines', payload: { lines: [] } }]);
  });

  it('fails pending calls with code "disconnected" when the socket drops', async () => {
    const { client, last } = setup();
    last().open();
    const p = client.invoke('daemon:start', {});
    last().drop();
    const r = await p;
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error.code).toBe('disconnected');
    expect(!r.ok && r.error.hint.length).toBeGreaterThan(0);
  });

  it('reconnects with backoff and reports the connection state', () => {
    vi.useFakeTimers();
    const { client, sockets, last } = setup();
    const states: string[] = [];
    client.onConnection((s) => states.push(s));
    last().open();
    last().drop();
    expect(sockets).toHaveLength(1);
    vi.advanceTimersByTime(200);
    expect(sockets).toHaveLength(2);
    last().open();
    expect(states).toEqual(['connecting', 'open', 'closed', 'connecting', 'open']);
    client.close();
  });
});

describe('WsClient refused', () => {
  it('a socket that never opens while the server refuses the token: refused, kept across retries', async () => {
    vi.useFakeTimers();
    const sockets: FakeSocket[] = [];
    let answer: 'ok' | 'refused' | 'unreachable' = 'refused';
    const client = new WsClient('ws://127.0.0.1:1/ws?token=t', {
      socketFactory: (u) => {
        const s = new FakeSocket(u);
        sockets.push(s);
        return s;
      },
      initialBackoffMs: 100,
      checkAccess: () => Promise.resolve(answer),
    });
    const states: string[] = [];
    client.onConnection((c) => states.push(c));
    sockets.at(-1)!.drop();
    await vi.advanceTimersByTimeAsync(0);
    expect(states.at(-1)).toBe('refused');
    await vi.advanceTimersByTimeAsync(150);
    expect(sockets.length).toBe(2);
    expect(states.at(-1)).toBe('refused');
    // The server takes the token again (restarted with the kept token file): open.
    answer = 'ok';
    sockets.at(-1)!.open();
    expect(states.at(-1)).toBe('open');
    client.close();
  });
});

describe('token', () => {
  it('reads ?token= first, then #token=', () => {
    expect(tokenFromLocation({ search: '?token=abc', hash: '' })).toBe('abc');
    expect(tokenFromLocation({ search: '', hash: '#token=xyz' })).toBe('xyz');
    expect(tokenFromLocation({ search: '', hash: '' })).toBeNull();
  });

  it('builds ws:// or wss:// on the page host with the token', () => {
    expect(
      wsUrlFor({ protocol: 'http:', host: '127.0.0.1:8080', search: '?token=a b', hash: '' }),
    ).toBe('ws://127.0.0.1:8080/ws?token=a%20b');
    expect(wsUrlFor({ protocol: 'https:', host: 'h', search: '', hash: '#token=q' })).toBe(
      'wss://h/ws?token=q',
    );
  });
});
