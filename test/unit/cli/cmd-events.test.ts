// `cdesk events` against a real control socket, with a scripted containerd API behind the service.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ContainerdEvent } from '../../../common/containerd';
import { UsageError } from '../../../main/cli/args';
import { run as events, skipReplayed } from '../../../main/cli/cmd-events';
import { captureIo as io, startControlHarness, type ControlHarness } from '../../helpers/cli-io';
import { fakeInside, type FakeInside } from '../../helpers/fake-inside';
import { FakeEngine } from '../service/fake-engine';

const ev = (topic: string, containerId: string, at = Date.now(), namespace = 'default') =>
  ({ at, namespace, topic, type: 'x', containerId }) as ContainerdEvent;

/** Long enough for a closed socket's 'close' event to have run (it needs a turn of the loop). */
const aTurnLater = () => new Promise((r) => setTimeout(r, 50));

let h: ControlHarness;
let sock: string;
let script: FakeInside;

beforeEach(async () => {
  script = fakeInside();
  h = await startControlHarness({
    prefix: 'cdesk-ev-',
    engine: new FakeEngine(),
    inside: script.inside,
  });
  ({ sock } = h);
});
afterEach(() => h.close());

describe('cdesk events', () => {
  it('prints live events until Ctrl-C, then ends quietly with exit 0', async () => {
    const o = io();
    const done = events(['--control', sock], o);
    await expect.poll(() => o.stderr).toMatch(/watching/);
    script.emit(ev('/tasks/start', 'web'));
    await expect.poll(() => o.stdout).toContain('/tasks/start  container=web');
    const before = o.stderr;
    o.abort();
    expect(await done).toBe(0);
    await aTurnLater();
    expect(o.stderr).toBe(before);
  });

  it('exits 1 and says why when the app goes away while following', async () => {
    const o = io();
    const done = events(['--control', sock], o);
    await expect.poll(() => o.stderr).toMatch(/watching/);
    await h.server.close();
    expect(await done).toBe(1);
    expect(o.stderr).toMatch(
      /connection to Containerd Desktop .* closed\n {2}hint: The app may have quit/,
    );
  });

  it('says "watching" on stderr once subscribed, keeping stdout for events (also with --json)', async () => {
    const o = io();
    const done = events(['--json', '--control', sock], o);
    await expect.poll(() => o.stderr).toMatch(/^cdesk events: watching namespace default; /);
    // Subscribed: an event sent once, right away, is not missed.
    script.emit(ev('/containers/create', 'web'));
    await expect.poll(() => o.stdout).toContain('/containers/create');
    o.abort();
    expect(await done).toBe(0);
    expect(
      o.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l)),
    ).toMatchObject([{ topic: '/containers/create', containerId: 'web' }]);
  });

  it('--since replays the ring since TIME for the namespace, then follows, printing none twice', async () => {
    const now = Date.now();
    script.recent.push(
      ev('/containers/create', 'old', now - 10 * 60_000),
      ev('/containers/create', 'web', now - 60_000),
      ev('/containers/create', 'elsewhere', now - 60_000, 'other'),
    );
    const start = ev('/tasks/start', 'web', now - 1);
    // The race the follower must survive: an event already in the ring it reads, whose live copy
    // arrives only after that answer (the feed batches).
    let liveSent = false;
    script.onRecent = () => {
      script.recent.push(start);
      setTimeout(() => {
        script.send(start);
        liveSent = true;
      }, 20);
    };
    const o = io();
    const done = events(['--since', '5m', '--control', sock], o);
    await expect.poll(() => o.stderr).toMatch(/watching namespace default after 2 events since /);
    await expect.poll(() => o.stdout).toContain('/tasks/start');
    // The feed sends in order: the next event only after the live copy (a busy machine fired the
    // 20 ms timer after the exit was sent, an order containerd never gives).
    await expect.poll(() => liveSent).toBe(true);
    script.emit(ev('/tasks/exit', 'web'));
    await expect.poll(() => o.stdout).toContain('/tasks/exit');
    o.abort();
    expect(await done).toBe(0);
    expect(
      o.stdout
        .trim()
        .split('\n')
        .map((l) => l.split(/\s+/).slice(2).join(' ')),
    ).toEqual([
      '/containers/create container=web',
      '/tasks/start container=web',
      '/tasks/exit container=web',
    ]);
  });

  it('--since holds at most 1000 live events while the replay is read: the newest, the rest counted', async () => {
    const flood = Array.from({ length: 2500 }, (_, i) => ev('/tasks/start', `c${i}`));
    // Live events that arrive before the ring's answer: a flood while the replay is read.
    script.onRecent = () => {
      for (let i = 0; i < flood.length; i += 100) script.send(...flood.slice(i, i + 100));
    };
    const o = io();
    const done = events(['--since', '5m', '--control', sock], o);
    await expect.poll(() => o.stderr).toMatch(/watching namespace default after 0 events/);
    o.abort();
    expect(await done).toBe(0);
    expect(o.stderr).toContain(
      'cdesk events: 1500 live events arrived while the replay was read and were not kept (at most 1000 are held)',
    );
    const ids = o.stdout
      .trim()
      .split('\n')
      .map((l) => /container=(\S+)/.exec(l)?.[1]);
    expect(ids).toHaveLength(1000);
    expect(ids[0]).toBe('c1500');
    expect(ids.at(-1)).toBe('c2499');
  });

  it('a bad --since names the flag and the forms it takes', async () => {
    await expect(events(['--since', '5', '--control', sock], io())).rejects.toThrow(UsageError);
    await expect(events(['--since', 'soon', '--control', sock], io())).rejects.toThrow(
      /--since must be .* a time ago with a unit, like 500ms, 30s/,
    );
  });
});

describe('skipReplayed', () => {
  const [a, b, c, d, e] = ['a', 'b', 'c', 'd', 'e'].map((id) => ev('/tasks/start', id, 1));
  it("drops the live copies of the ring's newest events, across batches, then passes all", () => {
    const fresh = skipReplayed([a!, b!, c!]);
    expect(fresh([b!])).toEqual([]);
    expect(fresh([c!, d!])).toEqual([d]);
    expect(fresh([e!, a!])).toEqual([e, a]);
  });

  it('passes everything when nothing replayed arrives live', () => {
    expect(skipReplayed([a!])([d!, e!])).toEqual([d, e]);
    expect(skipReplayed([])([a!])).toEqual([a]);
  });
});
