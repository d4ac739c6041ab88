// `cdesk ps` against a real control socket, with scripted containers behind the service.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ContainerInfo } from '../../../common/containerd';
import { run as ps } from '../../../main/cli/cmd-ps';
import { captureIo as io, startControlHarness, type ControlHarness } from '../../helpers/cli-io';
import { fakeInside, type FakeInside } from '../../helpers/fake-inside';
import { FakeEngine } from '../service/fake-engine';

const container = (id: string, task: ContainerInfo['task']): ContainerInfo => ({
  namespace: 'default',
  id,
  image: 'docker.io/library/busybox:latest',
  runtime: 'io.containerd.runc.v2',
  labels: {},
  snapshotter: 'overlayfs',
  snapshotKey: id,
  createdAt: Date.now() - 65_000,
  updatedAt: Date.now(),
  task,
});

let h: ControlHarness;
let script: FakeInside;

beforeEach(async () => {
  script = fakeInside();
  h = await startControlHarness({
    prefix: 'cdesk-ps-',
    engine: new FakeEngine(),
    inside: script.inside,
  });
});
afterEach(() => h.close());

/** The PID column of each row, by container id. */
function pids(table: string): Record<string, string> {
  const [head, ...rows] = table.trimEnd().split('\n');
  const at = head!.indexOf('PID');
  return Object.fromEntries(rows.map((r) => [r.split(/\s+/)[0], r.slice(at).split(/\s+/)[0]]));
}

describe('cdesk ps', () => {
  it('-a shows the pid of a live task and "-" for an exited one, as the window does', async () => {
    // containerd still reports the pid the task had before it exited.
    script.containers = [
      container('web', { pid: 4100, status: 'running', exitStatus: null, exitedAt: null }),
      container('job', { pid: 4200, status: 'stopped', exitStatus: 0, exitedAt: Date.now() }),
      container('idle', null),
    ];
    const o = io();
    expect(await ps(['-a', '--control', h.sock], o)).toBe(0);
    expect(pids(o.stdout)).toEqual({ web: '4100', job: '-', idle: '-' });
    expect(o.stdout).not.toContain('4200');
  });
});
