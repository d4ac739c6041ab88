// `cdesk events` against a real control socket, with a scripted containerd API behind the service.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ContainerdEvent } from '../../../common/containerd';
import { run as events } from '../../../main/cli/cmd-events';
import type { InsideEvent, InsideProvider } from '../../../main/containerd/provider';
import { captureIo as io, startControlHarness, type ControlHarness } from '../../helpers/cli-io';
import { FakeEngine } from '../service/fake-engine';

/** An inside provider whose recent-events ring and live events the test controls. */
function scriptedInside() {
  const recent: ContainerdEvent[] = [];
  const fns = new Set<(e: InsideEvent) => void>();
  const fail = async (): Promise<never> => {
    throw new Error('not used by cdesk events');
  };
  const inside: InsideProvider = {
    handlers: {
      'namespaces:list': fail,
      'containers:list': fail,
      'images:list': fail,
      'plugins:list': fail,
      'events:recent': async ({ namespace, limit }) => ({
        events: recent
          .filter((e) => !namespace || e.namespace === namespace)
          .slice(-(limit ?? 200)),
      }),
      'task:stop': fail,
      'task:kill': fail,
      'container:delete': fail,
      'image:delete': fail,
    },
    onEvent(fn) {
      fns.add(fn);
      return () => fns.delete(fn);
    },
    summary: () => ({
      problems: [],
      containers: null,
      inside: { state: 'connected', listedAt: 1, message: null },
    }),
    stopNotice: async () => null,
  };
  /** As containerd's feed does: into the ring, then out to subscribers. */
  const emit = (...es: ContainerdEvent[]) => {
    recent.push(...es);
    for (const fn of fns) fn({ event: 'containerd:events', payload: { events: es } });
  };
  return { inside, recent, emit };
}

const ev = (topic: string, containerId: string, at = Date.now(), namespace = 'default') =>
  ({ at, namespace, topic, type: 'x', containerId }) as ContainerdEvent;

/** Long enough for a closed socket's 'close' event to have run (it needs a turn of the loop). */
const aTurnLater = () => new Promise((r) => setTimeout(r, 50));

let h: ControlHarness;
let sock: string;
let script: ReturnType<typeof scriptedInside>;

beforeEach(async () => {
  script = scriptedInside();
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
    // Until the subscription is confirmed an event may go unseen: send until one is printed.
    await expect
      .poll(() => {
        script.emit(ev('/tasks/start', 'web'));
        return o.stdout;
      })
      .toContain('/tasks/start  container=web');
    const before = o.stderr;
    o.abort();
    expect(await done).toBe(0);
    await aTurnLater();
    expect(o.stderr).toBe(before);
  });

  it('exits 1 and says why when the app goes away while following', async () => {
    const o = io();
    const done = events(['--control', sock], o);
    await expect
      .poll(() => {
        script.emit(ev('/tasks/start', 'web'));
        return o.stdout;
      })
      .toContain('/tasks/start');
    await h.server.close();
    expect(await done).toBe(1);
    expect(o.stderr).toMatch(
      /connection to Containerd Desktop .* closed\n {2}hint: The app may have quit/,
    );
  });
});
