// The OCI runtime spec of a container we run: containerd's `oci` package defaults, the image config, the user's options.
import { createHash } from 'node:crypto';
import type { NetworkMode } from '../../common/container-commands';

/** The parts of an OCI image config a run uses. */
export interface ImageConfig {
  Entrypoint?: string[] | null;
  Cmd?: string[] | null;
  Env?: string[] | null;
  WorkingDir?: string;
  User?: string;
}

export interface SpecMount {
  destination: string;
  type: string;
  source: string;
  options: string[];
}

/** The runtime spec as JSON (only the fields we set are typed). */
export interface RuntimeSpec {
  ociVersion: string;
  process: {
    terminal: boolean;
    user: { uid: number; gid: number; additionalGids?: number[] };
    args: string[];
    env: string[];
    cwd: string;
    capabilities: Record<'bounding' | 'permitted' | 'effective', string[]>;
    rlimits: { type: string; hard: number; soft: number }[];
    noNewPrivileges: boolean;
  };
  root: { path: string; readonly?: boolean };
  hostname?: string;
  mounts: SpecMount[];
  linux: {
    resources: {
      devices: { allow: boolean; access: string; type?: string; major?: number; minor?: number }[];
    };
    cgroupsPath: string;
    namespaces: { type: string; path?: string }[];
    maskedPaths: string[];
    readonlyPaths: string[];
  };
}

export interface SpecOptions {
  namespace: string;
  id: string;
  image: ImageConfig;
  entrypoint?: string[];
  args?: string[];
  env: string[];
  workdir?: string;
  /** `uid[:gid]`, numeric; a name is resolved by the caller (it needs the rootfs) into `resolvedUser`. */
  user?: string;
  /** The user, already looked up in the image's /etc/passwd and /etc/group (wins over `user`). */
  resolvedUser?: { uid: number; gid: number };
  mounts: { source: string; destination: string; readonly: boolean }[];
  net: NetworkMode;
  /** bridge: the network namespace the app made (a bind-mounted nsfs file) that CNI sets up. */
  netnsPath?: string;
  /** Parent of every cgroup this app creates, so two apps never share one (`/cdesk-…`). */
  cgroupParent: string;
  hostHostname?: string;
}

/** The OCI runtime-spec version containerd 1.6 writes. */
const OCI_VERSION = '1.0.2-dev';

/** containerd's defaultUnixEnv, used when the image sets no Env. */
const DEFAULT_ENV = ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'];

/** containerd's defaultUnixCaps. */
const DEFAULT_CAPS = [
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_FSETID',
  'CAP_FOWNER',
  'CAP_MKNOD',
  'CAP_NET_RAW',
  'CAP_SETGID',
  'CAP_SETUID',
  'CAP_SETFCAP',
  'CAP_SETPCAP',
  'CAP_NET_BIND_SERVICE',
  'CAP_SYS_CHROOT',
  'CAP_KILL',
  'CAP_AUDIT_WRITE',
];

/** containerd's defaultMounts. */
function defaultMounts(): SpecMount[] {
  return [
    { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
    {
      destination: '/dev',
      type: 'tmpfs',
      source: 'tmpfs',
      options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'],
    },
    {
      destination: '/dev/pts',
      type: 'devpts',
      source: 'devpts',
      options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'],
    },
    {
      destination: '/dev/shm',
      type: 'tmpfs',
      source: 'shm',
      options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k'],
    },
    {
      destination: '/dev/mqueue',
      type: 'mqueue',
      source: 'mqueue',
      options: ['nosuid', 'noexec', 'nodev'],
    },
    {
      destination: '/sys',
      type: 'sysfs',
      source: 'sysfs',
      options: ['nosuid', 'noexec', 'nodev', 'ro'],
    },
    {
      destination: '/run',
      type: 'tmpfs',
      source: 'tmpfs',
      options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'],
    },
  ];
}

/** containerd's WithDefaultUnixDevices: deny all, then the usual character devices. */
function defaultDevices(): RuntimeSpec['linux']['resources']['devices'] {
  const c = (major: number, minor?: number) => ({
    allow: true,
    type: 'c',
    major,
    ...(minor === undefined ? {} : { minor }),
    access: 'rwm',
  });
  return [
    { allow: false, access: 'rwm' },
    c(1, 3), // /dev/null
    c(1, 8), // /dev/random
    c(1, 7), // /dev/full
    c(5, 0), // /dev/tty
    c(1, 5), // /dev/zero
    c(1, 9), // /dev/urandom
    c(5, 1), // /dev/console
    c(136), // /dev/pts/*
    c(5, 2), // /dev/ptmx
  ];
}

/** containerd's replaceOrAppendEnvValues: later KEY=… replaces the default of the same KEY. */
export function mergeEnv(defaults: string[], overrides: string[]): string[] {
  const out = [...defaults];
  const index = new Map(out.map((e, i) => [e.split('=')[0]!, i]));
  for (const e of overrides) {
    const key = e.split('=')[0]!;
    const at = index.get(key);
    if (at === undefined) {
      index.set(key, out.length);
      out.push(e);
    } else out[at] = e;
  }
  return out;
}

/** True for `uid[:gid]` in numbers: what needs no /etc/passwd to resolve. */
export function isNumericUser(user: string): boolean {
  return /^\d{1,10}(:\d{1,10})?$/.test(user);
}

/** `uid[:gid]` as numbers; a name is refused (resolving it needs the image's /etc/passwd). */
export function parseUser(user: string): { uid: number; gid: number } | { error: string } {
  const m = /^(\d{1,10})(?::(\d{1,10}))?$/.exec(user);
  if (!m)
    return {
      error: `user "${user}" is not a numeric uid or uid:gid; only numeric users are supported (e.g. -u 1000:1000)`,
    };
  const uid = Number(m[1]);
  const gid = m[2] === undefined ? uid : Number(m[2]);
  if (uid > 0xffffffff || gid > 0xffffffff)
    return { error: `user "${user}": uid and gid must be below 2^32` };
  return { uid, gid };
}

/** The process argv: docker's rule (an --entrypoint override drops the image's Cmd too). */
export function processArgs(o: {
  image: ImageConfig;
  entrypoint?: string[];
  args?: string[];
}): string[] {
  const entry = o.entrypoint ?? o.image.Entrypoint ?? [];
  const cmd =
    o.args && o.args.length > 0 ? o.args : o.entrypoint !== undefined ? [] : (o.image.Cmd ?? []);
  return [...entry, ...cmd];
}

/** A stable short name for this app instance's cgroup parent (its state dir decides it). */
export function cgroupParentFor(stateDir: string): string {
  return `/cdesk-${createHash('sha256').update(stateDir).digest('hex').slice(0, 10)}`;
}

/** Build the spec; returns an error message (naming the option) instead of throwing. */
export function buildSpec(o: SpecOptions): { spec: RuntimeSpec } | { error: string } {
  const args = processArgs(o);
  if (args.length === 0)
    return {
      error:
        'the image sets no Entrypoint or Cmd and no command was given; pass one after the image (cdesk run IMAGE COMMAND…)',
    };
  const userText = o.user ?? o.image.User ?? '';
  let user = o.resolvedUser ?? { uid: 0, gid: 0 };
  if (userText && !o.resolvedUser) {
    const u = parseUser(userText);
    if ('error' in u) return { error: o.user ? u.error : `the image's ${u.error}` };
    user = u;
  }
  const env = mergeEnv(o.image.Env?.length ? o.image.Env : DEFAULT_ENV, o.env);
  const mounts = defaultMounts();
  const namespaces: { type: string; path?: string }[] = [
    { type: 'pid' },
    { type: 'ipc' },
    { type: 'uts' },
    { type: 'mount' },
  ];
  if (o.net === 'host') {
    // containerd's WithHostNamespace(network) + WithHostHostsFile + WithHostResolvconf.
    mounts.push(
      { destination: '/etc/hosts', type: 'bind', source: '/etc/hosts', options: ['rbind', 'ro'] },
      {
        destination: '/etc/resolv.conf',
        type: 'bind',
        source: '/etc/resolv.conf',
        options: ['rbind', 'ro'],
      },
    );
  } else if (o.net === 'bridge') {
    if (!o.netnsPath) return { error: 'the bridge network needs a network namespace path' };
    namespaces.push({ type: 'network', path: o.netnsPath });
    // The host's resolver settings, as docker does where they name no loopback address.
    mounts.push({
      destination: '/etc/resolv.conf',
      type: 'bind',
      source: '/etc/resolv.conf',
      options: ['rbind', 'ro'],
    });
  } else namespaces.push({ type: 'network' });
  for (const m of o.mounts) {
    mounts.push({
      destination: m.destination,
      type: 'bind',
      source: m.source,
      options: ['rbind', 'rprivate', m.readonly ? 'ro' : 'rw'],
    });
  }
  const caps = [...DEFAULT_CAPS];
  return {
    spec: {
      ociVersion: OCI_VERSION,
      process: {
        terminal: false,
        user,
        args,
        env,
        cwd: o.workdir ?? (o.image.WorkingDir || '/'),
        capabilities: { bounding: caps, permitted: [...caps], effective: [...caps] },
        rlimits: [{ type: 'RLIMIT_NOFILE', hard: 1024, soft: 1024 }],
        noNewPrivileges: true,
      },
      root: { path: 'rootfs' },
      hostname: o.net === 'host' ? o.hostHostname : o.id.slice(0, 63),
      mounts,
      linux: {
        resources: { devices: defaultDevices() },
        cgroupsPath: `${o.cgroupParent}/${o.namespace}/${o.id}`,
        namespaces,
        maskedPaths: [
          '/proc/acpi',
          '/proc/asound',
          '/proc/kcore',
          '/proc/keys',
          '/proc/latency_stats',
          '/proc/timer_list',
          '/proc/timer_stats',
          '/proc/sched_debug',
          '/sys/firmware',
          '/sys/devices/virtual/powercap',
          '/proc/scsi',
        ],
        readonlyPaths: ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'],
      },
    },
  };
}
