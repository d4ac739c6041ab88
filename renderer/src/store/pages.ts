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

/** "#/containers" → "containers"; anything else → null (so a bad hash falls back to Status). */
export function pageFromHash(hash: string): PageId | null {
  const id = hash.replace(/^#\/?/, '');
  return isPageId(id) ? id : null;
}
