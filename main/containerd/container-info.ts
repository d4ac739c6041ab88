// Reading one container: its record and spec (inspect), where its output went (logs), waiting for its exit.
import { join } from 'node:path';
import type { ContainerCommandResults, LogSource } from '../../common/container-commands';
import { LOGS_MAX_BYTES } from '../../common/container-commands';
import {
  ContainersService,
  GetContainerRequest,
  type Container,
} from '../shared/api/services/containers/v1/containers';
import { GetRequest, TasksService, WaitRequest } from '../shared/api/services/tasks/v1/tasks';
import { Options as RuncOptions } from '../shared/api/types/runc/options/oci';
import type { ContainerdClient } from './client';
import { readContainerLog, watchForChange, type LogFormat } from './container-logs';
import { InsideError } from './errors';
import { toMs, toTaskInfo } from './map';
import { mapLimit } from './map-limit';
import { listNamespaceNames } from './reads';
import { LABELS, RUNC_OPTIONS_TYPE_URL } from './run';

const isNotFound = (err: unknown) => err instanceof InsideError && err.code === 'not-found';

/** The container record, or a not-found error that names the namespace. */
export async function getContainer(
  c: ContainerdClient,
  namespace: string,
  id: string,
): Promise<Container> {
  try {
    const r = await c.call(ContainersService.get, GetContainerRequest.create({ id }), {
      namespace,
    });
    if (r.container) return r.container;
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
  throw await noContainer(c, namespace, id);
}

/** The other namespaces that hold a container `id` (a wrong or missing -n is the usual mistake). */
async function namespacesHolding(
  c: ContainerdClient,
  id: string,
  except: string,
): Promise<string[]> {
  const names = (await listNamespaceNames(c).catch(() => [])).map((n) => n.name);
  const held = await mapLimit(
    names.filter((n) => n !== except),
    8,
    (namespace) =>
      c.call(ContainersService.get, GetContainerRequest.create({ id }), { namespace }).then(
        () => namespace,
        () => null,
      ),
  );
  return held.filter((n): n is string => n !== null);
}

/** No container `id` in `namespace`: the error names the namespace that has one, if any. */
export async function noContainer(
  c: ContainerdClient,
  namespace: string,
  id: string,
): Promise<InsideError> {
  const elsewhere = await namespacesHolding(c, id, namespace);
  return new InsideError(
    'not-found',
    `there is no container ${id} in namespace ${namespace}`,
    elsewhere.length
      ? `A container ${id} exists in ${elsewhere.map((n) => `namespace ${n}`).join(', ')}: pass -n ${elsewhere[0]!}.`
      : `Check the id and the namespace: cdesk ps -a -n ${namespace} lists its containers; pass -n NS for another namespace.`,
  );
}

/** Where a container's output is: ours, nerdctl's json-file, or the CRI log; null when nobody kept it. */
export function logLocation(
  ct: Container,
  namespace: string,
): { source: LogSource; file: string; format: LogFormat } | null {
  const ours = ct.labels[LABELS.logFile];
  if (ours?.startsWith('/')) return { source: 'app', file: ours, format: 'json-file' };
  const nerd = ct.labels['nerdctl/log-uri'];
  if (nerd) {
    try {
      const u = new URL(nerd);
      const store = u.searchParams.get('_NERDCTL_INTERNAL_LOGGING');
      if (store?.startsWith('/'))
        return {
          source: 'nerdctl',
          file: join(store, 'containers', namespace, ct.id, `${ct.id}-json.log`),
          format: 'json-file',
        };
    } catch {
      // not a URI we can read
    }
  }
  if (namespace === 'k8s.io') {
    const ext = ct.extensions['io.cri-containerd.container.metadata'];
    try {
      const meta = JSON.parse(ext?.value.toString('utf8') ?? 'null') as {
        Metadata?: { LogPath?: string };
      } | null;
      const path = meta?.Metadata?.LogPath;
      if (path?.startsWith('/')) return { source: 'cri', file: path, format: 'cri' };
    } catch {
      // not JSON: an older CRI
    }
  }
  return null;
}

export async function containerLogs(
  c: ContainerdClient,
  p: {
    namespace: string;
    id: string;
    tail?: number;
    sinceMs?: number;
    cursor?: string;
    maxBytes?: number;
    waitMs?: number;
  },
): Promise<ContainerCommandResults['container:logs']> {
  const ct = await getContainer(c, p.namespace, p.id);
  const where = logLocation(ct, p.namespace);
  if (!where)
    throw new InsideError(
      'not-found',
      `no log captured for ${p.id}: created without a log URI (e.g. \`ctr run\` without \`--log-uri\`)`,
      'Containers run with cdesk run (or nerdctl) keep their output; containerd keeps none.',
    );
  const read = () =>
    readContainerLog(where.file, {
      format: where.format,
      tail: p.tail,
      sinceMs: p.sinceMs,
      cursor: p.cursor,
      maxBytes: p.maxBytes ?? LOGS_MAX_BYTES,
    });
  if (!p.cursor || !p.waitMs) return { source: where.source, ...(await read()) };
  // A follower's long poll: answer when the file grows rather than on the caller's next timer.
  const w = watchForChange(where.file, p.waitMs);
  try {
    let page = await read();
    if (page.lines.length === 0 && !page.more) {
      await w.changed;
      page = await read();
    }
    return { source: where.source, ...page };
  } finally {
    w.close();
  }
}

/** The container's stored OCI spec, parsed; null when absent or not JSON. */
export function specJson(ct: Container): unknown {
  try {
    return ct.spec ? (JSON.parse(ct.spec.value.toString('utf8')) as unknown) : null;
  } catch {
    return null;
  }
}

export async function inspectContainer(
  c: ContainerdClient,
  namespace: string,
  id: string,
): Promise<ContainerCommandResults['container:inspect']> {
  const ct = await getContainer(c, namespace, id);
  const spec = specJson(ct);
  let options: Record<string, unknown> | null = null;
  const o = ct.runtime?.options;
  if (o?.type_url.endsWith(RUNC_OPTIONS_TYPE_URL)) {
    const d = RuncOptions.decode(o.value);
    options = Object.fromEntries(
      Object.entries(d).filter(([, v]) => v !== '' && v !== false && v !== 0),
    );
  } else if (o) options = { type_url: o.type_url };
  let task = null;
  try {
    const r = await c.call(TasksService.get, GetRequest.create({ container_id: id }), {
      namespace,
    });
    task = r.process ? toTaskInfo(r.process) : null;
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
  return {
    id,
    namespace,
    image: ct.image,
    labels: ct.labels,
    runtime: { name: ct.runtime?.name ?? '', options },
    snapshotter: ct.snapshotter,
    snapshotKey: ct.snapshot_key,
    createdAt: toMs(ct.created_at),
    updatedAt: toMs(ct.updated_at),
    spec,
    task,
  };
}

/** Wait up to timeoutMs for the task's exit (started before any kill, so none is missed). */
export async function waitTask(
  c: ContainerdClient,
  namespace: string,
  id: string,
  timeoutMs: number,
): Promise<ContainerCommandResults['task:wait']> {
  try {
    const r = await c.call(TasksService.wait, WaitRequest.create({ container_id: id }), {
      namespace,
      timeoutMs: Math.max(timeoutMs, 1),
    });
    return { id, exitStatus: r.exit_status };
  } catch (err) {
    if (err instanceof InsideError && err.code === 'containerd-timeout')
      return { id, exitStatus: null };
    if (err instanceof InsideError && /context deadline exceeded/.test(err.message))
      return { id, exitStatus: null };
    if (isNotFound(err)) {
      await getContainer(c, namespace, id);
      throw new InsideError(
        'not-found',
        `container ${id} has no task in namespace ${namespace}`,
        'It is not running; start it with cdesk start.',
      );
    }
    throw err;
  }
}
