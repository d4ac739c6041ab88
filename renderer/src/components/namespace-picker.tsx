// The namespace select in each inside page header, with counts ("default (3)"); the choice is
// remembered and in the page address. One list for every page: containerd's, plus the chosen one.
import type { NamespaceInfo } from '../../../common/containerd';
import { useInside, useInsideStore } from '../store/inside-context';
import { ALL_NAMESPACES } from '../store/inside-state';

/** The namespaces every picker offers: containerd's list, and the chosen one even when it is empty. */
export function namespaceChoices(
  namespaces: readonly NamespaceInfo[] | null,
  chosen: string,
): NamespaceInfo[] {
  const list = namespaces ?? [];
  return chosen === ALL_NAMESPACES || list.some((n) => n.name === chosen)
    ? [...list]
    : [{ name: chosen, labels: {}, containers: 0, images: 0 }, ...list];
}

/** "default", or "all namespaces" for the "*" choice: how a sentence names it. */
export function namespaceLabel(namespace: string): string {
  return namespace === ALL_NAMESPACES ? 'all namespaces' : namespace;
}

export function NamespacePicker(props: { count: 'containers' | 'images' }) {
  const store = useInsideStore();
  const namespace = useInside((s) => s.namespace);
  const namespaces = useInside((s) => s.namespaces);
  const names = namespaceChoices(namespaces, namespace);
  const total = names.reduce((n, x) => n + x[props.count], 0);
  return (
    <label className="iv-ns-picker">
      Namespace{' '}
      <select
        data-testid="namespace-picker"
        value={namespace}
        onChange={(e) => store.setNamespace(e.target.value)}
      >
        {names.map((n) => (
          <option key={n.name} value={n.name}>
            {namespaces ? `${n.name} (${n[props.count]})` : n.name}
          </option>
        ))}
        <option value={ALL_NAMESPACES}>
          {namespaces ? `All namespaces (${total})` : 'All namespaces'}
        </option>
      </select>
    </label>
  );
}

/** "41 images in k8s.io · switch": where things are when this namespace is empty. */
export function ElsewhereHint(props: { count: 'containers' | 'images'; noun: string }) {
  const store = useInsideStore();
  const namespace = useInside((s) => s.namespace);
  const namespaces = useInside((s) => s.namespaces);
  const other = (namespaces ?? [])
    .filter((n) => n.name !== namespace && n[props.count] > 0)
    .sort((a, b) => b[props.count] - a[props.count])[0];
  if (!other) return null;
  const n = other[props.count];
  return (
    <p data-testid="elsewhere">
      {n} {props.noun}
      {n === 1 ? '' : 's'} in {other.name} ·{' '}
      <button type="button" className="link" onClick={() => store.setNamespace(other.name)}>
        switch to {other.name}
      </button>
    </p>
  );
}
