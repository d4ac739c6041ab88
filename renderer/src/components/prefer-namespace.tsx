// On an agentless host (a Kubernetes node), open on the namespace its containers live in (k8s.io), once per visit.
import { useEffect, useRef } from 'react';
import { useHostRow } from '../store/hosts-context';
import { useInside, useInsideStore } from '../store/inside-context';
import { preferredNamespace } from '../../../common/hosts';

export function PreferNamespace() {
  const kind = useHostRow()?.kind;
  const store = useInsideStore();
  const namespaces = useInside((s) => s.namespaces);
  const done = useRef(false);
  useEffect(() => {
    // Other hosts keep the namespace the person chose last.
    if (kind !== 'agentless' || done.current || !namespaces) return;
    done.current = true;
    store.setNamespace(preferredNamespace(namespaces, kind));
  }, [kind, namespaces, store]);
  return null;
}
