// Load… on the Images page and Save on an image row: Electron's file dialogs, or in headless mode
// an upload of the chosen file and a browser download; the outcome shows beside Load….
import { useRef, useSyncExternalStore } from 'react';
import type { ImageInfo } from '../../../common/containerd';
import { useHostScope } from '../store/hosts-context';
import { useInside, useInsideStore } from '../store/inside-context';
import { isConnected } from '../store/inside-state';
import type { TransferState } from '../store/transfer-store';
import { formatBytes, plural } from './inside-format';
import { LinkedText } from './linked-text';
import { pullNamespace } from './pull-field';

function useTransfers<T>(select: (s: TransferState) => T): T {
  const t = useInsideStore().transfers;
  return useSyncExternalStore(t.subscribe, () => select(t.getState()));
}

export function LoadControl() {
  const inside = useInsideStore();
  const t = inside.transfers;
  const busy = useTransfers((s) => s.busy.has('load'));
  const connected = useInside(isConnected);
  const namespace = pullNamespace(useInside((s) => s.namespace));
  const input = useRef<HTMLInputElement>(null);
  const upload = t.kind === 'upload';
  // The archive is picked on this machine and loaded by this machine's app: not into another host.
  const { readOnly, localOnly } = useHostScope();
  const block = localOnly ?? readOnly;
  return (
    <span className="tr-load">
      <button
        type="button"
        aria-busy={busy ? true : undefined}
        disabled={!connected || !!block}
        title={
          block
            ? `Load…: ${block}`
            : `Load an image archive (docker save, cdesk save, OCI) into ${namespace}`
        }
        onClick={() => {
          if (busy) return;
          if (upload) input.current?.click();
          else void t.load(namespace);
        }}
      >
        {busy ? (
          <>
            <span className="spinner" aria-hidden="true" /> Loading…
          </>
        ) : (
          'Load…'
        )}
      </button>
      {busy && (
        <button
          type="button"
          aria-label="Cancel load"
          title="Stop the load; nothing of it is kept"
          onClick={() => void t.cancelLoad()}
        >
          Cancel
        </button>
      )}
      {upload && (
        <input
          ref={input}
          type="file"
          hidden
          data-testid="load-file"
          accept=".tar,.tar.gz,.tgz,application/x-tar,application/gzip"
          onChange={(e) => {
            const file = e.target.files?.[0];
            e.target.value = '';
            if (file) void t.load(namespace, file);
          }}
        />
      )}
    </span>
  );
}

export function TransferOutcomeLine() {
  const t = useInsideStore().transfers;
  const o = useTransfers((s) => s.outcome);
  if (!o) return null;
  let body;
  // The user's own Cancel is news, not a failure.
  const cancelled = !o.ok && o.kind === 'load' && o.error.code === 'cancelled';
  if (cancelled) body = <>Load cancelled: nothing of it was kept.</>;
  else if (!o.ok)
    body = (
      <>
        <span aria-hidden="true">⚠</span>{' '}
        <strong>{o.kind === 'load' ? 'Can’t load:' : `Can’t save ${o.name ?? ''}:`}</strong>{' '}
        <LinkedText text={o.error.message} />{' '}
        <span className="muted">
          — <LinkedText text={o.error.hint} />
        </span>
      </>
    );
  else if (o.kind === 'load')
    body = (
      <>
        Loaded {plural(o.value.images.length, 'image')}:{' '}
        <span className="iv-mono">{o.value.images.map((i) => i.name).join(', ')}</span>
        <span className="muted"> ({formatBytes(o.value.written)} new)</span>
      </>
    );
  else
    body = (
      <>
        Saved <span className="iv-mono">{o.name}</span> ({formatBytes(o.value.bytes)})
        {o.value.download ? ' — downloading as ' : ' to '}
        <span className="iv-mono">{o.value.fileName}</span>
      </>
    );
  return (
    <p
      className={`tr-outcome${o.ok || cancelled ? '' : ' iv-inline-error'}`}
      role={o.ok || cancelled ? 'status' : 'alert'}
      data-testid="transfer-outcome"
      data-ok={String(o.ok)}
    >
      <span>{body}</span>{' '}
      <button type="button" className="link" onClick={() => t.dismiss()}>
        Dismiss
      </button>
    </p>
  );
}

/** A row's Save: the image as one OCI archive (docker load, ctr import and skopeo read it). */
export function SaveImageButton(props: {
  img: ImageInfo;
  disabled?: boolean;
  /** Why Save cannot run here (another host's image is not saved through this machine), or null. */
  blockedBy?: string | null;
}) {
  const t = useInsideStore().transfers;
  const busy = useTransfers((s) => s.busy.has(props.img.name));
  return (
    <button
      type="button"
      className="iv-row-action"
      aria-label={`Save ${props.img.name}`}
      aria-busy={busy ? true : undefined}
      title={props.blockedBy ? `Save: ${props.blockedBy}` : `Save ${props.img.name} as an archive`}
      disabled={props.disabled || !!props.blockedBy}
      onClick={() => {
        if (!busy) void t.save(props.img.namespace, props.img.name);
      }}
    >
      {busy ? 'Saving…' : 'Save'}
    </button>
  );
}
