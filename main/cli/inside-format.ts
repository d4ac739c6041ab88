// Terminal formatting and shared flags for the inside-containerd commands (ps, images, plugins, events…).
import type {
  ContainerInfo,
  ContainerdEvent,
  ImageInfo,
  PluginInfo,
  Problem,
  SnapshotterUsage,
} from '../../common/containerd';
import { nameProblem, NAMESPACE_RULE } from '../../common/container-names';
import { preferredNamespace } from '../../common/hosts';
import type { ControlClient } from '../control-socket/control-client';
import { UsageError, type FlagSpec, type Parsed } from './args';
import { formatElapsed } from './format-status';
import { formatBytes as bytes } from '../../common/format-bytes';

export interface InsideOutputOptions {
  /** Escape control characters in containerd's data (stdout is a terminal). Default: process.stdout.isTTY. */
  tty?: boolean;
}

export const NAMESPACE_FLAG: Record<string, FlagSpec> = {
  namespace: { type: 'string', short: 'n' },
};
export const NAMESPACE_HELP =
  '  -n, --namespace NS  containerd namespace (default: default; k8s.io on an agentless host that has it)\n';

/** The -n value, validated like containerd does (exit 2 on a bad one). */
export function namespaceFlag(flags: Parsed['flags']): string {
  const v = flags.namespace;
  if (v === undefined) return 'default';
  if (typeof v !== 'string') throw new UsageError('--namespace needs a value');
  const problem = nameProblem(v, NAMESPACE_RULE);
  if (problem !== null) throw new UsageError(`--namespace ${v}: ${problem}`);
  return v;
}

/**
 * -n's value; without -n, the namespace the host shows first: `k8s.io` on an agentless host (a
 * Kubernetes node) that has it, else `default`.
 */
export async function namespaceOn(flags: Parsed['flags'], client: ControlClient): Promise<string> {
  if (flags.namespace !== undefined || client.readOnly === undefined) return namespaceFlag(flags);
  const r = await client.invoke('namespaces:list', {});
  return r.ok ? preferredNamespace(r.value.namespaces, 'agentless') : namespaceFlag(flags);
}

/** Exactly one positional argument (ID, NAME). */
export function onePositional(p: Parsed, what: string): string {
  if (p.positionals.length === 0) throw new UsageError(`missing ${what}`);
  if (p.positionals.length > 1) throw new UsageError(`unexpected argument ${p.positionals[1]}`);
  return p.positionals[0]!;
}

/** Left-aligned columns, two spaces apart (like ctr's tabwriter output). */
export function table(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) =>
    r
      .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(head), ...rows.map(line)].join('\n') + '\n';
}

/** Bytes like ctr shows them; '-' when unknown. */
export function formatBytes(n: number | null): string {
  return n === null ? '-' : bytes(n);
}

const ago = (at: number, now: number) => (at ? `${formatElapsed(now - at)} ago` : '-');

function taskText(c: ContainerInfo, now: number): string {
  const t = c.task;
  if (!t) return 'created (no task)';
  if (t.status === 'stopped')
    return `exited (${t.exitStatus ?? '?'})${t.exitedAt ? ` ${ago(t.exitedAt, now)}` : ''}`;
  if (t.status === 'not-responding') return 'not responding (shim timed out)';
  return t.status;
}

export function formatContainers(cs: ContainerInfo[], now = Date.now()): string {
  return table(
    ['CONTAINER', 'IMAGE', 'STATUS', 'PID', 'CREATED'],
    cs.map((c) => [
      c.id,
      c.image || '-',
      taskText(c, now),
      // An exited task's pid names no process any more (and may be reused): none to show.
      c.task?.pid && c.task.status !== 'stopped' ? String(c.task.pid) : '-',
      ago(c.createdAt, now),
    ]),
  );
}

export function formatImages(
  images: ImageInfo[],
  total: number,
  snaps: SnapshotterUsage[],
  now = Date.now(),
): string {
  const body = table(
    ['REF', 'DIGEST', 'SIZE', 'CREATED', 'USED BY'],
    images.map((i) => [
      i.name,
      i.digest.slice(0, 19),
      formatBytes(i.size),
      ago(i.createdAt, now),
      i.usedBy.join(',') || '-',
    ]),
  );
  const disk = snaps
    .filter((s) => s.snapshots > 0 || s.bytes === null)
    .map(
      (s) =>
        `${s.snapshotter} ${s.bytes === null ? 'unavailable' : `${formatBytes(s.bytes)} in ${s.snapshots} snapshots`}`,
    );
  return `${body}\n${images.length} image${images.length === 1 ? '' : 's'}, ${formatBytes(total)}${disk.length ? `; on disk: ${disk.join(', ')}` : ''}\n`;
}

export function formatProblems(problems: Problem[]): string {
  if (!problems.length) return 'problems: none\n';
  return (
    'problems:\n' +
    problems
      .map(
        (p) =>
          `  ${p.severity.toUpperCase()}  ${p.message}\n    hint: ${p.hint}\n${
            p.fix
              ? `    fix: ${p.fix.label} (cdesk settings set ${Object.entries(p.fix.settingsPatch)
                  .map(([k, v]) => `${k} ${String(v)}`)
                  .join(' ')})\n`
              : ''
          }`,
      )
      .join('')
  );
}

export function formatPlugins(plugins: PluginInfo[]): string {
  return table(
    ['TYPE', 'ID', 'STATUS', 'INIT ERROR'],
    plugins.map((p) => [p.type, p.id, p.status, p.initError ?? '']),
  );
}

/** One event per line: time, namespace, topic and the ids the payload names. */
export function formatEvent(e: ContainerdEvent): string {
  const parts = [
    e.containerId && `container=${e.containerId}`,
    e.image && `image=${e.image}`,
    e.key && `key=${e.key}`,
    e.pid && `pid=${e.pid}`,
    e.exitStatus !== undefined && `exit=${e.exitStatus}`,
  ].filter(Boolean);
  return `${new Date(e.at).toISOString()}  ${e.namespace || '-'}  ${e.topic}${parts.length ? `  ${parts.join(' ')}` : ''}\n`;
}
