// Formatting for the inside views: status chips, short ids and digests, image names, sizes, ages.
import type { ContainerInfo } from '../../../common/containerd';
import type { LastExit } from '../store/inside-reduce';
import { formatDuration } from './format';
import { formatBytes as bytes } from '../../../common/format-bytes';

/** exited-ok: exit status 0, which is not an alarm. */
export type ChipKind = 'running' | 'created' | 'paused' | 'exited' | 'exited-ok' | 'unknown';

export interface Chip {
  kind: ChipKind;
  icon: string;
  text: string;
}

/** The status chip of a container: icon + text, never colour alone. */
export function containerChip(c: ContainerInfo, lastExit?: LastExit): Chip {
  const t = c.task;
  if (!t) {
    if (lastExit)
      return {
        kind: lastExit.exitStatus === 0 ? 'exited-ok' : 'exited',
        icon: '✕',
        text: `Exited (${lastExit.exitStatus})`,
      };
    return { kind: 'created', icon: '■', text: 'Created' };
  }
  switch (t.status) {
    case 'running':
      return { kind: 'running', icon: '●', text: 'Running' };
    case 'created':
      return { kind: 'created', icon: '■', text: 'Created' };
    case 'paused':
      return { kind: 'paused', icon: '❚❚', text: 'Paused' };
    case 'pausing':
      return { kind: 'paused', icon: '❚❚', text: 'Pausing' };
    case 'stopped':
      return {
        kind: t.exitStatus === 0 ? 'exited-ok' : 'exited',
        icon: '✕',
        text: t.exitStatus === null ? 'Exited' : `Exited (${t.exitStatus})`,
      };
    case 'not-responding':
      return { kind: 'unknown', icon: '?', text: 'Not responding' };
    default:
      return { kind: 'unknown', icon: '?', text: 'Unknown' };
  }
}

export const isRunning = (c: ContainerInfo) => c.task?.status === 'running';

/** What a row can do right now (the server refuses the rest anyway). */
export function containerActions(c: ContainerInfo): {
  stop: boolean;
  kill: boolean;
  delete: boolean;
} {
  const s = c.task?.status;
  const alive = s === 'running' || s === 'created' || s === 'paused' || s === 'pausing';
  return { stop: alive, kill: alive, delete: !c.task || s === 'stopped' };
}

/** Running first, then paused/created, then the rest; by id within each group. */
export function containerRank(c: ContainerInfo): number {
  const s = c.task?.status;
  if (s === 'running') return 0;
  if (s === 'paused' || s === 'pausing' || s === 'not-responding') return 1;
  if (s === 'created') return 2;
  return 3;
}

export function compareContainers(a: ContainerInfo, b: ContainerInfo): number {
  return containerRank(a) - containerRank(b) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/** 64-hex ids and digests are shortened; readable names stay as they are. */
export function shortId(id: string): string {
  return /^[0-9a-f]{64}$/.test(id) ? id.slice(0, 12) : id;
}

/** sha256:abcdef… → abcdef012345 */
export function shortDigest(digest: string): string {
  const hex = digest.includes(':') ? digest.slice(digest.indexOf(':') + 1) : digest;
  return hex.slice(0, 12);
}

/** docker.io/library/busybox:latest → { repository, tag }; a digest reference has tag "<none>". */
export function splitImageName(name: string): { repository: string; tag: string } {
  const at = name.indexOf('@');
  if (at >= 0) return { repository: name.slice(0, at), tag: '<none>' };
  const slash = name.lastIndexOf('/');
  const colon = name.lastIndexOf(':');
  if (colon > slash) return { repository: name.slice(0, colon), tag: name.slice(colon + 1) };
  return { repository: name, tag: 'latest' };
}

/** Bytes in the units `ctr` and people use: 4.2 MiB; '—' when unknown. */
export function formatBytes(n: number | null): string {
  return n === null ? '—' : bytes(n);
}

/** The time column: "up 5m 3s", "exited 2m ago", "created 1h ago". */
export function containerAge(
  c: ContainerInfo,
  now: number,
  startedAt: number | undefined,
  lastExit: LastExit | undefined,
): { text: string; title: string } {
  const s = c.task?.status;
  if (s === 'running' || s === 'paused' || s === 'pausing') {
    // The process's own start time beats when the window happened to see it start.
    startedAt = c.task?.startedAt ?? startedAt;
    if (startedAt !== undefined)
      return {
        text: `up ${formatDuration(now - startedAt)}`,
        title: new Date(startedAt).toLocaleString(),
      };
    return {
      text: 'up —',
      title: 'start time unknown: the task started before Containerd Desktop was watching',
    };
  }
  const exitedAt = c.task?.exitedAt ?? lastExit?.exitedAt ?? null;
  if (exitedAt)
    return {
      text: `exited ${formatDuration(now - exitedAt)} ago`,
      title: new Date(exitedAt).toLocaleString(),
    };
  return {
    text: `created ${formatDuration(now - c.createdAt)} ago`,
    title: new Date(c.createdAt).toLocaleString(),
  };
}

/** "1 container" / "3 containers" */
export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
