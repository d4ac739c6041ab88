// The container page's pure parts: its route in the hash, the exec session's frames and credit, the stats series.
import { describe, expect, it } from 'vitest';
import type { Result } from '../../common/contract';
import type { TaskStats } from '../../common/containerd';
import {
  EXEC_WINDOW_BYTES,
  parseClientFrame,
  type ServerFrame,
  type StreamClient,
} from '../../common/exec-stream';
import { ExecSession, fromBase64, toBase64 } from '../../renderer/src/store/exec-session';
import {
  containerHash,
  containerRouteFromHash,
  pageFromHash,
} from '../../renderer/src/store/pages';
import { addSample } from '../../renderer/src/components/stats-model';

describe('container route', () => {
  it('parses namespace, id and tab, and keeps the Containers page selected', () => {
    expect(containerRouteFromHash('#/containers/k8s.io/web-1/logs')).toEqual({
      namespace: 'k8s.io',
      id: 'web-1',
      tab: 'logs',
    });
    expect(containerRouteFromHash('#/containers/default/web')?.tab).toBe('summary');
    expect(pageFromHash('#/containers/default/web/stats')).toBe('containers');
  });

  it('refuses an unknown tab or a missing id', () => {
    expect(containerRouteFromHash('#/containers/default/web/nope')).toBeNull();
    expect(containerRouteFromHash('#/containers/default')).toBeNull();
    expect(containerRouteFromHash('#/containers')).toBeNull();
  });

  it('round-trips through containerHash', () => {
    const r = { namespace: 'default', id: 'a.b_c', tab: 'terminal' as const };
    expect(containerRouteFromHash(containerHash(r))).toEqual(r);
    expect(containerHash({ namespace: 'default', id: 'x' })).toBe('#/containers/default/x');
  });
});

function fakeStream() {
  const sent: string[] = [];
  let onFrame: (f: ServerFrame) => void = () => {};
  const client: StreamClient = {
    openStream(_cmd, _payload, frames) {
      onFrame = frames;
      return {
        result: Promise.resolve({
          ok: true,
          value: { stream: 9, execId: 'e', pid: 42 },
        } as Result<unknown>),
        send: (t) => (sent.push(t), true),
      };
    },
  };
  return { client, sent, push: (f: ServerFrame) => onFrame(f) };
}

describe('ExecSession', () => {
  it('sends keys as base64 stdin and acks output only once it is shown', async () => {
    const f = fakeStream();
    const shown: string[] = [];
    let done = () => {};
    const s = new ExecSession(f.client, {
      output: (b, _fd, d) => (shown.push(new TextDecoder().decode(b)), (done = d)),
      end: () => {},
    });
    await s.start({ namespace: 'default', id: 'c', args: ['/bin/sh'], tty: true, stdin: true });
    s.write('ls\r');
    const input = parseClientFrame(f.sent[0]!);
    expect(input).toMatchObject({ stream: 9, op: 'in' });
    expect(new TextDecoder().decode(fromBase64((input as { data: string }).data))).toBe('ls\r');
    f.push({ stream: 9, op: 'out', fd: 1, data: toBase64(new TextEncoder().encode('42\r\n')) });
    expect(shown).toEqual(['42\r\n']);
    expect(f.sent).toHaveLength(1);
    done();
    expect(parseClientFrame(f.sent[1]!)).toEqual({ stream: 9, op: 'ack', bytes: 4 });
  });

  it('holds stdin past the window until the app acknowledges it', async () => {
    const f = fakeStream();
    const s = new ExecSession(f.client, { output: () => {}, end: () => {} });
    await s.start({ namespace: 'default', id: 'c', args: ['cat'], stdin: true });
    s.write('x'.repeat(EXEC_WINDOW_BYTES + 10));
    const sentBytes = () =>
      f.sent
        .map((t) => parseClientFrame(t))
        .filter((x) => x?.op === 'in')
        .reduce((n, x) => n + fromBase64((x as { data: string }).data).length, 0);
    expect(sentBytes()).toBe(EXEC_WINDOW_BYTES);
    f.push({ stream: 9, op: 'ack', bytes: EXEC_WINDOW_BYTES });
    expect(sentBytes()).toBe(EXEC_WINDOW_BYTES + 10);
  });

  it('reports the end once and ignores input after it', async () => {
    const f = fakeStream();
    const ends: unknown[] = [];
    const s = new ExecSession(f.client, { output: () => {}, end: (e) => ends.push(e) });
    await s.start({ namespace: 'default', id: 'c', args: ['sh'] });
    f.push({ stream: 9, op: 'end', end: { kind: 'exit', code: 3 } });
    s.write('more');
    s.resize(80, 24);
    expect(ends).toEqual([{ kind: 'exit', code: 3 }]);
    expect(f.sent).toEqual([]);
  });
});

describe('stats series', () => {
  const sample = (at: number, cpuNs: number): TaskStats => ({
    id: 'c',
    at,
    cgroup: 'v1',
    cpuNs,
    memory: { usage: 2048, workingSet: 1024, limit: null },
    pids: 1,
    blockIo: { read: 0, write: 0 },
  });

  it('turns counter deltas into CPU % and keeps one minute', () => {
    let pts = addSample([], undefined, sample(0, 0));
    expect(pts[0]!.cpu).toBeNull();
    pts = addSample(pts, sample(0, 0), sample(1000, 500_000_000));
    expect(pts[1]!.cpu).toBeCloseTo(50);
    pts = addSample(pts, sample(1000, 500_000_000), sample(70_000, 500_000_000));
    expect(pts.map((p) => p.at)).toEqual([70_000]);
  });
});
