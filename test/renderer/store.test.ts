// The store applies every event kind and keeps its collections bounded.
import { describe, expect, it } from 'vitest';
import { Dispatcher } from '../../renderer/src/store/dispatcher';
import { LogBuffer } from '../../renderer/src/store/log-buffer';
import { createStore, initialState, MAX_HEALTH_SAMPLES } from '../../renderer/src/store/store';
import { FakeClient, makeLines, makeStatus, ok, sample, settingsView } from './fake-client';

describe('store', () => {
  it('takes the status and the transition from daemon:state', () => {
    const store = createStore();
    const status = makeStatus('backoff');
    store.apply({
      event: 'daemon:state',
      payload: {
        status,
        transition: {
          type: 'state',
          state: 'backoff',
          prev: 'running',
          reason: 'exited',
          code: 'exited',
          at: 5,
          pid: null,
        },
      },
    });
    expect(store.getState().status).toBe(status);
    expect(store.getState().transitions).toHaveLength(1);
  });

  it('marks a restart when the restart count goes up', () => {
    const store = createStore();
    store.apply({
      event: 'daemon:state',
      payload: { status: makeStatus('running', { restarts: 1 }), transition: null },
    });
    store.apply({
      event: 'daemon:state',
      payload: {
        status: makeStatus('starting', { restarts: 2 }),
        transition: {
          type: 'state',
          state: 'starting',
          prev: 'backoff',
          reason: 'respawn',
          code: 'respawn',
          at: 1234,
          pid: 7,
        },
      },
    });
    expect(store.getState().restarts).toEqual([1234]);
  });

  it('appends health samples, keeping the newest', () => {
    const store = createStore();
    for (let i = 0; i < MAX_HEALTH_SAMPLES + 10; i++)
      store.apply({ event: 'health:sample', payload: sample(i, true) });
    const h = store.getState().health;
    expect(h).toHaveLength(MAX_HEALTH_SAMPLES);
    expect(h[h.length - 1]?.at).toBe(MAX_HEALTH_SAMPLES + 9);
  });

  it('appends log lines and bumps the version', () => {
    const store = createStore();
    store.apply({ event: 'logs:lines', payload: { lines: makeLines(3) } });
    expect(store.getState().logs.length).toBe(3);
    expect(store.getState().logsVersion).toBe(1);
  });

  it('takes settings from settings:changed', () => {
    const store = createStore();
    const v = settingsView();
    store.apply({ event: 'settings:changed', payload: v });
    expect(store.getState().settings).toBe(v);
  });

  it('notifies subscribers on change only', () => {
    const store = createStore(initialState());
    let n = 0;
    store.subscribe(() => n++);
    store.apply({ event: 'logs:lines', payload: { lines: [] } });
    store.apply({ event: 'health:sample', payload: sample(1, true) });
    expect(n).toBe(1);
  });
});

describe('LogBuffer', () => {
  it('stays within its bound, dropping the oldest lines', () => {
    const b = new LogBuffer(1000);
    for (let i = 0; i < 30; i++) b.append(makeLines(100, i * 100));
    expect(b.length).toBeLessThanOrEqual(1000);
    expect(b.all()[b.length - 1]?.seq).toBe(2999);
  });

  it('skips lines it already has (read/event overlap)', () => {
    const b = new LogBuffer();
    b.append(makeLines(10));
    expect(b.append(makeLines(10, 5))).toBe(5);
    expect(b.length).toBe(15);
  });
});

describe('LogBuffer.merge', () => {
  it('puts history read from the server before live lines that arrived first', () => {
    const b = new LogBuffer();
    b.append(makeLines(3, 10)); // live: 10..12
    expect(b.merge(makeLines(12))).toBe(10); // history 0..11: 0..9 go in front, 10/11 are duplicates
    expect(b.all().map((l) => l.seq)).toEqual([...Array(13).keys()]);
  });

  it('keeps the newest lines when the history does not fit', () => {
    const b = new LogBuffer(10);
    b.append(makeLines(8, 100));
    b.merge(makeLines(50));
    expect(b.length).toBe(10);
    expect(b.all()[b.length - 1]?.seq).toBe(107);
  });
});

describe('Dispatcher log history', () => {
  it('reads every byte-bounded page of logs:read, following nextSeq', async () => {
    const client = new FakeClient();
    const pages = [makeLines(5), makeLines(5, 5), makeLines(2, 10)];
    client.stub('logs:read', (p) => {
      const i = p.sinceSeq === undefined ? 0 : p.sinceSeq / 5;
      return ok({ lines: pages[i]!, lastSeq: 11, nextSeq: i < 2 ? (i + 1) * 5 : null });
    });
    const store = createStore();
    await new Dispatcher(client, store).load(false);
    expect(client.callsTo('logs:read')).toEqual([
      { limit: 20_000 },
      { sinceSeq: 5 },
      { sinceSeq: 10 },
    ]);
    expect(
      store
        .getState()
        .logs.all()
        .map((l) => l.seq),
    ).toEqual([...Array(12).keys()]);
  });
});
