// The Status page's disk tile: bytes in snapshots and images over every namespace, from the inside store.
import { useEffect, useState } from 'react';
import type { ContractError } from '../../../common/contract';
import { useDispatcher } from '../store/context';
import { useInside, useInsideStore } from '../store/inside-context';
import type { ImagesResult } from '../store/inside-state';
import { formatBytes, plural } from './inside-format';

/** Wait this long after a change before reading again: a burst of events is one read. */
const SETTLE_MS = 400;

export function DiskTile(props: { stale: boolean }) {
  const inside = useInsideStore();
  const dispatcher = useDispatcher();
  // Namespace counts change with every image or container created or deleted: read again then.
  const namespaces = useInside((s) => s.namespaces);
  const connected = useInside((s) => s.inside?.state !== 'unavailable');
  const [usage, setUsage] = useState<{ value: ImagesResult | null; error: ContractError | null }>({
    value: null,
    error: null,
  });
  useEffect(() => {
    if (!namespaces || !connected) return;
    let live = true;
    const t = setTimeout(() => {
      void inside.allImages().then((r) => {
        if (live)
          setUsage(r.ok ? { value: r.value, error: null } : { value: null, error: r.error });
      });
    }, SETTLE_MS);
    return () => {
      live = false;
      clearTimeout(t);
    };
  }, [inside, namespaces, connected]);
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
        ) : usage.error ? (
          <span className="muted">{usage.error.message}</span>
        ) : (
          <span className="muted">not read yet</span>
        )}
      </div>
    </section>
  );
}
