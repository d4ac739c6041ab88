// The Images page's Pull field (a reference, into the namespace the page's picker chose) and the
// pulls it follows: each with its layers, Cancel, and its error beside the field with the app's hint.
import { useMemo, useState } from 'react';
import { useInside } from '../store/inside-context';
import { useWriteBlock } from '../store/hosts-context';
import { ALL_NAMESPACES, isConnected } from '../store/inside-state';
import { usePullStore, usePulls } from '../store/pull-hooks';
import { isFinished, type PullEntry } from '../store/pulls-reduce';
import { LoadControl, TransferOutcomeLine } from './image-transfer';
import { LinkedText } from './linked-text';
import { PullCard } from './pull-progress';

/** The namespace a pull goes into: the picker's, or default while it shows every namespace. */
export function pullNamespace(picked: string): string {
  return picked === ALL_NAMESPACES ? 'default' : picked;
}

export function PullField() {
  const store = usePullStore();
  const picked = useInside((s) => s.namespace);
  const connected = useInside(isConnected);
  const block = useWriteBlock();
  const namespace = pullNamespace(picked);
  const [text, setText] = useState('');
  const last = usePulls((s) => (s.fieldPull ? s.pulls.get(s.fieldPull) : undefined));
  const failed = last?.phase === 'failed' ? last : undefined;

  const submit = () => {
    const ref = text.trim();
    if (!ref) return;
    void store.pull(namespace, ref).then((id) => {
      const p = store.getState().pulls.get(id);
      // Done: the field is free for the next one (unless the user typed something else meanwhile).
      if (p?.phase === 'done') setText((t) => (t.trim() === ref ? '' : t));
    });
  };

  return (
    <form
      className="pl-field"
      aria-label="Pull an image"
      onSubmit={(e) => {
        e.preventDefault();
        submit();
      }}
    >
      <label className="pl-label" htmlFor="pull-ref">
        Pull
      </label>
      <input
        id="pull-ref"
        data-testid="pull-ref"
        type="text"
        spellCheck={false}
        autoComplete="off"
        placeholder="alpine:3.20, ghcr.io/org/app:1.2, 127.0.0.1:5000/x/y:tag"
        value={text}
        aria-invalid={failed ? true : undefined}
        aria-describedby={failed ? 'pull-field-error' : undefined}
        onChange={(e) => setText(e.target.value)}
      />
      <button
        type="submit"
        disabled={!text.trim() || !connected || !!block}
        title={block ? `Pull: ${block}` : undefined}
      >
        Pull
      </button>
      <span className="muted pl-into">
        into <strong>{namespace}</strong>
      </span>
      {failed?.error && (
        <div
          id="pull-field-error"
          className="iv-inline-error pl-field-error"
          role="alert"
          data-testid="pull-field-error"
          data-code={failed.error.code}
        >
          <span aria-hidden="true">⚠</span> <LinkedText text={failed.error.message} />
          <span className="muted">
            {' '}
            — <LinkedText text={failed.error.hint} />
          </span>
        </div>
      )}
    </form>
  );
}

/** Pulls to show on the page: running ones, then finished ones, newest first; a failure the field already shows is not repeated. */
function visible(pulls: ReadonlyMap<string, PullEntry>, fieldPull: string | null): PullEntry[] {
  return [...pulls.values()]
    .filter((p) => !(p.pullId === fieldPull && p.phase === 'failed'))
    .sort((a, b) => Number(isFinished(a)) - Number(isFinished(b)) || b.startedAt - a.startedAt);
}

export function PullList() {
  const pulls = usePulls((s) => s.pulls);
  const fieldPull = usePulls((s) => s.fieldPull);
  const shown = useMemo(() => visible(pulls, fieldPull), [pulls, fieldPull]);
  if (!shown.length) return null;
  return (
    <section className="pl-list" aria-label="Pulls" data-testid="pull-list">
      {shown.map((p) => (
        <PullCard key={p.pullId} pull={p} />
      ))}
    </section>
  );
}

/** The Pull field, Load…, and the pulls below: what the Images page puts under its header. */
export function ImagePulls() {
  return (
    <div className="pl-area" data-testid="image-pulls">
      <div className="pl-row">
        <PullField />
        <LoadControl />
      </div>
      <TransferOutcomeLine />
      <PullList />
    </div>
  );
}
