// The Images page: repository, tag, digest, size and users per image; total and per-snapshotter disk use; Delete.
import { useCallback, useEffect, useMemo, useState, type ReactNode } from 'react';
import type { ImageInfo } from '../../../common/containerd';
import { useHostScope } from '../store/hosts-context';
import { useInside, useListPage } from '../store/inside-context';
import { ALL_NAMESPACES, rowKey, type ImagesResult } from '../store/inside-state';
import { ConfirmDialog } from '../components/confirm-dialog';
import { RunImageDialog } from '../components/run-image-dialog';
import { DiskPanel } from '../components/disk-panel';
import { SaveImageButton } from '../components/image-transfer';
import { ImagePulls } from '../components/pull-field';
import { LinkedText } from '../components/linked-text';
import { CopyCommand, ctrPrefix } from '../components/copy-command';
import { formatBytes, plural, shortDigest, splitImageName } from '../components/inside-format';
import { ElsewhereHint, NamespacePicker, namespaceLabel } from '../components/namespace-picker';
import { SearchBox } from '../components/search-box';
import { ListPending, NoMatch, Reconnecting } from '../components/view-states';
import { VirtualTable, type Column } from '../components/virtual-table';
import { PageFrame } from '../components/page-frame';

const COLUMNS: readonly Column[] = [
  { key: 'repo', label: 'Repository' },
  { key: 'tag', label: 'Tag', width: '14%' },
  { key: 'digest', label: 'Digest', width: '130px' },
  { key: 'size', label: 'Size', width: '100px' },
  { key: 'used', label: 'Used by', width: '18%' },
  { key: 'actions', label: 'Actions', width: '230px' },
];

function usedByText(ids: string[]): string {
  if (!ids.length) return '—';
  return ids.length <= 2 ? ids.join(', ') : `${ids.slice(0, 2).join(', ')} +${ids.length - 2}`;
}

/**
 * "unpacked for running: 3.9 MiB": what the snapshotters hold beside the compressed images. Only
 * those that hold something are named (an empty native snapshotter is not news), in the tooltip.
 */
function UnpackedUsage(props: { snapshotters: ImagesResult['snapshotters'] }) {
  const used = props.snapshotters.filter((s) => s.snapshots > 0);
  const unknown = used.some((s) => s.bytes === null);
  const bytes = used.reduce((n, s) => n + (s.bytes ?? 0), 0);
  const detail = used
    .map(
      (s) =>
        `${s.snapshotter}: ${s.bytes === null ? 'size unavailable' : formatBytes(s.bytes)} in ${plural(s.snapshots, 'snapshot')}`,
    )
    .join('; ');
  return (
    <span data-testid="snapshotter-usage" title={detail || 'no snapshots'}>
      unpacked for running:{' '}
      <strong>{unknown && !bytes ? 'unavailable' : formatBytes(bytes)}</strong>
      {unknown && bytes ? ' (some unavailable)' : ''}
    </span>
  );
}

export function ImagesView(props: { viewportHeight?: number }) {
  const { store, namespace, busy, rowErrors, connected, down, socket } = useListPage();
  const { readOnly, localOnly } = useHostScope();
  const images = useInside((s) => s.images);
  const [search, setSearch] = useState('');
  const [confirm, setConfirm] = useState<ImageInfo | null>(null);
  const [runFor, setRunFor] = useState<ImageInfo | null>(null);
  useEffect(() => store.want('images'), [store]);

  const value = images.value;
  const all = useMemo(
    () =>
      [...(value?.images ?? [])].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
    [value],
  );
  const needle = search.trim().toLowerCase();
  const shown = useMemo(
    () =>
      needle
        ? all.filter((i) => i.name.toLowerCase().includes(needle) || i.digest.includes(needle))
        : all,
    [all, needle],
  );

  // Images whose Delete was refused here because they are in use: the reason is drawn from the
  // live usedBy, so it never goes stale and disappears once the last user is gone.
  const [explained, setExplained] = useState<ReadonlySet<string>>(new Set());

  const onDelete = useCallback(
    (img: ImageInfo) => {
      store.actions.dismissError(rowKey(img.namespace, img.name));
      if (img.usedBy.length) {
        setExplained((prev) => new Set(prev).add(rowKey(img.namespace, img.name)));
        return;
      }
      setConfirm(img);
    },
    [store],
  );

  const extra = useCallback(
    (img: ImageInfo): ReactNode | null => {
      const key = rowKey(img.namespace, img.name);
      const e = rowErrors.get(key);
      const inUse = explained.has(key) && img.usedBy.length > 0;
      if (!e && !inUse) return null;
      const message = inUse
        ? `${img.name} is used by ${plural(img.usedBy.length, 'container')}: ${img.usedBy.join(', ')}`
        : e!.error.message;
      const hint = inUse
        ? 'delete those containers first (Containers page), then delete the image'
        : e!.error.hint;
      return (
        <div className="iv-row-error" role="alert" data-testid="row-error">
          <span aria-hidden="true">⚠</span> <strong>Can’t delete:</strong>{' '}
          <LinkedText text={message} />{' '}
          <span className="muted">
            — <LinkedText text={hint} />
          </span>{' '}
          <button
            type="button"
            className="link"
            onClick={() => {
              store.actions.dismissError(key);
              setExplained((prev) => new Set([...prev].filter((n) => n !== key)));
            }}
          >
            Dismiss
          </button>
        </div>
      );
    },
    [rowErrors, store, explained],
  );

  const everywhere = namespace === ALL_NAMESPACES;
  const ctr = ctrPrefix(socket, everywhere ? 'default' : namespace);
  let body: ReactNode;
  if (down || !value) body = <ListPending part="images" />;
  else if (all.length === 0)
    body = (
      <div className="iv-empty-state" data-testid="images-empty">
        <p>
          <strong>No images in {namespaceLabel(namespace)}.</strong>{' '}
          {readOnly
            ? 'Import an image archive from a terminal on that machine:'
            : 'Pull one with the Pull field above (e.g. busybox:latest), load an archive with Load…, or import one from a terminal:'}
        </p>
        <CopyCommand command={`${ctr} images import IMAGE.tar`} />
        <ElsewhereHint count="images" noun="image" />
      </div>
    );
  else if (shown.length === 0)
    body = (
      <NoMatch testId="images-no-match" onClear={() => setSearch('')}>
        No images match “{search.trim()}”
      </NoMatch>
    );
  else
    body = (
      <VirtualTable
        label={`Images in ${namespaceLabel(namespace)}`}
        testId="images-table"
        columns={COLUMNS}
        items={shown}
        itemKey={(i) => (everywhere ? rowKey(i.namespace, i.name) : i.name)}
        stale={!connected}
        viewportHeight={props.viewportHeight}
        extra={extra}
        cells={(img) => {
          const { repository, tag } = splitImageName(img.name);
          const mine = busy.get(rowKey(img.namespace, img.name));
          return (
            <>
              <td title={img.name}>
                {everywhere && <span className="muted iv-ns-prefix">{img.namespace}/</span>}
                {repository}
              </td>
              <td title={tag}>{tag}</td>
              <td className="iv-mono" title={img.digest}>
                {shortDigest(img.digest)}
              </td>
              <td className="iv-mono">{formatBytes(img.size)}</td>
              <td title={img.usedBy.join(', ')}>{usedByText(img.usedBy)}</td>
              <td>
                <SaveImageButton img={img} disabled={!connected} blockedBy={localOnly} />
                <button
                  type="button"
                  className="iv-row-action"
                  aria-label={`Run ${img.name}`}
                  title={readOnly ? `Run…: ${readOnly}` : `Run a container from ${img.name}`}
                  data-testid="image-run"
                  disabled={!connected || !!readOnly}
                  onClick={() => setRunFor(img)}
                >
                  Run…
                </button>{' '}
                <button
                  type="button"
                  className="iv-row-action iv-danger"
                  aria-label={`Delete ${img.name}`}
                  aria-disabled={img.usedBy.length > 0 || undefined}
                  aria-busy={mine ? true : undefined}
                  title={
                    readOnly
                      ? `Delete: ${readOnly}`
                      : img.usedBy.length
                        ? `In use by ${img.usedBy.join(', ')}`
                        : `Delete ${img.name}`
                  }
                  disabled={!connected || !!readOnly}
                  onClick={() => {
                    if (!mine) onDelete(img);
                  }}
                >
                  {mine ? (
                    <>
                      <span className="spinner" aria-hidden="true" /> Deleting…
                    </>
                  ) : (
                    'Delete'
                  )}
                </button>
              </td>
            </>
          );
        }}
      />
    );

  return (
    <PageFrame
      id="images"
      title="Images"
      tools={
        <>
          <NamespacePicker count="images" />
          <SearchBox label="Search images" value={search} onChange={setSearch} />
        </>
      }
    >
      <ImagePulls />
      <DiskPanel />
      {value && (
        <p className="iv-summary-line" data-testid="images-summary">
          <span>
            <strong>{plural(value.images.length, 'image')}</strong> · {formatBytes(value.totalSize)}{' '}
            total
          </span>
          <UnpackedUsage snapshotters={value.snapshotters} />
        </p>
      )}
      <Reconnecting />
      {body}
      {runFor && <RunImageDialog image={runFor} onClose={() => setRunFor(null)} />}
      {confirm && (
        <ConfirmDialog
          title={`Delete image ${confirm.name}?`}
          confirmLabel="Delete image"
          onCancel={() => setConfirm(null)}
          onConfirm={() => {
            const img = confirm;
            setConfirm(null);
            void store.actions.deleteImage(img.namespace, img.name);
          }}
        >
          <p>
            Removes the name <span className="iv-mono">{confirm.name}</span> (
            {shortDigest(confirm.digest)}, {formatBytes(confirm.size)}) from namespace{' '}
            <strong>{confirm.namespace}</strong>. Layers no other image uses are freed by
            containerd’s garbage collector.
          </p>
        </ConfirmDialog>
      )}
    </PageFrame>
  );
}
