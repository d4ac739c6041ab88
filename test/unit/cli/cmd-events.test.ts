// `cdesk events` against a real control socket, with a scripted containerd API behind the service.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ContainerdEvent } from '../../../common/containerd';
import { run as events } from '../../../main/cli/cmd-events';
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
