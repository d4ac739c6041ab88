// On a read-only (agentless) host, open on the namespace its containers live in (k8s.io on a Kubernetes node), once per visit.
import { useEffect, useRef } from 'react';
import { useHostScope } from '../store/hosts-context';
import { useInside, useInsideStore } from '../store/inside-context';
import { preferredNamespace } from '../store/preferred-namespace';

export function PreferNamespace() {
  const { readOnly } = useHostScope();
  const store = useInsideStore();
  const namespaces = useInside((s) => s.namespaces);
  const done = useRef(false);
  useEffect(() => {
    if (!readOnly || done.current || !namespaces) return;
    done.current = true;
    const want = preferredNamespace(namespaces.map((n) => n.name));
    if (want) store.setNamespace(want);
  }, [readOnly, namespaces, store]);
  return null;
}
