// The window's pages, in sidebar order: ids and names (components/nav-icons.tsx draws their icons).
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

/** "#/containers" (or a page under it, "#/containers/default/web") → "containers"; anything else → null (so a bad hash falls back to Status). */
export function pageFromHash(hash: string): PageId | null {
  const id = hash.replace(/^#\/?/, '').split('/')[0] ?? '';
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
  const parts = hash.replace(/^#\/?/, '').split('/');
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

export function containerHash(r: { namespace: string; id: string; tab?: ContainerTab }): string {
  const tab = r.tab && r.tab !== 'summary' ? `/${r.tab}` : '';
  return `#/containers/${encodeURIComponent(r.namespace)}/${encodeURIComponent(r.id)}${tab}`;
}
