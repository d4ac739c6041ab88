// Plugin health: the problems that matter (with a hint and maybe a fix) vs expected noise, from the plugin list.
import { readdirSync } from 'node:fs';
import type { PluginInfo, Problem } from '../../common/containerd';
import { expectedPluginNoise } from '../../common/plugin-noise';

export const CRI_PLUGIN = { type: 'io.containerd.grpc.v1', id: 'cri' };
export const DEFAULT_CNI_CONF_DIR = '/etc/cni/net.d';

export interface ProblemContext {
  /** The cri setting the running daemon was configured with. */
  cri: 'on' | 'off';
  /** Whether the CNI config dir holds a network config (null: not checked). */
  cniConfigured: boolean | null;
  cniConfDir?: string;
}

/** Plugins whose failure breaks containerd for a developer, and what to tell them. */
const ESSENTIAL: { type: string; id: string; problem: string; what: string; hint: string }[] = [
  {
    type: 'io.containerd.snapshotter.v1',
    id: 'overlayfs',
    problem: 'snapshotter-overlayfs',
    what: 'The default snapshotter (overlayfs)',
    hint: 'Images cannot be unpacked nor containers run. Put the root dir (rootDir setting) on a filesystem that supports overlay (ext4, xfs), not on overlay, tmpfs or NFS.',
  },
  {
    type: 'io.containerd.runtime.v2',
    id: 'task',
    problem: 'runtime-task',
    what: 'The task runtime (io.containerd.runtime.v2.task)',
    hint: 'Containers cannot start. Check the state dir (stateDir setting) is writable and that runc is installed (apt install runc).',
  },
  {
    type: 'io.containerd.content.v1',
    id: 'content',
    problem: 'content-store',
    what: 'The content store',
    hint: 'Nothing can be pulled or imported. Check the root dir (rootDir setting) is writable and has free space.',
  },
  {
    type: 'io.containerd.metadata.v1',
    id: 'bolt',
    problem: 'metadata-store',
    what: 'The metadata store (bolt)',
    hint: 'containerd cannot record containers or images. Check the root dir (rootDir setting) is writable; a corrupt meta.db may need to be moved away.',
  },
];

/** Errors that every stock containerd shows and that mean nothing to a developer. */
function isNoise(p: PluginInfo): boolean {
  return expectedPluginNoise(p) !== null;
}

/** True when `dir` holds a CNI network config (.conf, .conflist or .json), as CRI looks for one. */
export function hasCniConfig(dir = DEFAULT_CNI_CONF_DIR): boolean {
  try {
    return readdirSync(dir).some((f) => /\.(conf|conflist|json)$/.test(f));
  } catch {
    return false;
  }
}

const find = (plugins: PluginInfo[], type: string, id: string) =>
  plugins.find((p) => p.type === type && p.id === id);

/** The problems that matter, errors first; skipped plugins and unconfigured devmapper are not problems. */
export function deriveProblems(plugins: PluginInfo[], ctx: ProblemContext): Problem[] {
  const out: Problem[] = [];
  const essential = new Set<string>();
  for (const e of ESSENTIAL) {
    essential.add(`${e.type}/${e.id}`);
    const p = find(plugins, e.type, e.id);
    if (!p) {
      out.push({
        id: e.problem,
        severity: 'error',
        message: `${e.what} is not loaded (disabled?)`,
        hint: `Remove ${e.type}.${e.id} from the disabledPlugins setting and the overrides file. ${e.hint}`,
      });
    } else if (p.status !== 'ok') {
      out.push({
        id: e.problem,
        severity: 'error',
        message: `${e.what} failed to load: ${p.initError}`,
        hint: e.hint,
      });
    }
  }
  const cri = find(plugins, CRI_PLUGIN.type, CRI_PLUGIN.id);
  const criKey = `${CRI_PLUGIN.type}/${CRI_PLUGIN.id}`;
  essential.add(criKey);
  if (ctx.cri === 'on') {
    if (cri && cri.status === 'error') {
      out.push({
        id: 'cri-failed',
        severity: 'error',
        message: `CRI is on but its plugin failed to load: ${cri.initError}`,
        hint: 'Kubernetes tools (crictl, kubelet) cannot use this containerd. Fix the cause above, or turn CRI off in Settings.',
        fix: { label: 'Turn CRI off', settingsPatch: { cri: 'off' } },
      });
    } else if (cri && cri.status === 'ok' && ctx.cniConfigured === false) {
      const dir = ctx.cniConfDir ?? DEFAULT_CNI_CONF_DIR;
      out.push({
        id: 'cri-no-cni',
        severity: 'warning',
        message: `CRI is on but ${dir} has no network config: pods get no network`,
        hint: 'Install CNI plugins and a network config (apt install containernetworking-plugins), or turn CRI off in Settings.',
        fix: { label: 'Turn CRI off', settingsPatch: { cri: 'off' } },
      });
    }
  }
  for (const p of plugins) {
    if (p.status !== 'error' || essential.has(`${p.type}/${p.id}`) || isNoise(p)) continue;
    out.push({
      id: `plugin-${p.type}.${p.id}`,
      severity: 'warning',
      message: `Plugin ${p.type}.${p.id} failed to load: ${p.initError}`,
      hint: `Features that need ${p.id} are unavailable; if you do not use it, add ${p.type}.${p.id} to the disabledPlugins setting.`,
    });
  }
  return out.sort((a, b) => (a.severity === b.severity ? 0 : a.severity === 'error' ? -1 : 1));
}
