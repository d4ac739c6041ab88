// The namespace select in each inside page header, with counts ("default (3)"); the choice is remembered.
import { useInside, useInsideStore } from '../store/inside-context';

export function NamespacePicker(props: { count: 'containers' | 'images' }) {
  const store = useInsideStore();
  const namespace = useInside((s) => s.namespace);
  const namespaces = useInside((s) => s.namespaces);
  const list = namespaces ?? [];
  const names = list.some((n) => n.name === namespace)
    ? list
    : [{ name: namespace, labels: {}, containers: 0, images: 0 }, ...list];
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
