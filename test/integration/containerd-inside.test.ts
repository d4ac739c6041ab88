// The containerd API client against real containerd: lists match ctr, sizes, plugins, events, actions.
import { readFileSync } from 'node:fs';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { ContainerdEvent } from '../../common/containerd';
import { InsideError } from '../../main/containerd/errors';
import { alive, requireContainerd, until } from '../helpers/engine';
import { removeBuiltImage, startInside, type InsideFixture } from '../helpers/inside-fixture';
import { canRunContainers, ctr, ctrList, ctrTasks } from '../helpers/oci-image';

/**
 * Whether the polite container's shell has run its `trap … TERM`: the task pid is already `sh`,
 * has SIGTERM in SigCgt (/proc/PID/status; signal 15 is bit 14) and has forked its first `sleep`,
 * which the script reaches only after the trap. SigCgt alone misleads: until runc's init execs
 * the command (on a busy machine that can lag `ctr run -d` returning), the task pid is
 * `runc:[2:INIT]`, a Go program whose runtime catches every signal, and a SIGTERM sent then
 * survives the exec with its action reset to the default, which the kernel discards for a pid
 * namespace's init. The name alone is not enough either: exec renames the process just before it
 * resets the handlers.
 */
function shellTrapsSigterm(pid: number): boolean {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const name = /^Name:\s*(.*)$/m.exec(status)?.[1];
    const caught = /^SigCgt:\s*([0-9a-f]+)$/m.exec(status)?.[1];
    const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
    return (
      name === 'sh' &&
      caught !== undefined &&
      (BigInt(`0x${caught}`) & (1n << 14n)) !== 0n &&
      children !== ''
    );
  } catch {
    return false;
  }
}

const have = requireContainerd();
const can = canRunContainers();
if (have && !can.ok) console.warn(`skipping containerd API tests: ${can.reason}`);

const fixtures: InsideFixture[] = [];
afterEach(async () => {
  for (const f of fixtures.splice(0)) await f.dispose();
});
afterAll(() => removeBuiltImage());

async function fixture(): Promise<InsideFixture> {
  const f = await startInside();
  fixtures.push(f);
  return f;
}

async function rejection(p: Promise<unknown>): Promise<InsideError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(InsideError);
    return err as InsideError;
  }
  throw new Error('expected the call to fail');
}

describe.skipIf(!have || !can.ok)('inside containerd (real containerd, root)', () => {
  it('lists containers, tasks, images and namespaces as ctr sees them', async () => {
    const { inside, socket, img } = await fixture();
    ctr(socket, 'default', ['run', '-d', img.name, 'runs']);
    ctr(socket, 'default', ['run', '-d', img.name, 'exits', '/bin/true']);
    ctr(socket, 'default', ['containers', 'create', img.name, 'idle']);
    ctr(socket, 'other', ['images', 'import', img.archive]);
    await until(
      () => ctrTasks(socket, 'default').get('exits')?.status === 'stopped',
      10_000,
      'exits stopped',
    );

    const { containers } = await inside.handlers['containers:list']({ namespace: 'default' });
    expect(containers.map((c) => c.id)).toEqual(ctrList(socket, 'default', 'containers'));
    const tasks = ctrTasks(socket, 'default');
    for (const c of containers) {
      const t = tasks.get(c.id);
      if (!t) expect(c.task).toBeNull();
      else expect(c.task).toMatchObject({ pid: t.pid, status: t.status });
      expect(c.image).toBe(img.name);
      expect(c.runtime).toBe('io.containerd.runc.v2');
      expect(c.createdAt).toBeGreaterThan(Date.now() - 120_000);
    }
    const exits = containers.find((c) => c.id === 'exits')!;
    expect(exits.task).toMatchObject({ status: 'stopped', exitStatus: 0 });
    expect(exits.task!.exitedAt).toBeGreaterThan(Date.now() - 120_000);
    const running = containers.find((c) => c.id === 'runs')!;
    expect(running.task).toMatchObject({ status: 'running', exitStatus: null, exitedAt: null });
    expect(alive(running.task!.pid)).toBe(true);

    const images = await inside.handlers['images:list']({ namespace: 'default' });
    expect(images.images.map((i) => i.name)).toEqual(ctrList(socket, 'default', 'images'));
    const im = images.images[0]!;
    expect(im.size).toBe(img.size);
    expect(im.size).toBeGreaterThan(0);
    expect(im.digest).toBe(img.manifestDigest);
    expect(im.usedBy.sort()).toEqual(['exits', 'idle', 'runs']);
    expect(images.totalSize).toBe(img.size);
    const overlay = images.snapshotters.find((s) => s.snapshotter === 'overlayfs')!;
    expect(overlay.bytes).toBeGreaterThan(0);
    expect(overlay.snapshots).toBeGreaterThanOrEqual(3);

    const { namespaces } = await inside.handlers['namespaces:list']({});
    expect(namespaces.map((n) => n.name)).toEqual(['default', 'other']);
    expect(namespaces.find((n) => n.name === 'default')).toMatchObject({
      containers: 3,
      images: 1,
    });
    expect(namespaces.find((n) => n.name === 'other')).toMatchObject({ containers: 0, images: 1 });
    await until(() => inside.summary().containers?.running === 1, 5000, 'summary counts');
    expect(inside.summary().containers).toEqual({ running: 1, total: 3 });
  });

  it('lists plugins with devmapper in error, skipped snapshotters, and no problems with CRI off', async () => {
    const { inside, socket } = await fixture();
    const r = await inside.handlers['plugins:list']({});
    const dm = r.plugins.find((p) => p.id === 'devmapper')!;
    expect(dm).toMatchObject({ type: 'io.containerd.snapshotter.v1', status: 'error' });
    expect(dm.initError).toMatch(/not configured/);
    expect(r.plugins.filter((p) => p.status === 'skip').map((p) => p.id)).toContain('btrfs');
    expect(r.plugins.find((p) => p.id === 'overlayfs')!.status).toBe('ok');
    expect(r.plugins.find((p) => p.id === 'cri')).toBeUndefined();
    expect(r.problems).toEqual([]);
    const ctrOut = ctr(socket, 'default', ['plugins', 'ls']);
    expect(ctrOut.split('\n').length - 2).toBe(r.plugins.length);
    expect(r.version?.version).toMatch(/^1\.6/);
  });

  it('delivers create, start, exit and delete events in order, typed', async () => {
    const { inside, socket, img } = await fixture();
    const seen: ContainerdEvent[] = [];
    inside.onEvent((e) => {
      if (e.event === 'containerd:events')
        seen.push(...e.payload.events.filter((x) => x.containerId === 'ev1'));
    });
    ctr(socket, 'default', ['run', '-d', img.name, 'ev1']);
    await until(() => seen.some((e) => e.topic === '/tasks/start'), 10_000, 'start event');
    ctr(socket, 'default', ['tasks', 'kill', '-s', 'SIGKILL', 'ev1']);
    await until(() => seen.some((e) => e.topic === '/tasks/exit'), 10_000, 'exit event');
    ctr(socket, 'default', ['tasks', 'delete', 'ev1']);
    ctr(socket, 'default', ['containers', 'rm', 'ev1']);
    await until(() => seen.some((e) => e.topic === '/containers/delete'), 10_000, 'delete event');
    expect(seen.map((e) => e.topic)).toEqual([
      '/containers/create',
      '/tasks/create',
      '/tasks/start',
      '/tasks/exit',
      '/tasks/delete',
      '/containers/delete',
    ]);
    const start = seen[2]!;
    expect(start).toMatchObject({ namespace: 'default', type: 'containerd.events.TaskStart' });
    expect(start.pid).toBeGreaterThan(0);
    expect(seen[3]).toMatchObject({
      type: 'containerd.events.TaskExit',
      exitStatus: 137,
      pid: start.pid,
    });
    expect(seen[0]).toMatchObject({ image: img.name });
    const recent = await inside.handlers['events:recent']({ namespace: 'default' });
    expect(recent.events.filter((e) => e.containerId === 'ev1').map((e) => e.topic)).toEqual(
      seen.map((e) => e.topic),
    );
  });

  it('a stop on a process that ignores SIGTERM ends with SIGKILL after the grace', async () => {
    const { inside, socket, img } = await fixture();
    // sleep as PID 1 has no SIGTERM handler, so the kernel ignores SIGTERM for it.
    ctr(socket, 'default', ['run', '-d', img.name, 'stubborn', '/bin/sleep', '600']);
    const pid = ctrTasks(socket, 'default').get('stubborn')!.pid;
    const t0 = Date.now();
    const r = await inside.handlers['task:stop']({
      namespace: 'default',
      id: 'stubborn',
      graceMs: 1500,
    });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1400);
    expect(r).toEqual({ id: 'stubborn', exitStatus: 137, killed: true, graceMs: 1500 });
    expect(alive(pid)).toBe(false);
    expect(ctrTasks(socket, 'default').get('stubborn')?.status).toBe('stopped');
  });

  it('a stop on a process that handles SIGTERM returns its own exit status, no SIGKILL', async () => {
    const { inside, socket, img } = await fixture();
    // runc keeps its state (/run/containerd/runc/NAMESPACE/ID) and the cgroup (/NAMESPACE/ID)
    // machine-wide, not under this containerd: a fixed id collides with a concurrent run elsewhere.
    const id = `polite-${process.pid}`;
    ctr(socket, 'default', [
      'run',
      '-d',
      img.name,
      id,
      '/bin/sh',
      '-c',
      "trap 'exit 3' TERM; while true; do sleep 1; done",
    ]);
    // `ctr run -d` returns once runc has started the task, maybe before its init has even
    // exec'd sh; until sh has run `trap`, it is the container's pid 1 with no handler, so the
    // kernel drops SIGTERM and the stop would end in SIGKILL after the grace.
    const pid = ctrTasks(socket, 'default').get(id)!.pid;
    await until(() => shellTrapsSigterm(pid), 5000, 'the TERM trap installed');
    const r = await inside.handlers['task:stop']({
      namespace: 'default',
      id,
      graceMs: 20_000,
    });
    expect(r).toEqual({ id, exitStatus: 3, killed: false, graceMs: 20_000 });
  });

  it('refuses rm of a running container with a hint, deletes it once stopped; rmi waits for its users', async () => {
    const { inside, socket, img } = await fixture();
    ctr(socket, 'default', ['run', '-d', img.name, 'busy']);
    const pid = ctrTasks(socket, 'default').get('busy')!.pid;
    const e = await rejection(
      inside.handlers['container:delete']({ namespace: 'default', id: 'busy' }),
    );
    expect(e.code).toBe('in-use');
    expect(e.message).toContain('busy');
    expect(e.hint).toMatch(/cdesk stop busy/);
    expect(alive(pid)).toBe(true);
    expect(ctrList(socket, 'default', 'containers')).toEqual(['busy']);

    const used = await rejection(
      inside.handlers['image:delete']({ namespace: 'default', name: img.name }),
    );
    expect(used.code).toBe('in-use');
    expect(used.message).toContain('busy');
    expect(ctrList(socket, 'default', 'images')).toEqual([img.name]);

    await inside.handlers['task:kill']({ namespace: 'default', id: 'busy', signal: 'SIGKILL' });
    await until(
      () => ctrTasks(socket, 'default').get('busy')?.status === 'stopped',
      10_000,
      'busy stopped',
    );
    expect(await inside.handlers['container:delete']({ namespace: 'default', id: 'busy' })).toEqual(
      { id: 'busy' },
    );
    expect(ctrList(socket, 'default', 'containers')).toEqual([]);
    expect(ctrTasks(socket, 'default').size).toBe(0);
    await inside.handlers['image:delete']({ namespace: 'default', name: img.name });
    expect(ctrList(socket, 'default', 'images')).toEqual([]);

    const missing = await rejection(
      inside.handlers['container:delete']({ namespace: 'default', id: 'busy' }),
    );
    expect(missing.code).toBe('not-found');
  });

  it('a stop names a missing container as missing, and a container without a task as such', async () => {
    const { inside, socket, img } = await fixture();
    const ghost = await rejection(
      inside.handlers['task:stop']({ namespace: 'default', id: 'ghost' }),
    );
    expect(ghost.code).toBe('not-found');
    expect(ghost.message).toBe('there is no container ghost in namespace default');
    expect(ghost.hint).toMatch(/-n NS/);
    ctr(socket, 'default', ['containers', 'create', img.name, 'idle']);
    const idle = await rejection(
      inside.handlers['task:stop']({ namespace: 'default', id: 'idle' }),
    );
    expect(idle.message).toBe('container idle has no task in namespace default');
    // The usual mistake: the container is in another namespace. The hint names it.
    ctr(socket, 'away', ['images', 'import', img.archive]);
    ctr(socket, 'away', ['containers', 'create', img.name, 'roamer']);
    const roamer = await rejection(
      inside.handlers['task:stop']({ namespace: 'default', id: 'roamer' }),
    );
    expect(roamer.message).toBe('there is no container roamer in namespace default');
    expect(roamer.hint).toBe('A container roamer exists in namespace away: pass -n away.');
  });

  it('answers with a clear error while containerd is not running', async () => {
    const f = await fixture();
    await f.engine.stop();
    const e = await rejection(f.inside.handlers['containers:list']({ namespace: 'default' }));
    expect(e.code).toBe('containerd-api-unavailable');
    expect(e.message).toMatch(/not running/);
    expect(e.hint).toMatch(/cdesk daemon start/);
    expect(f.inside.status().state).toBe('unavailable');
  });
});
