// docker's --restart policies on containerd's own restart monitor (the containerd.io/restart.*
// labels ctr and nerdctl set), and the parts containerd 1.6's monitor cannot do itself.
//
// containerd 1.6's monitor knows one policy: a container labelled restart.status=running gets a
// new task (with the restart.loguri stdio) whenever its task is not running, checked every
// `interval`. It ignores restart.policy and restart.explicitly-stopped (1.7 added both and lists
// them as the plugin's capabilities). So, as nerdctl does, a user's stop flips restart.status to
// stopped and start flips it back; and on-failure, which needs the exit code, is done by the app
// on the task's exit event when the monitor does not list it.
import {
  Container,
  ContainersService,
  UpdateContainerRequest,
} from '../shared/api/services/containers/v1/containers';
import {
  IntrospectionService,
  PluginsRequest,
} from '../shared/api/services/introspection/v1/introspection';
import type { ContainerdClient } from './client';
import { getContainer } from './container-info';
import { InsideError } from './errors';

export const RESTART_LABELS = {
  status: 'containerd.io/restart.status',
  logUri: 'containerd.io/restart.loguri',
  policy: 'containerd.io/restart.policy',
  count: 'containerd.io/restart.count',
  explicitlyStopped: 'containerd.io/restart.explicitly-stopped',
} as const;

export type RestartName = 'no' | 'always' | 'on-failure' | 'unless-stopped';
export interface RestartPolicy {
  name: RestartName;
  /** on-failure's retry limit; 0 = no limit (docker's on-failure without :N). */
  maxRetries: number;
}

export const RESTART_FORM = /^(no|always|unless-stopped|on-failure(:\d{1,6})?)$/;

/** `no|always|unless-stopped|on-failure[:N]` (docker's --restart), or null when malformed. */
export function parseRestartPolicy(s: string): RestartPolicy | null {
  if (!RESTART_FORM.test(s)) return null;
  const [name, n] = s.split(':') as [RestartName, string | undefined];
  return { name, maxRetries: n === undefined ? 0 : Number(n) };
}

/** How a container's restarts are carried out, from the monitor's capabilities. */
export type RestartDriver = 'monitor' | 'app' | 'none';

/**
 * always / unless-stopped go to the monitor on every version (a user's stop is kept by flipping
 * restart.status); on-failure only when the monitor lists it, else the app watches the exits.
 */
export function restartDriver(p: RestartPolicy, capabilities: string[]): RestartDriver {
  if (p.name === 'no') return 'none';
  if (p.name === 'on-failure') return capabilities.includes('on-failure') ? 'monitor' : 'app';
  return 'monitor';
}

/**
 * The labels a new container carries for its policy. restart.status=running is not among them:
 * it is set once our task runs (markExplicitStart), or the monitor would race us to create it.
 */
export function restartLabels(
  p: RestartPolicy,
  driver: RestartDriver,
  logUri: string,
): Record<string, string> {
  if (driver === 'none') return {};
  const policy = p.name === 'on-failure' && p.maxRetries ? `on-failure:${p.maxRetries}` : p.name;
  return {
    [RESTART_LABELS.policy]: policy,
    [RESTART_LABELS.logUri]: logUri,
    [DRIVER_LABEL]: driver,
  };
}

/** The restart plugin's capabilities; containerd 1.6 lists none, which means "always" (as nerdctl reads it). */
export async function monitorCapabilities(c: ContainerdClient): Promise<string[]> {
  const r = await c.call(
    IntrospectionService.plugins,
    PluginsRequest.create({ filters: ['id==restart'] }),
  );
  const p = r.plugins.find((x) => x.type.startsWith('io.containerd.') && x.id === 'restart');
  if (!p || p.init_err)
    throw new InsideError(
      'failed-precondition',
      "containerd's restart monitor plugin is not loaded",
      'Remove "io.containerd.internal.v1.restart" from disabled_plugins (cdesk daemon config shows the config), or run without --restart.',
    );
  return p.capabilities.length ? p.capabilities : ['always'];
}

/** Set (string) or delete (null) labels on a container, touching no other field. */
export async function updateLabels(
  c: ContainerdClient,
  namespace: string,
  id: string,
  labels: Record<string, string | null>,
): Promise<void> {
  const keys = Object.keys(labels);
  if (!keys.length) return;
  const set: Record<string, string> = {};
  for (const [k, v] of Object.entries(labels)) if (v !== null) set[k] = v;
  await c.call(
    ContainersService.update,
    UpdateContainerRequest.create({
      container: Container.create({ id, labels: set }),
      update_mask: keys.map((k) => `labels.${k}`),
    }),
    { namespace },
  );
}

const hasPolicy = (ct: Container) => !!ct.labels[RESTART_LABELS.policy];

/** Ours: which of the two carries out this container's policy (restart.status is removed on a stop). */
export const DRIVER_LABEL = 'containerd-desktop/restart-driver';

/**
 * Before a user's stop: neither the monitor nor the app's on-failure may start it again. The
 * status label goes (the monitor then ignores the container) rather than becoming "stopped",
 * which would have the monitor SIGKILL the task during our graceful stop.
 */
export async function markExplicitStop(
  c: ContainerdClient,
  namespace: string,
  id: string,
): Promise<void> {
  const ct = await getContainer(c, namespace, id).catch(() => null);
  if (!ct || !hasPolicy(ct)) return;
  await updateLabels(c, namespace, id, {
    [RESTART_LABELS.explicitlyStopped]: 'true',
    [RESTART_LABELS.status]: null,
  });
}

/**
 * Before a start (ours): take the container off the monitor's list, so it does not create a task
 * while we do (it kills a task it finds "created" where it wants "running").
 */
export async function holdMonitor(c: ContainerdClient, namespace: string, ct: Container) {
  if (ct.labels[RESTART_LABELS.status])
    await updateLabels(c, namespace, ct.id, { [RESTART_LABELS.status]: null });
}

/** After a user's start: the policy applies again, its retry count from zero (as docker's start). */
export async function markExplicitStart(
  c: ContainerdClient,
  namespace: string,
  ct: Container,
): Promise<void> {
  if (!hasPolicy(ct)) return;
  await updateLabels(c, namespace, ct.id, {
    [RESTART_LABELS.explicitlyStopped]: null,
    [RESTART_LABELS.count]: null,
    ...(ct.labels[DRIVER_LABEL] === 'monitor' ? { [RESTART_LABELS.status]: 'running' } : {}),
  });
}

/** docker's delay before the next on-failure restart: 100 ms doubling, at most 10 s. */
export function onFailureDelayMs(count: number): number {
  return Math.min(100 * 2 ** Math.min(count, 10), 10_000);
}

/**
 * What to do after a task exit of an app-driven on-failure container: restart (count = the
 * restart number) or nothing. Pure: the labels and the exit status decide.
 */
export function onFailureDecision(
  labels: Record<string, string>,
  exitStatus: number,
): { restart: false } | { restart: true; count: number } {
  if (labels[DRIVER_LABEL] !== 'app') return { restart: false }; // the monitor's job
  const p = parseRestartPolicy(labels[RESTART_LABELS.policy] ?? '');
  if (!p || p.name !== 'on-failure') return { restart: false };
  if (labels[RESTART_LABELS.explicitlyStopped] === 'true' || exitStatus === 0)
    return { restart: false };
  const done = Number(labels[RESTART_LABELS.count] ?? '0') || 0;
  if (p.maxRetries && done >= p.maxRetries) return { restart: false };
  return { restart: true, count: done + 1 };
}

/** A task exited: restart it when its on-failure policy says so (best effort; errors logged). */
export function onFailureAfterExit(
  ready: () => ContainerdClient,
  namespace: string,
  id: string,
  exitStatus: number,
  start: (c: ContainerdClient, namespace: string, id: string) => Promise<unknown>,
  logError: (message: string, err: unknown) => void,
): void {
  void (async () => {
    const ct = await getContainer(ready(), namespace, id);
    const d = onFailureDecision(ct.labels, exitStatus);
    if (!d.restart) return;
    await new Promise((r) => setTimeout(r, onFailureDelayMs(d.count - 1)));
    const c = ready();
    // A stop or rm may have come in while we waited.
    const now = await getContainer(c, namespace, id);
    if (!onFailureDecision(now.labels, exitStatus).restart) return;
    await updateLabels(c, namespace, id, { [RESTART_LABELS.count]: String(d.count) });
    await start(c, namespace, id);
  })().catch((err: unknown) => {
    // Removed meanwhile, or the exit was an exec's and the task still runs.
    if (
      err instanceof InsideError &&
      (err.code === 'not-found' || err.code === 'failed-precondition')
    )
      return;
    logError(`restarting container ${id} after its exit (on-failure) failed`, err);
  });
}
