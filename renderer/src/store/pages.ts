// The window's pages, in sidebar order: ids and names (components/nav-icons.tsx draws their icons).
import { LOCAL_HOST } from '../../../common/hosts';
export const PAGES = [
  { id: 'status', label: 'Status' },
  { id: 'containers', label: 'Containers' },
  { id: 'images', label: 'Images' },
  { id: 'plugins', label: 'Plugins' },
  { id: 'activity', label: 'Activity' },
  { id: 'logs', label: 'Logs' },
  { id: 'settings', label: 'Settings' },
] as const;

export type PageId = (typeof PAGES)[number]['id'];

export function isPageId(v: string): v is PageId {
  return PAGES.some((p) => p.id === v);
}

/** The page every host's pages sit under in the sidebar: one row per host. */
export const OVERVIEW_HASH = '#/overview';

export function isOverviewHash(hash: string): boolean {
  return hash.replace(/^#\/?/, '').split(/[/?]/)[0] === 'overview';
}

/**
 * The host a hash names and the page route under it: "#/@far/containers" → far, "#/containers";
 * a hash without "@" is this machine's (today's routes stay as they were).
 */
export function splitHostHash(hash: string): { host: string | null; rest: string } {
  const m = /^#\/?@([^/]*)(\/.*)?$/.exec(hash);
  if (!m) return { host: null, rest: hash };
  let host: string;
  try {
    host = decodeURIComponent(m[1] ?? '');
  } catch {
    return { host: null, rest: `#${m[2] ?? '/'}` };
  }
  return { host: host || null, rest: `#${m[2] ?? '/'}` };
}

/** A page route on `host`: unchanged for this machine, "#/@far/…" for another. */
export function withHost(host: string, hash: string): string {
  if (host === LOCAL_HOST) return hash;
  const path = hash.replace(/^#\/?/, '');
  return `#/@${encodeURIComponent(host)}${path ? `/${path}` : ''}`;
}

/** "#/containers" (or a page under it, "#/containers/default/web", on any host) → "containers"; anything else → null (so a bad hash falls back to Status). */
export function pageFromHash(hash: string): PageId | null {
  const id = splitHostHash(hash).rest.replace(/^#\/?/, '').split('/')[0] ?? '';
  return isPageId(id) ? id : null;
}

/** The tabs of a container's page, in order. */
export const CONTAINER_TABS = ['summary', 'logs', 'inspect', 'terminal', 'stats'] as const;
export type ContainerTab = (typeof CONTAINER_TABS)[number];

export interface ContainerRoute {
  namespace: string;
  id: string;
  tab: ContainerTab;
}

/** "#/containers/NS/ID[/TAB]" → the container page's route; null for anything else. */
export function containerRouteFromHash(hash: string): ContainerRoute | null {
  const parts = splitHostHash(hash).rest.replace(/^#\/?/, '').split('/');
  if (parts[0] !== 'containers' || parts.length < 3 || parts.length > 4) return null;
  let namespace: string;
  let id: string;
  try {
    namespace = decodeURIComponent(parts[1] ?? '');
    id = decodeURIComponent(parts[2] ?? '');
  } catch {
    return null;
  }
  if (!namespace || !id) return null;
  const tab = (parts[3] ?? 'summary') as ContainerTab;
  return CONTAINER_TABS.includes(tab) ? { namespace, id, tab } : null;
}

export function containerHash(
  r: { namespace: string; id: string; tab?: ContainerTab },
  host: string = LOCAL_HOST,
): string {
  const tab = r.tab && r.tab !== 'summary' ? `/${r.tab}` : '';
  return withHost(
    host,
    `#/containers/${encodeURIComponent(r.namespace)}/${encodeURIComponent(r.id)}${tab}`,
  );
}
