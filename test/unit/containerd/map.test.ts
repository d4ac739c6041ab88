// Wire messages → shared types: task status and times, plugin status, typed events.
import { describe, expect, it } from 'vitest';
import {
  joinContainers,
  toContainerdEvent,
  toMs,
  toPluginInfo,
  toTaskInfo,
} from '../../../main/containerd/map';
import { ContainerCreate } from '../../../main/shared/api/events/container';
import { ImageDelete } from '../../../main/shared/api/events/image';
import { TaskDelete, TaskExit } from '../../../main/shared/api/events/task';
import { Container } from '../../../main/shared/api/services/containers/v1/containers';
import { Plugin } from '../../../main/shared/api/services/introspection/v1/introspection';
import { Process, Status } from '../../../main/shared/api/types/task/task';

const GO_ZERO = { seconds: '-62135596800', nanos: 0 };
const T = { seconds: '1700000000', nanos: 250_000_000 };

function proc(p: Parameters<typeof Process.create>[0]): Process {
  return Process.create({ id: 'c1', pid: 42, status: Status.RUNNING, exited_at: GO_ZERO, ...p });
}

function plugin(p: Parameters<typeof Plugin.create>[0]): Plugin {
  return Plugin.create({ type: 'io.containerd.snapshotter.v1', id: 'x', ...p });
}

describe('toMs', () => {
  it("reads Go's zero time and unset timestamps as null", () => {
    expect(toMs(GO_ZERO)).toBeNull();
    expect(toMs(null)).toBeNull();
    expect(toMs({ seconds: '0', nanos: 0 })).toBeNull();
    expect(toMs(T)).toBe(1_700_000_000_250);
  });
});

describe('toTaskInfo', () => {
  it('a running task has no exit status or time', () => {
    expect(toTaskInfo(proc({}))).toEqual({
      pid: 42,
      status: 'running',
      exitStatus: null,
      exitedAt: null,
    });
  });

  it('a stopped task carries its exit status and time', () => {
    expect(toTaskInfo(proc({ status: Status.STOPPED, exit_status: 137, exited_at: T }))).toEqual({
      pid: 42,
      status: 'stopped',
      exitStatus: 137,
      exitedAt: 1_700_000_000_250,
    });
  });

  it('UNKNOWN with pid 0 (the shim timed out on list) is not-responding; UNKNOWN with a pid stays unknown', () => {
    expect(toTaskInfo(proc({ status: Status.UNKNOWN, pid: 0 })).status).toBe('not-responding');
    expect(toTaskInfo(proc({ status: Status.UNKNOWN, pid: 7 })).status).toBe('unknown');
  });
});

describe('joinContainers', () => {
  it('joins tasks by id (Tasks/List leaves container_id empty) and sorts by id', () => {
    const c = (id: string): Container =>
      Container.create({
        id,
        image: 'img',
        runtime: { name: 'io.containerd.runc.v2' },
        snapshotter: 'overlayfs',
        snapshot_key: id,
        created_at: T,
        updated_at: T,
      });
    const out = joinContainers('ns', [c('b'), c('a')], [proc({ id: 'b', container_id: '' })]);
    expect(out.map((x) => [x.id, x.task?.pid ?? null])).toEqual([
      ['a', null],
      ['b', 42],
    ]);
    expect(out[0]).toMatchObject({
      namespace: 'ns',
      runtime: 'io.containerd.runc.v2',
      snapshotKey: 'a',
      createdAt: 1_700_000_000_250,
    });
  });
});

describe('toPluginInfo', () => {
  it('ok without init_err; skip when the message ends with ": skip plugin"; error otherwise', () => {
    expect(toPluginInfo(plugin({})).status).toBe('ok');
    const skip = toPluginInfo(
      plugin({
        id: 'zfs',
        init_err: { code: 2, message: 'path /x must be a zfs filesystem: skip plugin' },
      }),
    );
    expect(skip).toMatchObject({
      status: 'skip',
      initError: 'path /x must be a zfs filesystem: skip plugin',
    });
    expect(
      toPluginInfo(
        plugin({ id: 'devmapper', init_err: { code: 2, message: 'devmapper not configured' } }),
      ).status,
    ).toBe('error');
  });

  it('formats platforms as os/arch[/variant]', () => {
    const p = toPluginInfo(
      plugin({
        platforms: [
          { os: 'linux', architecture: 'arm64', variant: 'v8' },
          { os: 'linux', architecture: 'amd64', variant: '' },
        ],
      }),
    );
    expect(p.platforms).toEqual(['linux/arm64/v8', 'linux/amd64']);
  });
});

describe('toContainerdEvent', () => {
  /** An envelope as containerd sends it: the payload encoded in an Any. */
  const env = (topic: string, type_url: string, value: Uint8Array) => ({
    timestamp: T,
    namespace: 'default',
    topic,
    event: { type_url, value: Buffer.from(value) },
  });

  it('reads a task exit: container, pid, exit status and time', () => {
    const e = toContainerdEvent(
      env(
        '/tasks/exit',
        'type.googleapis.com/containerd.events.TaskExit',
        TaskExit.encode(
          TaskExit.create({ container_id: 'c1', id: 'c1', pid: 9, exit_status: 137, exited_at: T }),
        ).finish(),
      ),
    );
    expect(e).toEqual({
      at: 1_700_000_000_250,
      namespace: 'default',
      topic: '/tasks/exit',
      type: 'containerd.events.TaskExit',
      containerId: 'c1',
      pid: 9,
      exitStatus: 137,
      exitedAt: 1_700_000_000_250,
    });
  });

  it('container events name the container by id; image events name the image', () => {
    expect(
      toContainerdEvent(
        env(
          '/containers/create',
          'containerd.events.ContainerCreate',
          ContainerCreate.encode(ContainerCreate.create({ id: 'c2', image: 'busybox' })).finish(),
        ),
      ),
    ).toMatchObject({ containerId: 'c2', image: 'busybox' });
    expect(
      toContainerdEvent(
        env(
          '/images/delete',
          'type.googleapis.com/containerd.services.images.v1.ImageDelete',
          ImageDelete.encode(ImageDelete.create({ name: 'docker.io/x:1' })).finish(),
        ),
      ),
    ).toMatchObject({
      type: 'containerd.services.images.v1.ImageDelete',
      image: 'docker.io/x:1',
    });
  });

  it('TaskDelete uses container_id (its id is the exec, empty for the task)', () => {
    const e = toContainerdEvent(
      env(
        '/tasks/delete',
        'containerd.events.TaskDelete',
        TaskDelete.encode(
          TaskDelete.create({ container_id: 'c3', id: '', pid: 5, exit_status: 0, exited_at: T }),
        ).finish(),
      ),
    );
    expect(e).toMatchObject({ containerId: 'c3', pid: 5, exitStatus: 0 });
  });

  it('a payload of a type we do not know keeps its type_url as the type', () => {
    const e = toContainerdEvent(env('/custom/thing', 'example.com/acme.Thing', new Uint8Array(0)));
    expect(e).toEqual({
      at: 1_700_000_000_250,
      namespace: 'default',
      topic: '/custom/thing',
      type: 'acme.Thing',
    });
  });
});

describe('toContainerdEvent, malformed payloads', () => {
  it('a known type whose bytes do not decode gives the envelope without fields', () => {
    const e = toContainerdEvent({
      timestamp: T,
      namespace: 'default',
      topic: '/tasks/exit',
      // field 1 (container_id) as a length-delimited string longer than the bytes that follow.
      event: { type_url: 'containerd.events.TaskExit', value: Buffer.from([0x0a, 0x40, 0x61]) },
    });
    expect(e).toEqual({
      at: 1_700_000_000_250,
      namespace: 'default',
      topic: '/tasks/exit',
      type: 'containerd.events.TaskExit',
      exitStatus: 0,
    });
  });
});
