// The Status page's disk tile: bytes in snapshots and images over every namespace, from the inside store.
import { useInside, useInsideStore } from '../store/inside-context';
import { useSettledRead } from './hooks';
import { formatBytes, plural } from './inside-format';
import { PageLink } from './page-link';

/** Wait this long after a change before reading again: a burst of events is one read. */
export function DiskTile(props: { stale: boolean }) {
  const inside = useInsideStore();
  // Namespace counts change with every image or container created or deleted: read again then.
  const namespaces = useInside((s) => s.namespaces);
  const connected = useInside((s) => s.inside?.state !== 'unavailable');
  const usage = useSettledRead(namespaces && connected ? () => inside.allImages() : null, [
    inside,
    namespaces,
  ]);
  const v = usage.value;
  const snapshots = v?.snapshotters.reduce((n, s) => n + (s.bytes ?? 0), 0) ?? null;
  const count = namespaces?.length ?? 0;
  return (
    <section
      className={`card tile${props.stale ? ' stale' : ''}`}
      data-testid="tile-disk"
      aria-label="Disk"
    >
      <h3 className="tile-title">Disk · all namespaces</h3>
      <div className="tile-value" data-testid="disk-used">
        {snapshots !== null ? formatBytes(snapshots) : '—'}
      </div>
      <div className="tile-sub">
        {v ? (
          <>
            snapshots · images {formatBytes(v.totalSize)} in {plural(count, 'namespace')} ·{' '}
            <PageLink page="images">Open Images</PageLink>
          </>
        ) : usage.error ? (
          <span className="muted">{usage.error.message}</span>
        ) : (
          <span className="muted">not read yet</span>
        )}
      </div>
    </section>
  );
}
