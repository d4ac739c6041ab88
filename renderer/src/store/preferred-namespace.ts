// Which namespace a host's pages open on: Kubernetes nodes (agentless hosts) keep everything in k8s.io.
// The same rule as common/hosts.ts's preferredNamespace on the agentless branch; once both are
// merged this file can go and its one caller import that one.
import type { HostKind } from '../../../common/hosts';

export const K8S_NAMESPACE = 'k8s.io';

/** `k8s.io` on an agentless host that has it, else `default` (the one ctr, nerdctl and the app use). */
export function preferredNamespace(
  namespaces: readonly (string | { name: string })[],
  kind: HostKind,
): string {
  const names = namespaces.map((n) => (typeof n === 'string' ? n : n.name));
  if (kind === 'agentless' && names.includes(K8S_NAMESPACE)) return K8S_NAMESPACE;
  return 'default';
}
