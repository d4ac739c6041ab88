// The bridge network for containers, run the way CNI runs plugins: each plugin binary of a conflist
// (bridge + host-local IPAM, then portmap) executed with CNI_COMMAND/CNI_NETNS/… in its environment
// and its network config on stdin; ADD in order with the previous result, DEL in reverse.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { access, constants, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InsideError } from './errors';

/** Where Debian's containernetworking-plugins puts them (the CNI convention is /opt/cni/bin). */
export const DEFAULT_CNI_BIN_DIRS = ['/usr/lib/cni', '/opt/cni/bin'];
export const CNI_PACKAGE = 'containernetworking-plugins';
const NEEDED = ['bridge', 'host-local', 'portmap', 'loopback'] as const;
const CNI_VERSION = '1.0.0';
/** A plugin's answer is a small JSON document; more is a broken plugin. */
const MAX_OUTPUT = 1024 * 1024;
const PLUGIN_TIMEOUT_MS = 30_000;

export interface PortMapping {
  hostIp?: string;
  hostPort: number;
  containerPort: number;
  protocol: 'tcp' | 'udp';
}

/** One bridge per app instance: its name and subnet come from the state dir, as the cgroup parent does. */
export interface BridgeNetwork {
  name: string;
  bridge: string;
  subnet: string;
  gateway: string;
  /** host-local's lease files. */
  ipamDir: string;
}

export function bridgeNetworkFor(stateDir: string): BridgeNetwork {
  const h = createHash('sha256').update(stateDir).digest();
  const a = 128 + (h[0]! & 63);
  const b = h[1]!;
  const hex = h.subarray(0, 4).toString('hex');
  return {
    name: `cdesk-${hex}`,
    // Linux interface names are at most 15 bytes.
    bridge: `cdesk${hex}`.slice(0, 15),
    subnet: `10.${a}.${b}.0/24`,
    gateway: `10.${a}.${b}.1`,
    ipamDir: join(stateDir, 'cni', 'ipam'),
  };
}

/** The directory holding every plugin the bridge network needs, or null. */
export async function findCniBinDir(dirs: string[]): Promise<string | null> {
  for (const d of dirs) {
    const ok = await Promise.all(
      NEEDED.map((p) =>
        access(join(d, p), constants.X_OK).then(
          () => true,
          () => false,
        ),
      ),
    );
    if (ok.every(Boolean)) return d;
  }
  return null;
}

export function noCniError(dirs: string[]): InsideError {
  return new InsideError(
    'failed-precondition',
    `--net bridge needs the CNI plugins ${NEEDED.join(', ')}; none of ${dirs.join(', ')} has them all`,
    `Install Debian's ${CNI_PACKAGE} package (apt install ${CNI_PACKAGE}), or run with --net host or --net none.`,
  );
}

/** The conflist: bridge (gateway, masquerade, hairpin) with host-local IPAM, then portmap. */
export function bridgeConflist(n: BridgeNetwork): {
  cniVersion: string;
  name: string;
  plugins: Record<string, unknown>[];
} {
  return {
    cniVersion: CNI_VERSION,
    name: n.name,
    plugins: [
      {
        type: 'bridge',
        bridge: n.bridge,
        isGateway: true,
        ipMasq: true,
        hairpinMode: true,
        ipam: {
          type: 'host-local',
          ranges: [[{ subnet: n.subnet, gateway: n.gateway }]],
          routes: [{ dst: '0.0.0.0/0' }],
          dataDir: n.ipamDir,
        },
      },
      { type: 'portmap', capabilities: { portMappings: true }, snat: true },
    ],
  };
}

export interface CniCall {
  binDir: string;
  /** Unique per network attachment: CNI names iptables chains and leases by it. */
  containerId: string;
  netns: string;
  ifname: string;
}

/** Exec one plugin; its stdout is the result (or CNI's error object). */
export function execPlugin(
  call: CniCall,
  command: 'ADD' | 'DEL' | 'CHECK',
  type: string,
  config: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  if (!/^[a-z0-9-]+$/.test(type))
    return Promise.reject(new Error(`bad CNI plugin type ${JSON.stringify(type)}`));
  return new Promise((resolve, reject) => {
    const child = spawn(join(call.binDir, type), [], {
      env: {
        CNI_COMMAND: command,
        CNI_CONTAINERID: call.containerId,
        CNI_NETNS: call.netns,
        CNI_IFNAME: call.ifname,
        CNI_PATH: call.binDir,
        // The plugins run iptables and ip by name.
        PATH: '/usr/sbin:/usr/bin:/sbin:/bin',
      },
      stdio: ['pipe', 'pipe', 'pipe'],
      timeout: PLUGIN_TIMEOUT_MS,
    });
    const chunks: Buffer[] = [];
    let size = 0;
    const errChunks: Buffer[] = [];
    let errSize = 0;
    child.stdout.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= MAX_OUTPUT) chunks.push(c);
      else child.kill('SIGKILL');
    });
    child.stderr.on('data', (c: Buffer) => {
      errSize += c.length;
      if (errSize <= 64 * 1024) errChunks.push(c);
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const out = Buffer.concat(chunks).toString('utf8');
      let parsed: Record<string, unknown> = {};
      try {
        parsed = out.trim() ? (JSON.parse(out) as Record<string, unknown>) : {};
      } catch {
        // a plain-text failure: reported below
      }
      if (code === 0 && size <= MAX_OUTPUT) return resolve(parsed);
      const msg =
        typeof parsed.msg === 'string'
          ? `${parsed.msg}${typeof parsed.details === 'string' && parsed.details ? `: ${parsed.details}` : ''}`
          : Buffer.concat(errChunks).toString('utf8').trim() ||
            out.trim() ||
            `exited with ${signal ?? code}`;
      reject(new Error(`CNI ${type} ${command}: ${msg}`));
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(JSON.stringify(config));
  });
}

function pluginConfig(
  list: ReturnType<typeof bridgeConflist>,
  plugin: Record<string, unknown>,
  ports: PortMapping[],
  prevResult: Record<string, unknown> | undefined,
): Record<string, unknown> {
  const conf: Record<string, unknown> = {
    ...plugin,
    cniVersion: list.cniVersion,
    name: list.name,
  };
  if (prevResult) conf.prevResult = prevResult;
  if (plugin.type === 'portmap')
    conf.runtimeConfig = {
      portMappings: ports.map((p) => ({
        hostPort: p.hostPort,
        containerPort: p.containerPort,
        protocol: p.protocol,
        ...(p.hostIp ? { hostIP: p.hostIp } : {}),
      })),
    };
  return conf;
}

/** The container's IPv4 address from a CNI result (`ips[].address`, CIDR form). */
export function resultIp(result: Record<string, unknown>): string | null {
  const ips = Array.isArray(result.ips) ? (result.ips as { address?: unknown }[]) : [];
  for (const ip of ips) {
    if (typeof ip.address === 'string' && /^\d+\.\d+\.\d+\.\d+\//.test(ip.address))
      return ip.address.split('/')[0]!;
  }
  return null;
}

/** The conflist's plugins this attachment uses: portmap only when ports are published (one exec less). */
function pluginsFor(list: ReturnType<typeof bridgeConflist>, ports: PortMapping[]) {
  return list.plugins.filter((p) => p.type !== 'portmap' || ports.length > 0);
}

/** ADD: lo up (beside the chain), then the conflist in order; on a failure what was added is deleted again. */
export async function cniAdd(
  call: CniCall,
  n: BridgeNetwork,
  ports: PortMapping[],
): Promise<Record<string, unknown>> {
  await mkdir(n.ipamDir, { recursive: true, mode: 0o700 });
  const list = bridgeConflist(n);
  // lo is its own interface: bringing it up need not wait for the bridge chain.
  const lo = execPlugin({ ...call, ifname: 'lo' }, 'ADD', 'loopback', {
    cniVersion: CNI_VERSION,
    name: 'cni-loopback',
    type: 'loopback',
  });
  let prev: Record<string, unknown> | undefined;
  try {
    const chain = (async () => {
      for (const p of pluginsFor(list, ports))
        prev = await execPlugin(call, 'ADD', p.type as string, pluginConfig(list, p, ports, prev));
    })();
    const [a, b] = await Promise.allSettled([lo, chain]);
    if (a.status === 'rejected') throw a.reason;
    if (b.status === 'rejected') throw b.reason;
  } catch (err) {
    await cniDel(call, n, ports, prev).catch(() => undefined);
    throw err;
  }
  return prev ?? {};
}

/** DEL in reverse order; each plugin is asked even if another fails (what it set up goes). */
export async function cniDel(
  call: CniCall,
  n: BridgeNetwork,
  ports: PortMapping[],
  prevResult?: Record<string, unknown>,
  every = false,
): Promise<void> {
  const list = bridgeConflist(n);
  const errors: string[] = [];
  for (const p of [...(every ? list.plugins : pluginsFor(list, ports))].reverse()) {
    await execPlugin(call, 'DEL', p.type as string, pluginConfig(list, p, ports, prevResult)).catch(
      (err: Error) => errors.push(err.message),
    );
  }
  if (errors.length) throw new Error(errors.join('; '));
}

/** What DEL needs later (the app may have restarted): saved next to the netns. */
export interface NetworkState {
  namespace: string;
  id: string;
  containerId: string;
  netns: string;
  network: BridgeNetwork;
  ports: PortMapping[];
  result: Record<string, unknown>;
}

export async function saveNetworkState(file: string, s: NetworkState): Promise<void> {
  await writeFile(file, JSON.stringify(s), { mode: 0o600 });
}

export async function loadNetworkState(file: string): Promise<NetworkState | null> {
  const text = await readFile(file, 'utf8').catch(() => null);
  if (text === null || text.length > MAX_OUTPUT) return null;
  try {
    return JSON.parse(text) as NetworkState;
  } catch {
    return null;
  }
}

export async function removeFile(file: string): Promise<void> {
  await rm(file, { force: true });
}
