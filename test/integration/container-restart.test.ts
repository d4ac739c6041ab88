// --restart against a real containerd: its restart monitor brings an "always" task back after a
// kill and after containerd restarts; on-failure:N stops after N; a user's stop holds.
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { requireContainerd, until } from '../helpers/engine';
import { removeBuiltImage, startInside, type InsideFixture } from '../helpers/inside-fixture';
import { canRunContainers, ctrTasks } from '../helpers/oci-image';

const have = requireContainerd();
const can = canRunContainers();
if (have && !can.ok) console.warn(`skipping container restart tests: ${can.reason}`);

let f: InsideFixture;
let seq = 0;
const uid = () => `rst-${process.pid}-${++seq}`;

beforeEach(async () => {
  if (!have || !can.ok) return;
  f = await startInside();
});
afterEach(async () => {
  if (!have || !can.ok) return;
  await f.dispose();
});
afterAll(() => removeBuiltImage());

const h = () => f.inside.handlers;
const task = (id: string) => ctrTasks(f.socket, 'default').get(id);
/** Poll an async condition (every 50 ms) until it holds. */
async function eventually(cond: () => Promise<boolean>, timeoutMs: number, what: string) {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const labels = async (id: string) =>
  (await h()['container:inspect']({ namespace: 'default', id })).labels;
const logTexts = async (id: string) =>
  (await h()['container:logs']({ namespace: 'default', id })).lines.map((l) => l.text);

/** Kill the task's process the way a crash would (through containerd, not our stop). */
async function crash(id: string): Promise<number> {
  const before = task(id);
  if (before?.status !== 'running') throw new Error(`${id} is not running: ${before?.status}`);
  await h()['task:kill']({ namespace: 'default', id, signal: 'SIGKILL' });
  return before.pid;
}

/** Wait until the task runs again with another pid; returns how long it took. */
async function backAfter(id: string, oldPid: number, timeoutMs: number): Promise<number> {
  const t0 = Date.now();
  await until(
    () => {
      const t = task(id);
      return t?.status === 'running' && t.pid !== oldPid;
    },
    timeoutMs,
    `${id} running again`,
  );
  return Date.now() - t0;
}

describe.skipIf(!have || !can.ok)('--restart with containerd restart monitor', () => {
  it('always: a killed task is back within a few seconds, writing to the same log', async () => {
    const id = uid();
    await h()['container:run']({
      namespace: 'default',
      image: f.img.name,
      name: id,
      restart: 'always',
      args: ['sh', '-c', 'echo up; exec sleep 1000'],
    });
    const l = await labels(id);
    expect(l['containerd.io/restart.status']).toBe('running');
    expect(l['containerd.io/restart.policy']).toBe('always');
    expect(l['containerd.io/restart.loguri']).toBe(l['containerd-desktop/log-uri']);
    await eventually(async () => (await logTexts(id)).length === 1, 5_000, 'first line');
    const pid = await crash(id);
    const ms = await backAfter(id, pid, 5_000);
    expect(ms).toBeLessThan(5_000);
    await eventually(async () => (await logTexts(id)).length === 2, 5_000, 'second run logged');
    expect(await logTexts(id)).toEqual(['up', 'up']);
  });

  it('always: still restarted after containerd itself restarts', async () => {
    const id = uid();
    const r = await h()['container:run']({
      namespace: 'default',
      image: f.img.name,
      name: id,
      restart: 'always',
      args: ['sleep', '1000'],
    });
    const s = await f.engine.restart();
    expect(s.state).toBe('running');
    await until(() => f.inside.status().state === 'connected', 15_000, 'reconnected');
    expect(task(id)?.status).toBe('running');
    // The new containerd's monitor watches it: a crash now is undone too.
    const pid = await crash(id);
    expect(pid).toBe(r.pid);
    await backAfter(id, pid, 5_000);
  });

  it('on-failure:2 restarts a failing task twice, then leaves it stopped', async () => {
    const id = uid();
    await h()['container:run']({
      namespace: 'default',
      image: f.img.name,
      name: id,
      restart: 'on-failure:2',
      args: ['sh', '-c', 'echo run; exit 3'],
    });
    await eventually(async () => (await logTexts(id)).length >= 3, 10_000, 'three runs');
    // Longer than the monitor's interval and the next back-off: no fourth run comes.
    await sleep(2_500);
    expect(await logTexts(id)).toEqual(['run', 'run', 'run']);
    expect((await labels(id))['containerd.io/restart.count']).toBe('2');
    expect(task(id)?.status).toBe('stopped');
    const w = await h()['task:wait']({ namespace: 'default', id, timeoutMs: 1_000 });
    expect(w.exitStatus).toBe(3);
  });

  it('on-failure: a clean exit is not restarted', async () => {
    const id = uid();
    await h()['container:run']({
      namespace: 'default',
      image: f.img.name,
      name: id,
      restart: 'on-failure',
      args: ['sh', '-c', 'echo once'],
    });
    await eventually(async () => (await logTexts(id)).length === 1, 5_000, 'one run');
    await sleep(2_000);
    expect(await logTexts(id)).toEqual(['once']);
  });

  it('unless-stopped: a stop holds past the monitor; start brings the policy back', async () => {
    const id = uid();
    await h()['container:run']({
      namespace: 'default',
      image: f.img.name,
      name: id,
      restart: 'unless-stopped',
      args: ['sleep', '1000'],
    });
    await h()['task:stop']({ namespace: 'default', id, graceMs: 100 });
    await sleep(2_500);
    expect(task(id)?.status).toBe('stopped');
    const stopped = await labels(id);
    expect(stopped['containerd.io/restart.status']).toBeUndefined();
    expect(stopped['containerd.io/restart.explicitly-stopped']).toBe('true');
    await h()['container:start']({ namespace: 'default', id });
    const l = await labels(id);
    expect(l['containerd.io/restart.status']).toBe('running');
    expect(l['containerd.io/restart.explicitly-stopped']).toBeUndefined();
    const pid = await crash(id);
    await backAfter(id, pid, 5_000);
  });

  it('a bad policy and --rm with a policy are refused, nothing created', async () => {
    const id = uid();
    await expect(
      h()['container:run']({
        namespace: 'default',
        image: f.img.name,
        name: id,
        restart: 'sometimes',
      }),
    ).rejects.toThrow(/must be no, always, unless-stopped or on-failure\[:N\]/);
    await expect(
      h()['container:run']({
        namespace: 'default',
        image: f.img.name,
        name: id,
        restart: 'always',
        rm: true,
      }),
    ).rejects.toThrow(/rm and restart conflict/);
    expect(task(id)).toBeUndefined();
  });
});
