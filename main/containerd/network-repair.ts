// After containerd starts: bridge containers its restart monitor is to keep running, whose netns a
// reboot took (the state dir is emptied), get theirs back, so the monitor's next start succeeds.
import { existsSync } from 'node:fs';
import {
  ContainersService,
  ListContainersRequest,
} from '../shared/api/services/containers/v1/containers';
import type { ContainerdClient } from './client';
import {
  attachBridge,
  checkPorts,
  cniBinDir,
  createNetns,
  detachNetwork,
  netnsFile,
} from './container-network';
import { RESTART_LABELS, updateLabels } from './restart-policy';
import { listNamespaceNames } from './reads';
import { LABELS, type RunContext } from './run';
import { runPayload, type RunPayload } from '../../common/container-commands';

/** The published ports a container was run with (its label), [] when absent or unreadable. */
export function portsOf(labels: Record<string, string>): NonNullable<RunPayload['ports']> {
  try {
    return runPayload.shape.ports.parse(JSON.parse(labels[LABELS.ports] ?? '[]')) ?? [];
  } catch {
    return [];
  }
}

/** Returns the ids (NS/ID) given a network again; a failure for one is logged and the rest go on. */
export async function repairNetworks(
  c: ContainerdClient,
  ctx: RunContext,
  logError: (message: string, err: unknown) => void,
): Promise<string[]> {
  const done: string[] = [];
  for (const { name: namespace } of await listNamespaceNames(c)) {
    const r = await c.call(
      ContainersService.list,
      ListContainersRequest.create({
        filters: [`labels."${LABELS.net}"==bridge,labels."${RESTART_LABELS.status}"==running`],
      }),
      { namespace },
    );
    for (const ct of r.containers) {
      const file = netnsFile(ctx, namespace, ct.id);
      if (existsSync(file)) continue;
      try {
        const dir = await cniBinDir(ctx);
        const ports = portsOf(ct.labels);
        await checkPorts(ctx, ports);
        await createNetns(ctx, namespace, ct.id);
        const { ip } = await attachBridge(ctx, dir, namespace, ct.id, file, ports);
        if (ip) await updateLabels(c, namespace, ct.id, { [LABELS.ip]: ip });
        done.push(`${namespace}/${ct.id}`);
      } catch (err) {
        await detachNetwork(ctx, namespace, ct.id).catch(() => undefined);
        logError(`restoring the bridge network of container ${ct.id} failed`, err);
      }
    }
  }
  return done;
}
