// Which namespace a host's pages open on when nothing was chosen for it: Kubernetes nodes keep everything in k8s.io.
/** k8s.io when the host has it, else default when it has that, else the first; null for none. */
export function preferredNamespace(names: readonly string[]): string | null {
  if (names.includes('k8s.io')) return 'k8s.io';
  if (names.includes('default')) return 'default';
  return names[0] ?? null;
}
