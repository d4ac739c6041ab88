// The containerd API client across containerd crashes, hangs, restarts and stops; containers survive them all.
import { afterAll, describe, expect, it } from 'vitest';
import type { ContainerdEvent } from '../../common/containerd';
import { InsideError } from '../../main/containerd/errors';
import { alive, cleanupAfterEach, requireContainerd, until, waitForState } from '../helpers/engine';
import { removeBuiltImage, startInside, type InsideFixture } from '../helpers/inside-fixture';
import { canRunContainers, ctr, ctrTasks } from '../helpers/oci-image';

const have = requireContainerd();
const can = canRunContainers();
if (have && !can.ok) console.warn(`skipping containerd restart tests: ${can.reason}`);

const cleanups = cleanupAfterEach();
afterAll(() => removeBuiltImage());

async function fixture(patch?: Parameters<typeof startInside>[0]): Promise<InsideFixture> {
  const f = await startInside(patch);
  cleanups.push(() => f.dispose());
  return f;
}

function taskPid(f: InsideFixture, id: string): number {
  const t = ctrTasks(f.socket, 'default').get(id);
  if (!t) throw new Error(`no task ${id}`);
  return t.pid;
}

describe.skipIf(!have || !can.ok)(
  'inside containerd across restarts (real containerd, root)',
  () => {
    it('after a SIGKILL of containerd, events resume and the lists are correct; the task keeps its pid', async () => {
      const f = await fixture();
      const { inside, engine, socket, img } = f;
      ctr(socket, 'default', ['run', '-d', img.name, 'before']);
      const pid = taskPid(f, 'before');
      const events: ContainerdEvent[] = [];
      inside.onEvent((e) => {
        if (e.event === 'containerd:events') events.push(...e.payload.events);
      });
      const states: string[] = [];
      inside.onEvent((e) => {
        if (e.event === 'inside:status') states.push(e.payload.inside.state);
      });

      const respawned = waitForState(engine, 'running', 20_000);
      process.kill(engine.status().pid!, 'SIGKILL');
      await respawned;
      await until(() => inside.status().state === 'connected', 15_000, 'reconnected');
      expect(states).toContain('connecting');
      expect(states.at(-1)).toBe('connected');

      ctr(socket, 'default', ['run', '-d', img.name, 'afterwards']);
      await until(
        () => events.some((e) => e.containerId === 'afterwards' && e.topic === '/tasks/start'),
        10_000,
        'events after the respawn',
      );
      const { containers } = await inside.handlers['containers:list']({ namespace: 'default' });
      expect(containers.map((c) => [c.id, c.task?.status])).toEqual([
        ['afterwards', 'running'],
        ['before', 'running'],
      ]);
      expect(containers.find((c) => c.id === 'before')!.task!.pid).toBe(pid);
      expect(alive(pid)).toBe(true);
    });

    it('a hung containerd (SIGSTOP) makes calls fail by their deadline; the task survives', async () => {
      const f = await fixture((s) => {
        s.hangPolicy = 'report';
      });
      const { inside, engine, socket, img } = f;
      ctr(socket, 'default', ['run', '-d', img.name, 'steady']);
      const pid = taskPid(f, 'steady');
      const daemon = engine.status().pid!;
      process.kill(daemon, 'SIGSTOP');
      cleanups.push(() => {
        try {
          process.kill(daemon, 'SIGCONT');
        } catch {
          // already gone
        }
      });
      let err: unknown = null;
      try {
        await inside.handlers['containers:list']({ namespace: 'default' });
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(InsideError);
      expect((err as InsideError).code).toBe('containerd-timeout');
      expect((err as InsideError).hint).toMatch(/hung/);
      process.kill(daemon, 'SIGCONT');
      const r = await inside.handlers['containers:list']({ namespace: 'default' });
      expect(r.containers[0]).toMatchObject({ id: 'steady', task: { pid, status: 'running' } });
    });

    it('a task that exits while containerd is down is reported once, and the list shows it stopped', async () => {
      const f = await fixture();
      const { inside, engine, socket, img } = f;
      ctr(socket, 'default', ['run', '-d', img.name, 'brief', '/bin/sleep', '3']);
      const pid = taskPid(f, 'brief');
      await until(() => inside.summary().containers?.running === 1, 5000, 'count');
      const exits: ContainerdEvent[] = [];
      inside.onEvent((e) => {
        if (e.event === 'containerd:events')
          exits.push(
            ...e.payload.events.filter(
              (x) => x.topic === '/tasks/exit' && x.containerId === 'brief',
            ),
          );
      });
      await engine.stop();
      await until(() => !alive(pid), 10_000, 'the task to exit while containerd is down');
      await engine.start();
      await until(() => inside.status().state === 'connected', 15_000, 'reconnected');
      await until(() => exits.length > 0, 10_000, 'the exit reported');
      // The shim re-delivers an exit ~2 s after containerd is back: give a duplicate time to show.
      await new Promise((r) => setTimeout(r, 4000));
      expect(exits).toHaveLength(1);
      expect(exits[0]).toMatchObject({ namespace: 'default', pid, exitStatus: 0 });
      const { containers } = await inside.handlers['containers:list']({ namespace: 'default' });
      expect(containers[0]!.task).toMatchObject({ pid, status: 'stopped', exitStatus: 0 });
    });

    it('a task that exits while containerd hangs is reported once after the hang restart', async () => {
      // A hang of a few seconds: the task exits during it, and the hung containerd delivers that
      // exit around the stack dump, just before it is killed and before any re-count.
      const f = await fixture((s) => {
        s.hangPolicy = 'restart';
        s.health.livenessIntervalMs = 1000;
        s.health.livenessTimeoutMs = 1000;
        s.health.livenessRecheckMs = 1000;
        s.health.livenessFailures = 3;
        s.hangDumpWaitMs = 1000;
      });
      const { inside, engine, socket, img } = f;
      ctr(socket, 'default', ['run', '-d', img.name, 'brief', '/bin/sleep', '3']);
      const pid = taskPid(f, 'brief');
      await until(() => inside.summary().containers?.running === 1, 5000, 'count');
      const exits: ContainerdEvent[] = [];
      inside.onEvent((e) => {
        if (e.event === 'containerd:events')
          exits.push(
            ...e.payload.events.filter(
              (x) => x.topic === '/tasks/exit' && x.containerId === 'brief',
            ),
          );
      });
      const daemon = engine.status().pid!;
      process.kill(daemon, 'SIGSTOP');
      cleanups.push(() => {
        try {
          process.kill(daemon, 'SIGCONT');
        } catch {
          // already gone
        }
      });
      await until(() => !alive(pid), 10_000, 'the task to exit while containerd hangs');
      await until(() => engine.status().pid !== daemon, 30_000, 'the hang restart');
      await until(() => inside.status().state === 'connected', 15_000, 'reconnected');
      await until(() => exits.length > 0, 15_000, 'the exit reported');
      // The shim re-delivers an exit a few seconds after containerd is back: give it time to show.
      await new Promise((r) => setTimeout(r, 8000));
      expect(exits, JSON.stringify(exits)).toHaveLength(1);
      expect(exits[0]).toMatchObject({ namespace: 'default', pid });
    });

    it('containers survive stop and start, and restart, of containerd (same task pid); stop says so', async () => {
      const f = await fixture();
      const { inside, engine, socket, img } = f;
      ctr(socket, 'default', ['run', '-d', img.name, 'survivor']);
      const pid = taskPid(f, 'survivor');
      await until(() => inside.summary().containers?.running === 1, 5000, 'count');
      expect(await inside.stopNotice()).toBe(
        '1 container keeps running; it cannot be managed until containerd is back',
      );

      await engine.stop();
      expect(alive(pid)).toBe(true);
      expect(inside.cachedStopNotice()).toMatch(/^1 container keeps running/);
      await engine.start();
      await until(() => inside.status().state === 'connected', 15_000, 'connected after start');
      expect(taskPid(f, 'survivor')).toBe(pid);

      await engine.restart();
      await until(() => inside.status().state === 'connected', 15_000, 'connected after restart');
      const { containers } = await inside.handlers['containers:list']({ namespace: 'default' });
      expect(containers[0]).toMatchObject({ id: 'survivor', task: { pid, status: 'running' } });
      expect(alive(pid)).toBe(true);
    });
  },
);
