// The OCI spec we build: containerd's defaults, the image config, and docker's override rules.
import { describe, expect, it } from 'vitest';
import {
  buildSpec,
  mergeEnv,
  parseUser,
  processArgs,
  type SpecOptions,
} from '../../../main/containerd/oci-spec';
import { chainIds } from '../../../main/containerd/pull/unpack';
import { generatedName, normalizeImageName } from '../../../main/containerd/run';

const base: SpecOptions = {
  namespace: 'default',
  id: 'web',
  image: { Entrypoint: ['/entry'], Cmd: ['serve'], Env: ['PATH=/bin', 'A=1'], WorkingDir: '/app' },
  env: [],
  mounts: [],
  net: 'none',
  cgroupParent: '/cdesk-abc',
};
const spec = (o: Partial<SpecOptions> = {}) => {
  const r = buildSpec({ ...base, ...o });
  if ('error' in r) throw new Error(r.error);
  return r.spec;
};

describe('buildSpec', () => {
  it("applies containerd's defaults: caps, rlimits, masked and readonly paths, /proc /dev /sys", () => {
    const s = spec();
    expect(s.process.capabilities.bounding).toContain('CAP_NET_BIND_SERVICE');
    expect(s.process.capabilities.bounding).not.toContain('CAP_SYS_ADMIN');
    expect(s.process.rlimits).toEqual([{ type: 'RLIMIT_NOFILE', hard: 1024, soft: 1024 }]);
    expect(s.process.noNewPrivileges).toBe(true);
    expect(s.linux.maskedPaths).toContain('/proc/kcore');
    expect(s.linux.readonlyPaths).toContain('/proc/sys');
    expect(s.mounts.map((m) => m.destination)).toEqual([
      '/proc',
      '/dev',
      '/dev/pts',
      '/dev/shm',
      '/dev/mqueue',
      '/sys',
      '/run',
    ]);
    expect(s.linux.resources.devices[0]).toEqual({ allow: false, access: 'rwm' });
    expect(s.linux.cgroupsPath).toBe('/cdesk-abc/default/web');
    expect(s.linux.namespaces.map((n) => n.type)).toEqual([
      'pid',
      'ipc',
      'uts',
      'mount',
      'network',
    ]);
    expect(s.root).toEqual({ path: 'rootfs' });
  });

  it('takes Entrypoint + Cmd, Env and WorkingDir from the image', () => {
    const s = spec();
    expect(s.process.args).toEqual(['/entry', 'serve']);
    expect(s.process.env).toEqual(['PATH=/bin', 'A=1']);
    expect(s.process.cwd).toBe('/app');
    expect(s.process.user).toEqual({ uid: 0, gid: 0 });
  });

  it('host networking shares the host netns and its hosts/resolv.conf', () => {
    const s = spec({ net: 'host' });
    expect(s.linux.namespaces.map((n) => n.type)).not.toContain('network');
    expect(s.mounts.filter((m) => m.type === 'bind').map((m) => m.destination)).toEqual([
      '/etc/hosts',
      '/etc/resolv.conf',
    ]);
  });

  it('bind mounts carry ro or rw', () => {
    const s = spec({
      mounts: [
        { source: '/h', destination: '/c', readonly: true },
        { source: '/w', destination: '/d', readonly: false },
      ],
    });
    expect(s.mounts.slice(-2)).toEqual([
      { destination: '/c', type: 'bind', source: '/h', options: ['rbind', 'rprivate', 'ro'] },
      { destination: '/d', type: 'bind', source: '/w', options: ['rbind', 'rprivate', 'rw'] },
    ]);
  });

  it('refuses a run with no command, and a user name it cannot resolve', () => {
    expect(buildSpec({ ...base, image: {} })).toEqual({
      error: expect.stringMatching(/no Entrypoint or Cmd/),
    });
    expect(buildSpec({ ...base, user: 'nobody' })).toEqual({
      error: expect.stringMatching(/user "nobody" is not a numeric uid/),
    });
    expect(buildSpec({ ...base, image: { Cmd: ['x'], User: 'www' } })).toEqual({
      error: expect.stringMatching(/^the image's user "www"/),
    });
  });
});

describe('docker rules', () => {
  it('args replace Cmd; an entrypoint override drops Cmd', () => {
    const image = { Entrypoint: ['/e'], Cmd: ['c'] };
    expect(processArgs({ image, args: ['x'] })).toEqual(['/e', 'x']);
    expect(processArgs({ image, entrypoint: ['/o'] })).toEqual(['/o']);
    expect(processArgs({ image, entrypoint: [], args: ['sh'] })).toEqual(['sh']);
  });
  it('env overrides by key, in place', () => {
    expect(mergeEnv(['PATH=/bin', 'A=1'], ['A=2', 'B=3=4'])).toEqual(['PATH=/bin', 'A=2', 'B=3=4']);
  });
  it('users are uid[:gid]', () => {
    expect(parseUser('1000')).toEqual({ uid: 1000, gid: 1000 });
    expect(parseUser('1000:5')).toEqual({ uid: 1000, gid: 5 });
  });
  it('short image names get docker.io/library and :latest', () => {
    expect(normalizeImageName('busybox')).toBe('docker.io/library/busybox:latest');
    expect(normalizeImageName('me/app:1')).toBe('docker.io/me/app:1');
    expect(normalizeImageName('ghcr.io/x/y')).toBe('ghcr.io/x/y:latest');
    expect(normalizeImageName('localhost:5000/y')).toBe('localhost:5000/y:latest');
    expect(normalizeImageName('docker.io/busybox')).toBe('docker.io/library/busybox:latest');
    expect(normalizeImageName('index.docker.io/busybox:1')).toBe('docker.io/library/busybox:1');
    expect(normalizeImageName('docker.io/me/app')).toBe('docker.io/me/app:latest');
    // Generated ids follow containerd's rule, whatever the image's name allows.
    for (const [image, base] of [
      ['docker.io/library/busybox:latest', 'busybox'],
      ['ghcr.io/me/my__app..x:1', 'my_app.x'],
      ['localhost:5000/_x_', 'x'],
      [`r/${'a'.repeat(39)}..b`, 'a'.repeat(39)],
    ])
      expect(generatedName(image!)).toMatch(
        new RegExp(`^${base!.replace(/\./g, '\\.')}-[0-9a-f]{6}$`),
      );
  });
});

describe('chainIds', () => {
  it('follows the OCI image spec', () => {
    // sha256("sha256:a sha256:b")
    expect(chainIds(['sha256:a', 'sha256:b'])).toEqual([
      'sha256:a',
      'sha256:970a948bffa8de94d6e22d747ba8c95030e6e546909f98f54e99a13005e173a8',
    ]);
  });
});
