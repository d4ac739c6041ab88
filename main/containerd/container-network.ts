// A container's place on the bridge network: its network namespace (an nsfs bind mount under the
// app's state, as `ip netns add` makes one), CNI ADD/DEL on it, and cleaning up after containers
// that are gone (removed by another client, or while the app was away).
import { execFile } from 'node:child_process';
import { createServer } from 'node:net';
import { createSocket } from 'node:dgram';
import { mkdir, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  bridgeNetworkFor,
  cniAdd,
  cniDel,
  DEFAULT_CNI_BIN_DIRS,
  findCniBinDir,
  loadNetworkState,
  noCniError,
  resultIp,
  saveNetworkState,
  type NetworkState,
  type PortMapping,
} from './cni';
import { InsideError } from './errors';

const run = promisify(execFile);

export interface NetContext {
  stateDir: string;
  /** Where to look for the CNI plugins (Debian's /usr/lib/cni first). */
  cniBinDirs?: string[];
}

export const netnsFile = (ctx: NetContext, namespace: string, id: string) =>
  join(ctx.stateDir, 'netns', namespace, id);
const statePath = (ctx: NetContext, namespace: string, id: string) =>
  join(ctx.stateDir, 'cni', 'containers', namespace, `${id}.json`);

/** Where the plugins are, or the error naming the Debian package. */
export async function cniBinDir(ctx: NetContext): Promise<string> {
  const dirs = ctx.cniBinDirs ?? DEFAULT_CNI_BIN_DIRS;
  const d = await findCniBinDir(dirs);
  if (!d) throw noCniError(dirs);
  if (process.getuid?.() !== 0)
    throw new InsideError(
      'failed-precondition',
      '--net bridge needs root (the CNI plugins create a bridge, veth pairs and iptables rules)',
      'Run the app as root for bridge networking, or use --net host or --net none.',
    );
  return d;
}

/** bridge where the plugins are installed and we are root; else host (as before). */
export async function defaultNetwork(ctx: NetContext): Promise<'bridge' | 'host'> {
  if (process.getuid?.() !== 0) return 'host';
  return (await findCniBinDir(ctx.cniBinDirs ?? DEFAULT_CNI_BIN_DIRS)) ? 'bridge' : 'host';
}

/** A new, empty network namespace kept alive by a bind mount (`unshare --net=FILE`). */
export async function createNetns(ctx: NetContext, namespace: string, id: string): Promise<string> {
  const path = netnsFile(ctx, namespace, id);
  await mkdir(join(ctx.stateDir, 'netns', namespace), { recursive: true, mode: 0o700 });
  await writeFile(path, '', { mode: 0o600 });
  try {
    await run('unshare', [`--net=${path}`, 'true'], { timeout: 10_000 });
  } catch (err) {
    await rm(path, { force: true });
    throw new InsideError(
      'failed-precondition',
      `could not create a network namespace at ${path}: ${(err as Error).message}`,
      'The bridge network needs root and util-linux unshare; use --net host otherwise.',
    );
  }
  return path;
}

async function removeNetns(path: string): Promise<void> {
  // Not mounted (already gone, or never made) is fine.
  await run('umount', [path], { timeout: 10_000 }).catch(() => undefined);
  await rm(path, { force: true });
}

async function allStates(ctx: NetContext): Promise<NetworkState[]> {
  const root = join(ctx.stateDir, 'cni', 'containers');
  const out: NetworkState[] = [];
  for (const ns of await readdir(root).catch(() => [] as string[])) {
    for (const f of await readdir(join(root, ns)).catch(() => [] as string[])) {
      const s = f.endsWith('.json') ? await loadNetworkState(join(root, ns, f)) : null;
      if (s) out.push(s);
    }
  }
  return out;
}

/** The host port must be free: not published by another of our containers, nor bound on the host. */
export async function checkPorts(ctx: NetContext, ports: PortMapping[]): Promise<void> {
  const key = (p: PortMapping) => `${p.protocol}/${p.hostPort}`;
  const seen = new Set<string>();
  for (const p of ports) {
    if (seen.has(key(p)))
      throw new InsideError(
        'bad-payload',
        `host port ${p.hostPort}/${p.protocol} is published twice`,
        'Publish each host port once (-p HOST:CTR).',
      );
    seen.add(key(p));
  }
  const taken = new Map<string, string>();
  for (const s of await allStates(ctx)) for (const p of s.ports) taken.set(key(p), s.id);
  for (const p of ports) {
    const by = taken.get(key(p));
    const busy = by ?? ((await portBusy(p)) ? 'another program' : null);
    if (busy)
      throw new InsideError(
        'bad-payload',
        `host port ${p.hostIp ? `${p.hostIp}:` : ''}${p.hostPort}/${p.protocol} is already in use${by ? ` by container ${by}` : ''}`,
        `Choose another host port (-p OTHER:${p.containerPort}) or stop what uses it.`,
      );
  }
}

function portBusy(p: PortMapping): Promise<boolean> {
  const host = p.hostIp ?? '0.0.0.0';
  return new Promise((resolve) => {
    if (p.protocol === 'udp') {
      const s = createSocket('udp4');
      s.once('error', () => resolve(true));
      s.bind(p.hostPort, host, () => s.close(() => resolve(false)));
      return;
    }
    const srv = createServer();
    srv.once('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'EADDRINUSE'));
    srv.listen({ port: p.hostPort, host, exclusive: true }, () => srv.close(() => resolve(false)));
  });
}

/** CNI ADD on the container's netns; returns its address. The state is saved for DEL. */
export async function attachBridge(
  ctx: NetContext,
  binDir: string,
  namespace: string,
  id: string,
  netns: string,
  ports: PortMapping[],
): Promise<{ ip: string | null }> {
  const network = bridgeNetworkFor(ctx.stateDir);
  const call = { binDir, containerId: `${namespace}-${id}`, netns, ifname: 'eth0' };
  const result = await cniAdd(call, network, ports).catch((err: Error) => {
    throw new InsideError(
      'failed-precondition',
      `setting up the bridge network failed: ${err.message}`,
      'Check that iptables is installed (apt install iptables) and the CNI plugins work; or use --net host.',
      { cause: err },
    );
  });
  const file = statePath(ctx, namespace, id);
  await mkdir(join(ctx.stateDir, 'cni', 'containers', namespace), { recursive: true, mode: 0o700 });
  await saveNetworkState(file, {
    namespace,
    id,
    containerId: call.containerId,
    netns,
    network,
    ports,
    result,
  });
  return { ip: resultIp(result) };
}

/** Detaches under way, by state dir, namespace and id. */
const detaching = new Map<string, Promise<void>>();

/**
 * CNI DEL (veth, iptables rules, lease) and the netns mount; nothing to do is fine. Detaches of one
 * container run one after the other: a removal (an --rm container's, say) and the sweep of networks
 * whose container is gone can reach the same one at once, and the second then found the netns
 * file already unmounted ("unknown FS magic") instead of nothing left to do.
 */
export async function detachNetwork(ctx: NetContext, namespace: string, id: string): Promise<void> {
  const key = `${ctx.stateDir}\0${namespace}\0${id}`;
  const next = (detaching.get(key) ?? Promise.resolve())
    .catch(() => undefined)
    .then(() => detachOnce(ctx, namespace, id));
  detaching.set(key, next);
  try {
    await next;
  } finally {
    if (detaching.get(key) === next) detaching.delete(key);
  }
}

async function detachOnce(ctx: NetContext, namespace: string, id: string): Promise<void> {
  const file = statePath(ctx, namespace, id);
  const netns = netnsFile(ctx, namespace, id);
  const s = await loadNetworkState(file);
  const binDir = await findCniBinDir(ctx.cniBinDirs ?? DEFAULT_CNI_BIN_DIRS);
  if (s && binDir)
    await cniDel(
      { binDir, containerId: s.containerId, netns: s.netns, ifname: 'eth0' },
      s.network,
      s.ports,
      s.result,
    );
  else if (binDir && (await stat(netns).catch(() => null)))
    // The saved result is lost but the netns is there: DEL by what CNI keys on (network name,
    // container id, the interface in the netns), every plugin, so the masquerade rule and lease go.
    await cniDel(
      { binDir, containerId: `${namespace}-${id}`, netns, ifname: 'eth0' },
      bridgeNetworkFor(ctx.stateDir),
      [],
      undefined,
      true,
    );
  await removeNetns(netns);
  await rm(file, { force: true });
}

/** Tear down the networks of containers that no longer exist (removed by another client, or while we were away). */
export async function collectNetworks(
  ctx: NetContext,
  exists: (namespace: string, id: string) => Promise<boolean>,
): Promise<string[]> {
  const seen = new Set<string>();
  for (const s of await allStates(ctx)) seen.add(`${s.namespace}/${s.id}`);
  // A netns without a saved state: the app stopped between making it and CNI ADD.
  const nsRoot = join(ctx.stateDir, 'netns');
  for (const ns of await readdir(nsRoot).catch(() => [] as string[]))
    for (const id of await readdir(join(nsRoot, ns)).catch(() => [] as string[]))
      seen.add(`${ns}/${id}`);
  const gone: string[] = [];
  for (const key of seen) {
    const [namespace, id] = key.split('/') as [string, string];
    if (await exists(namespace, id)) continue;
    await detachNetwork(ctx, namespace, id);
    gone.push(key);
  }
  return gone;
}
