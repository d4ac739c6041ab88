// One pull as the window shows it: the reference and its phase, overall bytes with speed and ETA,
// then a bar per layer (bytes done / total, speed, ETA, then "extracting" and "done"); Cancel while
// it runs, Dismiss after, the app's error and hint when it failed.
import { useEffect, useRef } from 'react';
import { formatDuration } from '../../../common/duration';
import {
  isFinished,
  percentOf,
  shortRef,
  type LayerView,
  type PullEntry,
} from '../store/pulls-reduce';
import { usePullStore, usePulls } from '../store/pull-hooks';
import { formatBytes, shortDigest } from './inside-format';
import { LinkedText } from './linked-text';

/** How long a pull reopened from the tasks indicator stays highlighted. */
const FOCUS_MS = 2500;

const PHASE: Record<PullEntry['phase'], string> = {
  starting: 'Starting…',
  resolving: 'Resolving…',
  downloading: 'Downloading',
  unpacking: 'Extracting',
  done: 'Pulled',
  failed: 'Failed',
  cancelled: 'Cancelled',
};

const LAYER_STATUS: Record<LayerView['status'], string> = {
  waiting: 'Waiting',
  downloading: 'Downloading',
  extracting: 'Extracting',
  done: 'Done',
  exists: 'Already here',
};

/** "12s", "3m 5s": an ETA a person reads at a glance. */
export function formatEta(seconds: number | null): string {
  if (seconds === null) return '';
  return `${formatDuration(seconds * 1000, { smallest: 's', parts: 2 })} left`;
}

function Bar(props: { current: number; total: number; label: string; busy?: boolean }) {
  const pct = props.total ? Math.min(100, (props.current * 100) / props.total) : 0;
  return (
    <div
      className={`pl-bar${props.busy ? ' pl-bar-busy' : ''}`}
      role="progressbar"
      aria-label={props.label}
      aria-valuemin={0}
      aria-valuemax={props.total || undefined}
      aria-valuenow={props.total ? props.current : undefined}
    >
      <div className="pl-bar-fill" style={{ width: `${pct}%` }} />
    </div>
  );
}

function LayerRow(props: { layer: LayerView }) {
  const l = props.layer;
  const bytes =
    l.status === 'downloading'
      ? `${formatBytes(l.current)} / ${formatBytes(l.total)}`
      : formatBytes(l.total);
  const speed =
    l.status === 'downloading' && l.bytesPerSecond ? `${formatBytes(l.bytesPerSecond)}/s` : '';
  return (
    <li className="pl-layer" data-testid="pull-layer" data-status={l.status}>
      <span className="iv-mono pl-digest" title={l.digest}>
        {shortDigest(l.digest)}
      </span>
      <Bar
        current={l.current}
        total={l.total}
        label={`layer ${shortDigest(l.digest)}`}
        busy={l.status === 'extracting'}
      />
      <span className="pl-status">{LAYER_STATUS[l.status]}</span>
      <span className="iv-mono pl-bytes">{bytes}</span>
      <span className="iv-mono pl-speed">{speed}</span>
      <span className="pl-eta">{formatEta(l.etaSeconds)}</span>
    </li>
  );
}

export function PullCard(props: { pull: PullEntry }) {
  const p = props.pull;
  const store = usePullStore();
  const focused = usePulls((s) => s.focused === p.pullId);
  const ref = useRef<HTMLElement>(null);
  useEffect(() => {
    if (!focused) return;
    ref.current?.scrollIntoView?.({ block: 'nearest' });
    ref.current?.focus();
    // A brief highlight says "this one"; it should not stay marked for good.
    const t = setTimeout(() => store.focus(null), FOCUS_MS);
    return () => clearTimeout(t);
  }, [focused, store]);
  const done = isFinished(p);
  const pct = percentOf(p);
  const overall = p.total
    ? `${formatBytes(p.current)} / ${formatBytes(p.total)}${pct !== null ? ` · ${pct}%` : ''}`
    : '';
  const speed = p.bytesPerSecond ? `${formatBytes(p.bytesPerSecond)}/s` : '';
  return (
    <article
      ref={ref}
      tabIndex={-1}
      className={`pl-card pl-${p.phase}${focused ? ' pl-focused' : ''}`}
      aria-label={`Pull ${shortRef(p.ref)}`}
      data-testid="pull-card"
      data-phase={p.phase}
      data-pull-id={p.pullId}
    >
      <header className="pl-head">
        <strong className="pl-ref" title={p.ref}>
          {shortRef(p.ref)}
        </strong>
        <span className="muted">into {p.namespace}</span>
        <span className="pl-phase" data-testid="pull-phase">
          {!done && <span className="spinner" aria-hidden="true" />} {PHASE[p.phase]}
          {p.phase === 'done' && p.result
            ? ` · ${formatBytes(p.result.downloaded)} downloaded`
            : ''}
        </span>
        <span className="pl-overall iv-mono" data-testid="pull-overall">
          {overall}
          {speed ? ` · ${speed}` : ''}
          {p.etaSeconds !== null ? ` · ${formatEta(p.etaSeconds)}` : ''}
        </span>
        <span className="pl-actions">
          {done ? (
            <button type="button" className="link" onClick={() => store.dismiss(p.pullId)}>
              Dismiss
            </button>
          ) : (
            <button
              type="button"
              aria-label={`Cancel pull of ${shortRef(p.ref)}`}
              onClick={() => void store.cancel(p.pullId)}
            >
              Cancel
            </button>
          )}
        </span>
      </header>
      {!done && <Bar current={p.current} total={p.total} label={`pull ${shortRef(p.ref)}`} />}
      {p.error && p.phase === 'failed' && (
        <div className="iv-row-error pl-error" role="alert" data-testid="pull-error">
          <span aria-hidden="true">⚠</span> <strong>Can’t pull:</strong>{' '}
          <LinkedText text={p.error.message} />{' '}
          <span className="muted">
            — <LinkedText text={p.error.hint} />
          </span>
        </div>
      )}
      {p.phase === 'cancelled' && (
        <p className="muted pl-note">
          Cancelled: nothing of this pull was kept. Pull again to resume.
        </p>
      )}
      {p.layers.length > 0 && !(done && p.phase === 'done') && (
        <ul className="pl-layers" aria-label={`Layers of ${shortRef(p.ref)}`}>
          {p.layers.map((l) => (
            <LayerRow key={l.digest} layer={l} />
          ))}
        </ul>
      )}
    </article>
  );
}
