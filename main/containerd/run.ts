// Running a container from a local image, as containerd's client does it: image config → OCI spec,
// snapshot from the chain id, container record with runc options, task with our log writer, start.
import { randomBytes } from 'node:crypto';
import { mkdir, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { ContainerCommandResults, RunPayload } from '../../common/container-commands';
import { runPayload } from '../../common/container-commands';
import { Any } from '../shared/api/google/protobuf/any';
import {
  Container,
  ContainersService,
  CreateContainerRequest,
  DeleteContainerRequest,
  GetContainerRequest,
} from '../shared/api/services/containers/v1/containers';
import { ContentService, InfoRequest } from '../shared/api/services/content/v1/content';
import {
  GetImageRequest,
  ImagesService,
  ListImagesRequest,
} from '../shared/api/services/images/v1/images';
import {
  CreateRequest,
  DeleteRequest,
  LeasesService,
} from '../shared/api/services/leases/v1/leases';
import {
  MountsRequest,
  PrepareSnapshotRequest,
  RemoveSnapshotRequest,
  SnapshotsService,
} from '../shared/api/services/snapshots/v1/snapshots';
import {
  CreateTaskRequest,
  DeleteTaskRequest,
  GetRequest,
  StartRequest,
  TasksService,
} from '../shared/api/services/tasks/v1/tasks';
import { Options as RuncOptions } from '../shared/api/types/runc/options/oci';
import { Status } from '../shared/api/types/task/task';
import type { ContainerdClient } from './client';
import { ensureLogger, loggerUri } from './container-logger';
import {
  attachBridge,
  checkPorts,
  cniBinDir,
  createNetns,
  defaultNetwork,
  detachNetwork,
  netnsFile,
} from './container-network';
import { InsideError } from './errors';
import { parseReference } from './pull/reference';
import { hostPlatform } from './image-size';
import { buildSpec, cgroupParentFor, isNumericUser, type ImageConfig } from './oci-spec';
import { chainIds } from './pull/unpack';
import { portsOf } from './network-repair';
import { readBlob } from './reads';
import { resolveUser } from './exec';
import { layerDirs, readRootfsFile, type SnapshotMount } from './rootfs-files';
import {
  RESTART_LABELS,
  updateLabels,
  monitorCapabilities,
  parseRestartPolicy,
  restartDriver,
  restartLabels,
} from './restart-policy';

export const RUNC_RUNTIME = 'io.containerd.runc.v2';
export const SPEC_TYPE_URL = 'types.containerd.io/opencontainers/runtime-spec/1/Spec';
export const RUNC_OPTIONS_TYPE_URL = 'containerd.runc.v1.Options';

/** Labels this app puts on the containers it creates. */
export const LABELS = {
  /** The json-file log the task's output goes to. */
  logFile: 'containerd-desktop/log-file',
  /** The task's stdout/stderr URI (start uses it again; the restart monitor reads restart.loguri). */
  logUri: 'containerd-desktop/log-uri',
  /** Remove the container once its task exits. */
  autoRemove: 'containerd-desktop/auto-remove',
  /** host | none | bridge */
  net: 'containerd-desktop/net',
  /** The bridge address CNI gave it. */
  ip: 'containerd-desktop/ip',
  /** Published ports, JSON. */
  ports: 'containerd-desktop/ports',
} as const;

/** Where this app keeps what its containers need, and how their logs rotate. */
export interface RunContext {
  /** runc's state root (its `--root`), inside the app's state dir. */
  runcRoot: string;
  /** Container log files: LOGDIR/<ns>/<id>/<id>-json.log. */
  logDir: string;
  /** The log writer's launcher and program. */
  binDir: string;
  /** The app's state dir: names this instance's cgroup parent. */
  stateDir: string;
  logMaxBytes: number;
  logKeep: number;
  /** Where the CNI plugins may be (default: Debian's /usr/lib/cni, then /opt/cni/bin). */
  cniBinDirs?: string[];
}

const INDEX_TYPES = new Set([
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
]);

interface Desc {
  mediaType?: string;
  digest: string;
  platform?: { os?: string; architecture?: string; variant?: string };
}

/** docker's short names: busybox → docker.io/library/busybox:latest. */
export function normalizeImageName(name: string): string {
  let ref = name;
  const first = ref.split('/')[0]!;
  const hasDomain =
    ref.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost');
  if (!hasDomain) ref = ref.includes('/') ? `docker.io/${ref}` : `docker.io/library/${ref}`;
  else if (first === 'docker.io' || first === 'index.docker.io') {
    // docker.io/busybox is docker.io/library/busybox, as docker and containerd's refdocker say.
    const path = ref.slice(first.length + 1);
    ref = `docker.io/${path.includes('/') ? '' : 'library/'}${path}`;
  }
  const last = ref.slice(ref.lastIndexOf('/') + 1);
  if (!last.includes(':') && !ref.includes('@')) ref = `${ref}:latest`;
  return ref;
}

const isNotFound = (err: unknown) => err instanceof InsideError && err.code === 'not-found';
const isAlreadyExists = (err: unknown) =>
  err instanceof InsideError && err.code === 'already-exists';

function nameTaken(namespace: string, id: string): InsideError {
  return new InsideError(
    'already-exists',
    `the name ${id} is already in use by a container in namespace ${namespace}`,
    `Choose another --name, or remove that container first (cdesk rm ${id}).`,
  );
}

/** The image record by the name given or docker's long form of it. */
async function getImage(c: ContainerdClient, namespace: string, name: string) {
  for (const n of [...new Set([name, normalizeImageName(name)])]) {
    try {
      const r = await c.call(ImagesService.get, GetImageRequest.create({ name: n }), { namespace });
      if (r.image) return r.image;
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
  // NAME@sha256:…, as docker takes it: an image of that repository whose target is the digest
  // (images are recorded by tag, so no record has that name).
  const at = /^(.+)@(sha256:[0-9a-f]{64})$/.exec(normalizeImageName(name));
  if (at) {
    const repo = at[1]!.replace(/:[^/:]+$/, '');
    const r = await c.call(
      ImagesService.list,
      ListImagesRequest.create({ filters: [`target.digest==${at[2]!}`] }),
      { namespace },
    );
    const found = r.images.find((i) => i.name.replace(/[:@][^/]+$/, '') === repo);
    if (found) return found;
  }
  // A name no registry could serve (BUSYBOX, a bad tag) is not one to send to cdesk pull.
  let unpullable: string | null = null;
  try {
    parseReference(name);
  } catch (err) {
    unpullable = err instanceof Error ? err.message : String(err);
  }
  throw new InsideError(
    'not-found',
    `image ${name} is not in namespace ${namespace}`,
    unpullable
      ? `It is no image name a registry has either (${unpullable}); cdesk images -n ${namespace} lists the images there.`
      : `Pull it first (cdesk pull ${name}${namespace === 'default' ? '' : ` -n ${namespace}`}) or import it; cdesk images -n ${namespace} lists the images there.`,
  );
}

interface ImageConfigRead {
  config: ImageConfig;
  diffIds: string[];
  configDigest: string;
}

/**
 * Configs read by image target digest. The target names its manifests and config by digest, so
 * what they say never changes; a run still asks containerd for the image record (the name may
 * point elsewhere now) and the config's labels (unpacked or not). Bounded: the newest few images.
 */
const configByTarget = new Map<string, ImageConfigRead>();
const CONFIG_CACHE_ENTRIES = 32;

/** The host platform's manifest, its config JSON and the config's digest. */
async function imageConfig(
  c: ContainerdClient,
  namespace: string,
  name: string,
  target: Desc,
): Promise<ImageConfigRead> {
  const known = configByTarget.get(target.digest);
  if (known) return known;
  const read = await readImageConfig(c, namespace, name, target);
  if (configByTarget.size >= CONFIG_CACHE_ENTRIES)
    configByTarget.delete(configByTarget.keys().next().value!);
  configByTarget.set(target.digest, read);
  return read;
}

async function readImageConfig(
  c: ContainerdClient,
  namespace: string,
  name: string,
  target: Desc,
): Promise<ImageConfigRead> {
  let desc = target;
  const host = hostPlatform();
  for (let depth = 0; INDEX_TYPES.has(desc.mediaType ?? ''); depth++) {
    const index = JSON.parse((await readBlob(c, namespace, desc.digest)).toString('utf8')) as {
      manifests?: Desc[];
    };
    const m = (index.manifests ?? []).find(
      (d) =>
        !d.platform || (d.platform.os === host.os && d.platform.architecture === host.architecture),
    );
    if (!m || depth > 3)
      throw new InsideError(
        'not-found',
        `image ${name} has no ${host.os}/${host.architecture} manifest`,
        'Use an image built for this machine.',
      );
    desc = m;
  }
  const manifest = JSON.parse((await readBlob(c, namespace, desc.digest)).toString('utf8')) as {
    config?: Desc;
  };
  if (!manifest.config)
    throw new InsideError(
      'containerd-api-error',
      `image ${name}: its manifest names no config`,
      'Pull the image again.',
    );
  const cfg = JSON.parse(
    (await readBlob(c, namespace, manifest.config.digest)).toString('utf8'),
  ) as { config?: ImageConfig; rootfs?: { diff_ids?: string[] } };
  return {
    config: cfg.config ?? {},
    diffIds: cfg.rootfs?.diff_ids ?? [],
    configDigest: manifest.config.digest,
  };
}

/** The snapshotter the image was unpacked for (its config's gc.ref.snapshot label), overlayfs first. */
async function unpackedFor(
  c: ContainerdClient,
  namespace: string,
  configDigest: string,
): Promise<string[]> {
  const r = await c.call(ContentService.info, InfoRequest.create({ digest: configDigest }), {
    namespace,
  });
  const prefix = 'containerd.io/gc.ref.snapshot.';
  const names = Object.keys(r.info?.labels ?? {})
    .filter((k) => k.startsWith(prefix))
    .map((k) => k.slice(prefix.length));
  return names.sort((a, b) =>
    a === 'overlayfs' ? -1 : b === 'overlayfs' ? 1 : a.localeCompare(b),
  );
}

/** A free id from the image's short name: busybox-3f9a1c. */
export function generatedName(image: string): string {
  const base = (image.split('@')[0]!.split('/').pop() ?? 'ctr').split(':')[0]!;
  // containerd's id rule: one separator between letters and digits (image names allow `__`).
  const clean =
    base
      .replace(/[^A-Za-z0-9_.-]/g, '')
      .replace(/[_.-]+/g, (m) => m[0]!)
      .slice(0, 40)
      .replace(/^[_.-]+|[_.-]+$/g, '') || 'ctr';
  return `${clean}-${randomBytes(3).toString('hex')}`;
}

async function containerExists(c: ContainerdClient, namespace: string, id: string) {
  try {
    await c.call(ContainersService.get, GetContainerRequest.create({ id }), { namespace });
    return true;
  } catch (err) {
    if (isNotFound(err)) return false;
    throw err;
  }
}

/** runc's root for our containers; the shim adds the namespace (ROOT/<ns>/<id>, as /run/containerd/runc). */
export function runcOptions(ctx: RunContext): Any {
  return Any.create({
    type_url: RUNC_OPTIONS_TYPE_URL,
    value: Buffer.from(RuncOptions.encode(RuncOptions.create({ root: ctx.runcRoot })).finish()),
  });
}

/** containerd answers a failed exec with runc's message; say it in one sentence. */
function taskCreateError(err: unknown, args: string[]): InsideError {
  const msg = err instanceof Error ? err.message : String(err);
  if (/executable file not found|no such file or directory|permission denied/i.test(msg)) {
    const exitCode = /permission denied/i.test(msg) ? 126 : 127;
    return new InsideError(
      'failed-precondition',
      `cannot start ${JSON.stringify(args[0] ?? '')} in the container (exit code ${exitCode}): ${msg.replace(/^.*?: /, '')}`,
      'Check the command and that the image contains it (the image sets PATH; give an absolute path to be sure).',
      { cause: err },
    );
  }
  return err instanceof InsideError
    ? err
    : new InsideError('containerd-api-error', msg, "See containerd's log (cdesk daemon logs).");
}

/** Best effort: undo what a failed run created, newest first. */
async function undo(steps: (() => Promise<unknown>)[]): Promise<void> {
  for (const s of steps.reverse()) await s().catch(() => undefined);
}

/** Create the task with our log writer, and start it; returns the pid. */
async function createAndStart(
  c: ContainerdClient,
  namespace: string,
  id: string,
  rootfs: CreateTaskRequest['rootfs'],
  stdio: string,
  args: string[],
  beforeStart?: () => Promise<void>,
): Promise<number> {
  try {
    await c.call(
      TasksService.create,
      CreateTaskRequest.create({ container_id: id, rootfs, stdout: stdio, stderr: stdio }),
      { namespace, timeoutMs: 30_000 },
    );
  } catch (err) {
    throw taskCreateError(err, args);
  }
  try {
    // CNI's order: the network is added once the task exists, before its process runs.
    await beforeStart?.();
  } catch (err) {
    await c
      .call(TasksService.delete, DeleteTaskRequest.create({ container_id: id }), { namespace })
      .catch(() => undefined);
    throw err;
  }
  try {
    const r = await c.call(TasksService.start, StartRequest.create({ container_id: id }), {
      namespace,
      timeoutMs: 30_000,
    });
    return r.pid;
  } catch (err) {
    await c
      .call(TasksService.delete, DeleteTaskRequest.create({ container_id: id }), { namespace })
      .catch(() => undefined);
    throw taskCreateError(err, args);
  }
}

/**
 * `name[:group]` (or `uid:group`) from the prepared snapshot's /etc/passwd and /etc/group, as
 * containerd's oci.WithUsername / WithUserID read them. `fromImage`: the image's User, not -u.
 */
async function userFromRootfs(
  user: string,
  mounts: SnapshotMount[],
  fromImage: boolean,
): Promise<{ uid: number; gid: number }> {
  const dirs = layerDirs(mounts);
  const whose = fromImage ? "the image's User" : 'user';
  if (!dirs.length && /^\d{1,10}$/.test(user)) return { uid: Number(user), gid: 0 };
  if (!dirs.length)
    throw new InsideError(
      'bad-payload',
      `${whose} ${user}: the ${mounts[0]?.type ?? 'unknown'} snapshot's files cannot be read to look the name up`,
      'Pass a numeric uid[:gid] (e.g. -u 1000:1000).',
    );
  const read = async (file: string) => {
    const r = await readRootfsFile(dirs, file);
    if (r.ok) return r.text;
    throw new InsideError(
      'bad-payload',
      `${whose} ${user}: the image's ${r.path} is ${r.reason === 'symlink' ? 'a symlink (not followed outside the container)' : r.reason === 'too-big' ? 'larger than 1 MiB' : 'unreadable'}`,
      'Pass a numeric uid[:gid] (e.g. -u 1000:1000).',
    );
  };
  const passwd = await read('/etc/passwd');
  const group = user.includes(':') ? await read('/etc/group') : null;
  return resolveUser(user, passwd, group);
}

/** Check what the payload names on this host; throws a bad-payload error naming the field. */
async function checkHost(mounts: RunPayload['mounts'] & object): Promise<void> {
  const seen = new Set<string>();
  for (const m of mounts) {
    const s = await stat(m.source).catch(() => null);
    if (!s)
      throw new InsideError(
        'bad-payload',
        `mount source ${m.source} does not exist`,
        'Create it first, or fix the path (-v /host/path:/container/path[:ro]).',
      );
    if (seen.has(m.destination))
      throw new InsideError(
        'bad-payload',
        `two mounts target ${m.destination}`,
        'Mount one source per container path.',
      );
    seen.add(m.destination);
  }
}

/** Named runs under way here: two at once would each take half (snapshot, record) and both fail. */
const starting = new Set<string>();

/**
 * Told the container's id once it is known to be free, before its record exists; returns what to
 * call when the run has answered or failed (auto-remove keeps off a run's container meanwhile).
 */
export type RunClaim = (namespace: string, id: string) => () => void;

export async function runContainer(
  c: ContainerdClient,
  ctx: RunContext,
  payload: RunPayload,
  claim?: RunClaim,
): Promise<ContainerCommandResults['container:run']> {
  if (payload.name === undefined) return runOnce(c, ctx, payload, claim);
  const key = `${payload.namespace}/${payload.name}`;
  if (starting.has(key))
    throw new InsideError(
      'already-exists',
      `the name ${payload.name} is already in use by a run starting now in namespace ${payload.namespace}`,
      `Choose another --name, or wait for that run and remove its container (cdesk rm ${payload.name}).`,
    );
  starting.add(key);
  try {
    return await runOnce(c, ctx, payload, claim);
  } finally {
    starting.delete(key);
  }
}

async function runOnce(
  c: ContainerdClient,
  ctx: RunContext,
  payload: RunPayload,
  claim?: RunClaim,
): Promise<ContainerCommandResults['container:run']> {
  const p = runPayload.parse(payload);
  const { namespace } = p;
  const mounts = p.mounts ?? [];
  await checkHost(mounts);
  // A given name is looked up while the image record is read (Get creates no namespace); neither
  // that nor the log writer depends on the image. Awaited below, after the image's own checks, so
  // errors keep their order; a rejection meanwhile is no crash.
  const namedTaken = p.name !== undefined ? containerExists(c, namespace, p.name) : null;
  namedTaken?.catch(() => undefined);
  const logger = ensureLogger(ctx.binDir);
  logger.catch(() => undefined);
  const image = await getImage(c, namespace, p.image);
  if (!image.target)
    throw new InsideError(
      'containerd-api-error',
      `image ${p.image} has no target`,
      'Pull it again.',
    );
  const id = p.name ?? generatedName(image.name);
  const taken = namedTaken ?? containerExists(c, namespace, id);
  taken.catch(() => undefined);
  const { config, diffIds, configDigest } = await imageConfig(c, namespace, p.image, {
    mediaType: image.target.media_type,
    digest: image.target.digest,
  });
  const chain = chainIds(diffIds).pop();
  if (!chain)
    throw new InsideError(
      'bad-payload',
      `image ${p.image} has no layers`,
      'Use an image with a root filesystem.',
    );
  // Between Prepare and Containers/Create nothing references the snapshot: a lease keeps GC off
  // it (as containerd's client does), and expires by itself if we die half-way. Made while the
  // config's labels are read: the image record just read says the namespace exists (creating a
  // lease in a namespace would create the namespace); dropped in the finally below.
  const lease = `cdesk-run-${id}-${randomBytes(4).toString('hex')}`;
  const leased = c.call(
    LeasesService.create,
    CreateRequest.create({
      id: lease,
      labels: { 'containerd.io/gc.expire': new Date(Date.now() + 10 * 60_000).toISOString() },
    }),
    { namespace },
  );
  leased.catch(() => undefined);
  let claimed: (() => void) | undefined;
  try {
    const snapshotters = await unpackedFor(c, namespace, configDigest);
    const snapshotter = snapshotters[0] ?? 'overlayfs';
    if (await taken) throw nameTaken(namespace, id);
    claimed = claim?.(namespace, id);
    const net = p.net ?? (await defaultNetwork(ctx));
    const ports = p.ports ?? [];
    if (ports.length && net !== 'bridge')
      throw new InsideError(
        'bad-payload',
        `published ports need the bridge network, not --net ${net}`,
        'Drop -p, or run with --net bridge (needs the CNI plugins and root).',
      );
    let cniDir = '';
    if (net === 'bridge') {
      cniDir = await cniBinDir(ctx);
      await checkPorts(ctx, ports);
    }
    const userText = p.user ?? config.User ?? '';
    // Only uid:gid is taken as it is; a name, a group name or a lone uid (whose group is its passwd
    // row's, else 0) is looked up, as containerd's WithUsername / WithUserID do.
    const namedUser = userText !== '' && !(isNumericUser(userText) && userText.includes(':'));
    const built = buildSpec({
      namespace,
      id,
      image: config,
      entrypoint: p.entrypoint,
      args: p.args,
      env: p.env ?? [],
      workdir: p.workdir,
      user: p.user,
      // A name is looked up in the image's /etc/passwd once the snapshot exists (below).
      ...(namedUser ? { resolvedUser: { uid: 0, gid: 0 } } : {}),
      mounts,
      net,
      netnsPath: net === 'bridge' ? netnsFile(ctx, namespace, id) : undefined,
      cgroupParent: cgroupParentFor(ctx.stateDir),
    });
    if ('error' in built) throw new InsideError('bad-payload', built.error, 'Fix the run options.');
    const { spec } = built;
    const policy = parseRestartPolicy(p.restart ?? 'no') ?? { name: 'no', maxRetries: 0 };
    const driver =
      policy.name === 'no' ? 'none' : restartDriver(policy, await monitorCapabilities(c));

    const logFile = join(ctx.logDir, namespace, id, `${id}-json.log`);
    const { launcher } = await logger;
    const stdio = loggerUri(launcher, logFile, { maxBytes: ctx.logMaxBytes, keep: ctx.logKeep });

    const steps: (() => Promise<unknown>)[] = [];
    const labels: Record<string, string> = {
      ...p.labels,
      [LABELS.net]: net,
      ...(ports.length ? { [LABELS.ports]: JSON.stringify(ports) } : {}),
      [LABELS.logFile]: logFile,
      [LABELS.logUri]: stdio,
      ...(p.rm ? { [LABELS.autoRemove]: 'true' } : {}),
      // The monitor starts new tasks with this stdio: the same log writer and file.
      ...restartLabels(policy, driver, stdio),
    };
    // The record is sent once the spec is final: at once, unless a user name is looked up in the
    // prepared snapshot.
    const createRecord = () =>
      c.call(
        ContainersService.create,
        CreateContainerRequest.create({
          container: Container.create({
            id,
            image: image.name,
            labels,
            runtime: { name: RUNC_RUNTIME, options: runcOptions(ctx) },
            spec: Any.create({
              type_url: SPEC_TYPE_URL,
              value: Buffer.from(JSON.stringify(spec)),
            }),
            snapshotter,
            snapshot_key: id,
          }),
        }),
        { namespace, lease },
      );
    await leased;
    try {
      // The log folder, the snapshot and (with the spec final) the container record are made at
      // once: containerd checks no snapshot at Containers/Create, and the lease holds both until
      // the record references the snapshot. Each one made is undone if another fails; a failed
      // Prepare is reported first, as when they ran one after the other.
      // A missing parent is an image not unpacked for this snapshotter: Prepare says so itself (one
      // round trip fewer than asking Snapshots/Stat first).
      const [madeDir, preparing, creating] = await Promise.allSettled([
        mkdir(dirname(logFile), { recursive: true, mode: 0o700 }),
        c
          .call(
            SnapshotsService.prepare,
            PrepareSnapshotRequest.create({ snapshotter, key: id, parent: chain }),
            { namespace, timeoutMs: 30_000, lease },
          )
          .catch((err: unknown) => {
            if (!isNotFound(err)) throw err;
            throw new InsideError(
              'failed-precondition',
              `image ${p.image} is not unpacked for the ${snapshotter} snapshotter`,
              `Unpack it (ctr -n ${namespace} images unpack ${image.name}) or pull it again.`,
            );
          }),
        namedUser ? Promise.resolve(null) : createRecord(),
      ]);
      // Only a folder this run made: another run of the same name racing this one has its log
      // there (mkdir tells: it resolves to the first folder it made, undefined for none).
      if (madeDir.status === 'fulfilled' && madeDir.value !== undefined)
        steps.push(() => rm(dirname(logFile), { recursive: true, force: true }));
      if (preparing.status === 'fulfilled')
        steps.push(() =>
          c.call(SnapshotsService.remove, RemoveSnapshotRequest.create({ snapshotter, key: id }), {
            namespace,
          }),
        );
      const deleteRecord = () =>
        c.call(ContainersService.delete, DeleteContainerRequest.create({ id }), { namespace });
      if (creating.status === 'fulfilled' && creating.value !== null) steps.push(deleteRecord);
      // Two runs of one name at once both pass the check above: the later finds the snapshot or
      // the record there.
      for (const r of [preparing, creating])
        if (r.status === 'rejected' && isAlreadyExists(r.reason)) throw nameTaken(namespace, id);
      if (preparing.status === 'rejected') throw preparing.reason;
      if (madeDir.status === 'rejected') throw madeDir.reason;
      if (creating.status === 'rejected') throw creating.reason;
      const prepared = preparing.value;
      if (namedUser) {
        const u = await userFromRootfs(userText, prepared.mounts, !p.user);
        spec.process.user = { ...spec.process.user, uid: u.uid, gid: u.gid };
      }
      if (net === 'bridge') {
        await createNetns(ctx, namespace, id);
        steps.push(() => detachNetwork(ctx, namespace, id));
      }
      if (namedUser) {
        await createRecord();
        steps.push(deleteRecord);
      }
      let ip: string | null = null;
      const pid = await createAndStart(
        c,
        namespace,
        id,
        prepared.mounts,
        stdio,
        spec.process.args,
        net === 'bridge'
          ? async () => {
              ip = (
                await attachBridge(ctx, cniDir, namespace, id, netnsFile(ctx, namespace, id), ports)
              ).ip;
              if (ip) await updateLabels(c, namespace, id, { [LABELS.ip]: ip });
            }
          : undefined,
      );
      // Only now the monitor may watch it: before, it would create a task of its own.
      if (driver === 'monitor')
        await updateLabels(c, namespace, id, { [RESTART_LABELS.status]: 'running' });
      return { id, namespace, pid, net, ...(ip ? { ip } : {}) };
    } catch (err) {
      await undo(steps);
      throw err;
    }
  } finally {
    claimed?.();
    // Off the reply's path: the container record now holds the snapshot, and a lease left by a
    // failed delete expires by itself.
    void leased
      .then(() => c.call(LeasesService.delete, DeleteRequest.create({ id: lease }), { namespace }))
      .catch(() => undefined);
  }
}

/** Start a container whose task stopped (or never ran): a new task on the same rootfs and log. */
/** Starts under way here: a second start of the same container gets the first one's answer. */
const startsUnderWay = new Map<string, Promise<ContainerCommandResults['container:start']>>();

export function startContainer(
  c: ContainerdClient,
  namespace: string,
  id: string,
  ctx?: RunContext,
): Promise<ContainerCommandResults['container:start']> {
  // Two at once would each delete the stopped task and create one: the later fails with runc's
  // "file exists", or deletes the task the earlier just made.
  const key = `${namespace}/${id}`;
  const under = startsUnderWay.get(key);
  if (under) return under;
  const started = startOnce(c, namespace, id, ctx).finally(() => startsUnderWay.delete(key));
  startsUnderWay.set(key, started);
  return started;
}

async function startOnce(
  c: ContainerdClient,
  namespace: string,
  id: string,
  ctx?: RunContext,
): Promise<ContainerCommandResults['container:start']> {
  let ct: Container | undefined;
  try {
    ct = (await c.call(ContainersService.get, GetContainerRequest.create({ id }), { namespace }))
      .container;
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
  if (!ct)
    throw new InsideError(
      'not-found',
      `there is no container ${id} in namespace ${namespace}`,
      `cdesk ps -a -n ${namespace} lists its containers.`,
    );
  try {
    const t = await c.call(TasksService.get, GetRequest.create({ container_id: id }), {
      namespace,
    });
    if (t.process && t.process.status !== Status.STOPPED)
      throw new InsideError(
        'failed-precondition',
        `container ${id} is already running (pid ${t.process.pid})`,
        'Stop it first to start it again, or use restart.',
      );
    await c.call(TasksService.delete, DeleteTaskRequest.create({ container_id: id }), {
      namespace,
    });
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
  const mounts = await c.call(
    SnapshotsService.mounts,
    MountsRequest.create({ snapshotter: ct.snapshotter, key: ct.snapshot_key }),
    { namespace },
  );
  const stdio = ct.labels[LABELS.logUri] ?? '';
  let args: string[];
  try {
    const spec = JSON.parse(ct.spec?.value.toString('utf8') ?? '{}') as {
      process?: { args?: string[] };
    };
    args = spec.process?.args ?? [];
  } catch {
    args = [];
  }
  // The netns lives in the state dir, which a reboot empties: make it and join the bridge again.
  let beforeStart: (() => Promise<void>) | undefined;
  if (ctx && ct.labels[LABELS.net] === 'bridge') {
    const file = netnsFile(ctx, namespace, id);
    if (!(await stat(file).catch(() => null))) {
      const dir = await cniBinDir(ctx);
      const ports = portsOf(ct.labels);
      await checkPorts(ctx, ports);
      await createNetns(ctx, namespace, id);
      beforeStart = async () => {
        const { ip } = await attachBridge(ctx, dir, namespace, id, file, ports);
        if (ip) await updateLabels(c, namespace, id, { [LABELS.ip]: ip });
      };
    }
  }
  try {
    const pid = await createAndStart(c, namespace, id, mounts.mounts, stdio, args, beforeStart);
    return { id, pid };
  } catch (err) {
    if (beforeStart && ctx) await detachNetwork(ctx, namespace, id).catch(() => undefined);
    throw err;
  }
}
