// Finds the headless-mode access token in the page address (?token=… or #token=…).

/** The token from the query string, else from the hash; null if neither has one. */
export function tokenFromLocation(loc: Pick<Location, 'search' | 'hash'>): string | null {
  const fromQuery = new URLSearchParams(loc.search).get('token');
  if (fromQuery) return fromQuery;
  const hash = loc.hash.startsWith('#') ? loc.hash.slice(1) : loc.hash;
  const fromHash = new URLSearchParams(hash).get('token');
  return fromHash || null;
}

/** ws(s)://host/ws?token=… for the page's own origin. */
export function wsUrlFor(loc: Pick<Location, 'protocol' | 'host' | 'search' | 'hash'>): string {
  const scheme = loc.protocol === 'https:' ? 'wss:' : 'ws:';
  const token = tokenFromLocation(loc);
  const query = token ? `?token=${encodeURIComponent(token)}` : '';
  return `${scheme}//${loc.host}/ws${query}`;
}
