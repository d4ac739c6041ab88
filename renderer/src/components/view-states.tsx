// Whole-page states shared by the inside views: containerd stopped (with Start), reconnecting, list errors.
import type { ReactNode } from 'react';
import type { ContractError } from '../../../common/contract';
import { useWriteBlock } from '../store/hosts-context';
import { useInside, useInsideStore } from '../store/inside-context';
import { formatHMS } from './format';
import { LinkedText } from './linked-text';
import { isConnected, isDaemonDown, isLinkDown, type ListPart } from '../store/inside-state';

/** "containerd is stopped · Start" when the daemon is stopped or failed; null otherwise. */
export function DaemonStopped(props: { note?: string }) {
  const store = useInsideStore();
  const down = useInside(isDaemonDown);
  const daemon = useInside((s) => s.daemon);
  const starting = useInside((s) => s.starting);
  const error = useInside((s) => s.startError);
  const block = useWriteBlock();
  if (!down) return null;
  return (
    <div className="iv-empty-state" data-testid="daemon-stopped">
      <p>
        <strong>containerd is {daemon?.state === 'failed' ? 'failed' : 'stopped'}</strong>
        {daemon?.state === 'failed' && daemon.reason ? ` · ${daemon.reason}` : ''}
      </p>
      {daemon?.hint && (
        <p className="muted">
          <LinkedText text={daemon.hint} />
        </p>
      )}
      {props.note && <p className="muted">{props.note}</p>}
      <button
        type="button"
        onClick={() => void store.actions.startDaemon()}
        aria-busy={starting}
        disabled={!!block}
        title={block ? `Start: ${block}` : undefined}
      >
        {starting ? 'Starting…' : 'Start'}
      </button>
      {error && <ErrorLine error={error} />}
    </div>
  );
}

/** The greyed-list banner while containerd's API is away. */
export function Reconnecting() {
  const connected = useInside(isConnected);
  const down = useInside(isDaemonDown);
  const message = useInside((s) => s.inside?.message ?? null);
  const linkDown = useInside(isLinkDown);
  const lostAt = useInside((s) => s.linkLostAt);
  if (connected || (down && !linkDown)) return null;
  return (
    <p className="iv-reconnecting" role="status" data-testid="reconnecting">
      <span className="spinner" aria-hidden="true" />{' '}
      {linkDown
        ? `Lost the connection to Containerd Desktop; showing the last list we had, as of ${formatHMS(lostAt ?? Date.now())}…`
        : 'Reconnecting to containerd…'}
      {message && !linkDown ? <span className="muted"> {message}</span> : null}
    </p>
  );
}

export function ErrorLine(props: { error: ContractError; onRetry?: () => void }) {
  return (
    <div className="iv-inline-error" role="alert">
      <strong>{props.error.message}</strong>{' '}
      <span>
        <LinkedText text={props.error.hint} />
      </span>
      {props.onRetry && (
        <button type="button" onClick={props.onRetry}>
          Retry
        </button>
      )}
    </div>
  );
}

/** "No … match … · Clear filter" when a filter hides every row. */
export function NoMatch(props: { testId: string; onClear: () => void; children: ReactNode }) {
  return (
    <div className="iv-empty-state" data-testid={props.testId}>
      <p>
        {props.children} ·{' '}
        <button type="button" className="link" onClick={props.onClear}>
          Clear filter
        </button>
      </p>
    </div>
  );
}

/** Placeholder rows for the first load only. */
export function SkeletonRows(props: { rows?: number }) {
  return (
    <div className="iv-skeleton" data-testid="skeleton" aria-busy="true" aria-label="Loading">
      {Array.from({ length: props.rows ?? 6 }, (_, i) => (
        <div key={i} className="iv-skeleton-row" />
      ))}
    </div>
  );
}

/**
 * A list page's body until its list has arrived: containerd stopped (with Start, and `note`), the
 * read failed (with Retry), or loading.
 */
export function ListPending(props: { part: ListPart; note?: string }) {
  const store = useInsideStore();
  const down = useInside(isDaemonDown);
  const error = useInside((s) => s[props.part].error);
  if (down) return <DaemonStopped note={props.note} />;
  if (error) return <ErrorLine error={error} onRetry={() => void store.reload(props.part)} />;
  return <SkeletonRows />;
}
