// Plugin health: problems that matter vs expected noise.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { PluginInfo } from '../../../common/containerd';
import { deriveProblems, hasCniConfig } from '../../../main/containerd/problems';

function p(type: string, id: string, initError: string | null = null): PluginInfo {
  const status = initError === null ? 'ok' : initError.endsWith(': skip plugin') ? 'skip' : 'error';
  return { type, id, status, initError, requires: [], platforms: [], exports: {} };
}

const healthy = (): PluginInfo[] => [
  p('io.containerd.content.v1', 'content'),
  p('io.containerd.metadata.v1', 'bolt'),
  p('io.containerd.snapshotter.v1', 'overlayfs'),
  p('io.containerd.snapshotter.v1', 'native'),
  p('io.containerd.snapshotter.v1', 'btrfs', 'path /x must be a btrfs filesystem: skip plugin'),
  p('io.containerd.snapshotter.v1', 'zfs', 'path /x must be a zfs filesystem: skip plugin'),
  p('io.containerd.snapshotter.v1', 'devmapper', 'devmapper not configured'),
  p('io.containerd.runtime.v2', 'task'),
];

describe('deriveProblems', () => {
  it('a stock containerd (skips, unconfigured devmapper) has no problems', () => {
    expect(deriveProblems(healthy(), { cri: 'off', cniConfigured: null })).toEqual([]);
  });

  it('a failed overlayfs snapshotter is an error with a hint', () => {
    const ps = healthy().map((x) =>
      x.id === 'overlayfs' ? p(x.type, x.id, 'failed to mount overlay: invalid argument') : x,
    );
    const [pr] = deriveProblems(ps, { cri: 'off', cniConfigured: null });
    expect(pr).toMatchObject({ id: 'snapshotter-overlayfs', severity: 'error' });
    expect(pr!.message).toContain('failed to mount overlay');
    expect(pr!.hint).toMatch(/rootDir/);
  });

  it('a missing task runtime (disabled) is an error naming disabledPlugins', () => {
    const ps = healthy().filter((x) => x.id !== 'task');
    const [pr] = deriveProblems(ps, { cri: 'off', cniConfigured: null });
    expect(pr).toMatchObject({ id: 'runtime-task', severity: 'error' });
    expect(pr!.hint).toMatch(/disabledPlugins/);
  });

  it('CRI on without CNI config: a warning with the Turn CRI off fix; with CNI: none; CRI off: none', () => {
    const ps = [...healthy(), p('io.containerd.grpc.v1', 'cri')];
    const [pr] = deriveProblems(ps, { cri: 'on', cniConfigured: false });
    expect(pr).toMatchObject({
      id: 'cri-no-cni',
      severity: 'warning',
      message: 'CRI is on but /etc/cni/net.d has no network config: pods get no network',
      fix: { label: 'Turn CRI off', settingsPatch: { cri: 'off' } },
    });
    expect(deriveProblems(ps, { cri: 'on', cniConfigured: true })).toEqual([]);
    expect(deriveProblems(ps, { cri: 'off', cniConfigured: false })).toEqual([]);
  });

  it('CRI on but failed: an error with the fix', () => {
    const ps = [...healthy(), p('io.containerd.grpc.v1', 'cri', 'failed to create CRI service')];
    expect(deriveProblems(ps, { cri: 'on', cniConfigured: true })[0]).toMatchObject({
      id: 'cri-failed',
      severity: 'error',
      fix: { settingsPatch: { cri: 'off' } },
    });
  });

  it('another failed plugin is a warning; errors sort before warnings', () => {
    const ps = [
      ...healthy().filter((x) => x.id !== 'bolt'),
      p('io.containerd.grpc.v1', 'weird', 'boom'),
    ];
    expect(
      deriveProblems(ps, { cri: 'off', cniConfigured: null }).map((x) => [x.id, x.severity]),
    ).toEqual([
      ['metadata-store', 'error'],
      ['plugin-io.containerd.grpc.v1.weird', 'warning'],
    ]);
  });
});

describe('hasCniConfig', () => {
  it('needs a .conf, .conflist or .json file in the directory', () => {
    const d = mkdtempSync(join(tmpdir(), 'cni-'));
    try {
      expect(hasCniConfig(join(d, 'missing'))).toBe(false);
      expect(hasCniConfig(d)).toBe(false);
      writeFileSync(join(d, 'README'), '');
      expect(hasCniConfig(d)).toBe(false);
      writeFileSync(join(d, '10-bridge.conflist'), '{}');
      expect(hasCniConfig(d)).toBe(true);
    } finally {
      rmSync(d, { recursive: true, force: true });
    }
  });
});
