// Terminal output of the inside commands: tables, sizes, problems first, events.
import { describe, expect, it } from 'vitest';
import type { ContainerInfo } from '../../../common/containerd';
import { UsageError } from '../../../main/cli/args';
import {
  formatBytes,
  formatContainers,
  formatEvent,
  formatProblems,
  namespaceFlag,
} from '../../../main/cli/inside-format';

const now = 1_700_000_100_000;
const c = (id: string, task: ContainerInfo['task']): ContainerInfo => ({
  namespace: 'default',
  id,
  image: 'docker.io/library/busybox:latest',
  runtime: 'io.containerd.runc.v2',
  labels: {},
  snapshotter: 'overlayfs',
  snapshotKey: id,
  createdAt: now - 65_000,
  updatedAt: now,
  task,
});

describe('inside formatting', () => {
  it('formats bytes in binary units like ctr', () => {
    expect(formatBytes(1987170)).toBe('1.9 MiB');
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(null)).toBe('-');
  });

  it('shows task status, exit code and pid in aligned columns', () => {
    const out = formatContainers(
      [
        c('web', { pid: 42, status: 'running', exitStatus: null, exitedAt: null }),
        c('job', { pid: 43, status: 'stopped', exitStatus: 137, exitedAt: now - 5000 }),
        c('idle', null),
      ],
      now,
    );
    const lines = out.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^CONTAINER\s+IMAGE\s+STATUS\s+PID\s+CREATED$/);
    expect(lines[1]).toMatch(
      /^web\s+docker\.io\/library\/busybox:latest\s+running\s+42\s+1m 5s ago$/,
    );
    expect(lines[2]).toContain('exited (137) 5s ago');
    expect(lines[3]).toMatch(/idle\s+\S+\s+created \(no task\)\s+-/);
    expect(lines[1]!.indexOf('running')).toBe(lines[2]!.indexOf('exited'));
  });

  it('prints problems with hint and fix, or "none"', () => {
    expect(formatProblems([])).toBe('problems: none\n');
    const text = formatProblems([
      {
        id: 'cri-no-cni',
        severity: 'warning',
        message: 'CRI is on but …',
        hint: 'do this',
        fix: { label: 'Turn CRI off', settingsPatch: { cri: 'off' } },
      },
    ]);
    expect(text).toContain('WARNING  CRI is on but …');
    expect(text).toContain('hint: do this');
    expect(text).toContain('fix: Turn CRI off (cdesk settings set cri off)');
  });

  it('prints an event on one line with its ids', () => {
    expect(
      formatEvent({
        at: 0,
        namespace: 'default',
        topic: '/tasks/exit',
        type: 't',
        containerId: 'c1',
        pid: 9,
        exitStatus: 137,
      }),
    ).toBe('1970-01-01T00:00:00.000Z  default  /tasks/exit  container=c1 pid=9 exit=137\n');
  });

  it('validates -n like containerd (a usage error naming the flag)', () => {
    expect(namespaceFlag({})).toBe('default');
    expect(namespaceFlag({ namespace: 'k8s.io' })).toBe('k8s.io');
    expect(() => namespaceFlag({ namespace: '-x' })).toThrow(UsageError);
    expect(() => namespaceFlag({ namespace: 'a b' })).toThrow(/--namespace a b/);
  });
});
