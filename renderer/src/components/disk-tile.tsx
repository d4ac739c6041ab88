// The Status page's disk tile: bytes in snapshots and images of the selected namespace, from the inside store.
import { useEffect } from 'react';
import { useDispatcher } from '../store/context';
import { useInside, useInsideStore } from '../store/inside-context';
import { formatBytes } from './inside-format';

export function DiskTile(props: { stale: boolean }) {
  const inside = useInsideStore();
  const dispatcher = useDispatcher();
  const images = useInside((s) => s.images);
  useEffect(() => inside.want('images'), [inside]);
  const v = images.value;
  const snapshots = v?.snapshotters.reduce((n, s) => n + (s.bytes ?? 0), 0) ?? null;
  return (
    <section
      className={`card tile${props.stale ? ' stale' : ''}`}
      data-testid="tile-disk"
      aria-label="Disk"
    >
      <h3 className="tile-title">Disk · {images.namespace || 'default'}</h3>
      <div className="tile-value" data-testid="disk-used">
        {snapshots !== null ? formatBytes(snapshots) : '—'}
      </div>
      <div className="tile-sub">
        {v ? (
          <>
            snapshots · images {formatBytes(v.totalSize)} ·{' '}
            <a
              href="#/images"
              onClick={(e) => {
                e.preventDefault();
                dispatcher.navigate('images');
              }}
            >
              Open Images
            </a>
          </>
        ) : images.error ? (
          <span className="muted">{images.error.message}</span>
        ) : (
          <span className="muted">not read yet</span>
        )}
      </div>
    </section>
  );
}
