// Wire messages → shared types: task status and times, plugin status, typed events.
import { describe, expect, it } from 'vitest';
import {
  joinContainers,
  toContainerdEvent,
  toPluginInfo,
  toTaskInfo,
} from '../../../main/containerd/map';
import {
  toMs,
  type WireContainer,
  type WirePlugin,
  type WireProcess,
} from '../../../main/containerd/wire';

const GO_ZERO = { seconds: '-62135596800', nanos: 0 };
const T = { seconds: '1700000000', nanos: 250_000_000 };

function proc(p: Partial<WireProcess>): WireProcess {
  return {
    container_id: '',
    id: 'c1',
    pid: 42,
    status: 'RUNNING',
    exit_status: 0,
    exited_at: GO_ZERO,
    ...p,
  };
}

function plugin(p: Partial<WirePlugin>): WirePlugin {
  return {
    type: 'io.containerd.snapshotter.v1',
    id: 'x',
    requires: [],
    platforms: [],
    exports: {},
    capabilities: [],
    init_err: null,
    ...p,
  };
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
    expect(toTaskInfo(proc({ status: 'STOPPED', exit_status: 137, exited_at: T }))).toEqual({
      pid: 42,
      status: 'stopped',
      exitStatus: 137,
      exitedAt: 1_700_000_000_250,
    });
  });

  it('UNKNOWN with pid 0 (the shim timed out on list) is not-responding; UNKNOWN with a pid stays unknown', () => {
    expect(toTaskInfo(proc({ status: 'UNKNOWN', pid: 0 })).status).toBe('not-responding');
    expect(toTaskInfo(proc({ status: 'UNKNOWN', pid: 7 })).status).toBe('unknown');
  });
});

describe('joinContainers', () => {
  it('joins tasks by id (Tasks/List leaves container_id empty) and sorts by id', () => {
    const c = (id: string): WireContainer => ({
      id,
      labels: {},
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
  const env = (topic: string, event: Record<string, unknown>) => ({
    timestamp: T,
    namespace: 'default',
    topic,
    event,
  });

  it('reads a task exit: container, pid, exit status and time', () => {
    const e = toContainerdEvent(
      env('/tasks/exit', {
        '@type': 'type.googleapis.com/containerd.events.TaskExit',
        container_id: 'c1',
        id: 'c1',
        pid: 9,
        exit_status: 137,
        exited_at: T,
      }),
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
        env('/containers/create', {
          '@type': 'containerd.events.ContainerCreate',
          id: 'c2',
          image: 'busybox',
        }),
      ),
    ).toMatchObject({ containerId: 'c2', image: 'busybox' });
    expect(
      toContainerdEvent(
        env('/images/delete', {
          '@type': 'type.googleapis.com/containerd.services.images.v1.ImageDelete',
          name: 'docker.io/x:1',
        }),
      ),
    ).toMatchObject({
      type: 'containerd.services.images.v1.ImageDelete',
      image: 'docker.io/x:1',
    });
  });

  it('TaskDelete uses container_id (its id is the exec, empty for the task)', () => {
    const e = toContainerdEvent(
      env('/tasks/delete', {
        '@type': 'containerd.events.TaskDelete',
        container_id: 'c3',
        id: '',
        pid: 5,
        exit_status: 0,
        exited_at: T,
      }),
    );
    expect(e).toMatchObject({ containerId: 'c3', pid: 5, exitStatus: 0 });
  });

  it('an undecodable payload keeps its type_url as the type', () => {
    const e = toContainerdEvent(
      env('/custom/thing', { type_url: 'example.com/acme.Thing', value: Buffer.alloc(0) }),
    );
    expect(e).toEqual({
      at: 1_700_000_000_250,
      namespace: 'default',
      topic: '/custom/thing',
      type: 'acme.Thing',
    });
  });
});
