// The Images page's disk panel: what `cdesk system df` shows for the namespace, and one "Clean up…"
// that previews what `cdesk system prune` would remove (and the bytes) before it removes anything.
import { useCallback, useState } from 'react';
import type { PruneResult } from '../../../common/containerd';
import type { ContractError } from '../../../common/contract';
import { call } from '../store/inside-call';
import { useInside, useInsideStore } from '../store/inside-context';
import { useWriteBlock } from '../store/hosts-context';
import { ALL_NAMESPACES, isConnected } from '../store/inside-state';
import { ConfirmDialog } from './confirm-dialog';
import { useSettledRead } from './hooks';
import { formatBytes, plural } from './inside-format';
import { LinkedText } from './linked-text';

/** Wait this long after a change before reading again: a burst of events is one read. */
/** Names listed in the preview; the rest are counted (the bytes cover them all). */
const PREVIEW_NAMES = 12;

type Preview = { all: boolean; value: PruneResult } | null;

function Names(props: { kind: string; testId: string; names: string[] }) {
  if (!props.names.length) return null;
  const shown = props.names.slice(0, PREVIEW_NAMES);
  const more = props.names.length - shown.length;
  return (
    <>
      <p>{plural(props.names.length, props.kind)}:</p>
      <ul className="iv-confirm-list" data-testid={props.testId}>
        {shown.map((n) => (
          <li key={n} className="iv-mono">
            {n}
          </li>
        ))}
        {more > 0 && <li className="muted">… and {more} more</li>}
      </ul>
    </>
  );
}

export function DiskPanel() {
  const inside = useInsideStore();
  const namespace = useInside((s) => s.namespace);
  // Images and containers change what df says: read again after either list changes.
  const images = useInside((s) => s.images.value);
  const namespaces = useInside((s) => s.namespaces);
  const block = useWriteBlock();
  const connected = useInside(isConnected);
  const [preview, setPreview] = useState<Preview>(null);
  /** The dialog's "every unused image" box: its own state, so it follows the click at once. */
  const [all, setAll] = useState(false);
  const [busy, setBusy] = useState<'preview' | 'prune' | null>(null);
  const [outcome, setOutcome] = useState<
    { ok: true; value: PruneResult } | { ok: false; error: ContractError } | null
  >(null);
  const [reads, setReads] = useState(0);
  const everywhere = namespace === ALL_NAMESPACES;

  const usage = useSettledRead(
    everywhere || !connected ? null : () => call(inside.client, 'system:df', { namespace }),
    [inside, namespace, images, namespaces, reads],
  );

  const ask = useCallback(
    async (all: boolean) => {
      setBusy('preview');
      setOutcome(null);
      const r = await call(inside.client, 'system:prune', { namespace, all, dryRun: true });
      setBusy(null);
      if (r.ok) setPreview({ all, value: r.value });
      else setOutcome(r);
    },
    [inside, namespace],
  );

  const prune = async (all: boolean) => {
    setPreview(null);
    setBusy('prune');
    const r = await call(inside.client, 'system:prune', { namespace, all });
    setBusy(null);
    setOutcome(r);
    setReads((n) => n + 1);
    if (r.ok) void inside.reload('images');
  };

  if (everywhere)
    return (
      <p className="dp-panel muted" data-testid="disk-panel">
        Disk use is per namespace: pick one above to see it and clean up.
      </p>
    );
  const v = usage.value;
  const reclaimable = v ? v.images.reclaimableBytes + v.containers.reclaimableBytes : 0;
  return (
    <section className="dp-panel" aria-label={`Disk use of ${namespace}`} data-testid="disk-panel">
      {v ? (
        <dl className="dp-figures">
          {[
            {
              label: 'Images',
              id: 'images',
              value: (
                <>
                  {v.images.count}
                  <span className="muted"> · {v.images.unused} unused</span>
                </>
              ),
            },
            { label: 'Content', id: 'content', bytes: v.images.contentBytes },
            { label: 'Unpacked', id: 'unpacked', bytes: v.images.unpackedBytes },
            {
              label: 'Containers',
              id: 'containers',
              value: (
                <>
                  {v.containers.count}
                  <span className="muted">
                    {' '}
                    · {v.containers.running} running · {formatBytes(v.containers.bytes)}
                  </span>
                </>
              ),
            },
            {
              label: 'Reclaimable',
              id: 'reclaimable',
              bytes: reclaimable,
              title: 'What Clean up… with “every unused image” could free',
            },
          ].map((f) => (
            <div key={f.id}>
              <dt title={f.title}>{f.label}</dt>
              <dd
                className={f.bytes === undefined ? undefined : 'iv-mono'}
                data-testid={`df-${f.id}`}
              >
                {f.bytes === undefined ? f.value : formatBytes(f.bytes)}
              </dd>
            </div>
          ))}
        </dl>
      ) : usage.error ? (
        <span className="muted">
          Disk use: <LinkedText text={usage.error.message} />
        </span>
      ) : (
        <span className="muted">Disk use: reading…</span>
      )}
      <button
        type="button"
        className="dp-clean"
        aria-busy={busy ? true : undefined}
        disabled={!connected || !!block}
        title={block ? `Clean up…: ${block}` : undefined}
        onClick={() => {
          if (busy) return;
          setAll(false);
          void ask(false);
        }}
      >
        {busy === 'preview' ? 'Checking…' : busy === 'prune' ? 'Cleaning up…' : 'Clean up…'}
      </button>
      {outcome && (
        <p
          className={outcome.ok ? 'dp-outcome' : 'dp-outcome iv-inline-error'}
          role={outcome.ok ? 'status' : 'alert'}
          data-testid="prune-outcome"
        >
          {outcome.ok ? (
            <>
              Removed {plural(outcome.value.containers.length, 'container')} and{' '}
              {plural(outcome.value.images.length, 'image')}; freed{' '}
              {formatBytes(outcome.value.bytes)}.
            </>
          ) : (
            <>
              <LinkedText text={outcome.error.message} />{' '}
              <span className="muted">
                — <LinkedText text={outcome.error.hint} />
              </span>
            </>
          )}{' '}
          <button type="button" className="link" onClick={() => setOutcome(null)}>
            Dismiss
          </button>
        </p>
      )}
      {preview && (
        <ConfirmDialog
          title={`Clean up namespace ${namespace}?`}
          confirmLabel="Clean up"
          onCancel={() => setPreview(null)}
          onConfirm={() => {
            if (preview.all === all) void prune(all);
          }}
        >
          <label className="dp-all">
            <input
              type="checkbox"
              data-testid="prune-all"
              checked={all}
              onChange={(e) => {
                setAll(e.target.checked);
                void ask(e.target.checked);
              }}
            />{' '}
            Also remove every image no container uses (not only untagged ones)
          </label>
          {preview.all !== all ? (
            <p className="muted">Checking what would go…</p>
          ) : (
            <>
              {preview.value.containers.length || preview.value.images.length ? (
                <>
                  <p>This removes from {namespace}:</p>
                  <Names
                    kind="stopped container"
                    testId="prune-containers"
                    names={preview.value.containers}
                  />
                  <Names kind="image" testId="prune-images" names={preview.value.images} />
                </>
              ) : (
                <p>
                  Nothing to remove: no stopped containers and no{' '}
                  {preview.all ? 'unused' : 'untagged'} images.
                </p>
              )}
              <p data-testid="prune-bytes">
                Frees about <strong>{formatBytes(preview.value.bytes)}</strong>; containerd’s
                garbage collection then runs.
              </p>
            </>
          )}
        </ConfirmDialog>
      )}
    </section>
  );
}
