// Overview: one row per host (this machine first), live from hosts:changed; a row opens that host's pages.
import { memo, useCallback, useMemo, type KeyboardEvent } from 'react';
import type { HostView } from '../../../common/hosts';
import { HostBadge } from '../components/host-badge';
import { RetryCountdown } from '../components/retry-countdown';
import { VirtualTable, type Column } from '../components/virtual-table';
import { ErrorLine } from '../components/view-states';
import { hostTruth } from '../store/host-truth';
import { useHostRetryAt, useHosts } from '../store/hosts-context';
import { withHost } from '../store/pages';

// Widths in styles.css (.ov-table .vt-col-KEY): the state column needs room for "Unknown", "last
// seen 14:01 · reconnecting" and the countdown, and the rest give way below 1000 px.
const COLUMNS: readonly Column[] = [
  { key: 'host', label: 'Host' },
  { key: 'hstate', label: 'State' },
  { key: 'version', label: 'containerd' },
  { key: 'ctrs', label: 'Containers' },
  { key: 'problems', label: 'Problems' },
  { key: 'latency', label: 'Latency' },
  { key: 'kind', label: 'Kind' },
];

const KIND: Record<HostView['kind'], { text: string; title: string }> = {
  local: { text: 'this machine', title: 'this machine’s own app' },
  app: { text: 'app · ssh', title: 'Containerd Desktop on that host, over ssh' },
  agentless: { text: 'socket · ssh', title: 'containerd’s own socket on that host, over ssh' },
};

/** The link error without the "name (url): " it starts with: the row already says which host. */
export function errorText(h: HostView): string {
  const m = h.error?.message ?? '';
  const prefix = `${h.name} (${h.url ?? ''}): `;
  return m.startsWith(prefix) ? m.slice(prefix.length) : m;
}

/** What groups hosts failing the same way: the error (without the host's name) and its hint. */
function errorKey(h: HostView): string | null {
  if (h.phase === 'up' || !h.error) return null;
  return `${errorText(h)}\u0000${h.error.hint}`;
}

/** One error shared by several hosts: said once above the table, not under each of their rows. */
export interface ErrorGroup {
  key: string;
  text: string;
  hint: string;
  hosts: string[];
}

/** The errors two or more hosts share, most hosts first (a host with an error of its own keeps it under its row). */
export function sharedErrors(hosts: readonly HostView[]): ErrorGroup[] {
  const groups = new Map<string, ErrorGroup>();
  for (const h of hosts) {
    const key = errorKey(h);
    if (key === null) continue;
    const g = groups.get(key);
    if (g) g.hosts.push(h.name);
    else groups.set(key, { key, text: errorText(h), hint: h.error!.hint, hosts: [h.name] });
  }
  return [...groups.values()]
    .filter((g) => g.hosts.length > 1)
    .sort((a, b) => b.hosts.length - a.hosts.length);
}

/** Open a host's pages (its Status page, or the page named). */
export function openHost(name: string, page = 'status'): void {
  window.location.hash = withHost(name, `#/${page}`);
}

function latencyText(h: HostView): string {
  if (h.kind === 'local') return '—';
  if (h.latencyMs == null) return '—';
  return `${Math.round(h.latencyMs)} ms`;
}

/** How many times each host's cells rendered (the idle bench and tests read it: an unchanged row renders no more). */
export const cellRenders = new Map<string, number>();

/**
 * The same cells: every field but retryAt, which these cells do not show (a down host's failed
 * retry changes only that; its countdown under the row takes it, the row's cells stay as they are).
 */
export function sameCells(a: { h: HostView }, b: { h: HostView }): boolean {
  if (a.h === b.h) return true;
  for (const k of Object.keys(b.h) as (keyof HostView)[]) {
    if (k === 'retryAt' || a.h[k] === b.h[k]) continue;
    if (k === 'error' && JSON.stringify(a.h.error) === JSON.stringify(b.h.error)) continue;
    if (k === 'containers' && JSON.stringify(a.h.containers) === JSON.stringify(b.h.containers))
      continue;
    return false;
  }
  return Object.keys(a.h).length === Object.keys(b.h).length;
}

// Memoised: a hosts:changed re-renders its own row only, and only when something these cells show
// changed; the countdown under a down row ticks inside RetryCountdown, not here.
const HostCells = memo(function HostCells(props: { h: HostView }) {
  const { h } = props;
  cellRenders.set(h.name, (cellRenders.get(h.name) ?? 0) + 1);
  const truth = hostTruth(h, null);
  // Counts are the host's word as of lastSeen: greyed when the link is not up.
  const stale = !truth.live;
  return (
    <>
      <td className="col-host">
        <a
          className="ov-name"
          title={h.url ?? undefined}
          href={withHost(h.name, '#/status')}
          tabIndex={-1}
          data-testid="overview-host-name"
        >
          {h.name}
        </a>
        {h.url && (
          <span className="muted ov-url" title={h.url}>
            {h.url}
          </span>
        )}
      </td>
      <td className="col-hstate">
        <span className="ov-state">
          <HostBadge truth={truth} compact testId="overview-badge" />
          {truth.reason && (
            <span
              className="muted ov-reason"
              title={h.error && !truth.live ? `${truth.reason} — ${h.error.message}` : truth.reason}
            >
              {truth.reason}
            </span>
          )}
          {h.phase === 'down' && <HostRetry name={h.name} />}
        </span>
      </td>
      <td className={stale ? 'ov-stale' : ''}>{h.version ?? '—'}</td>
      <td className={stale ? 'ov-stale' : ''} data-testid="overview-containers">
        {h.containers ? `${h.containers.running} / ${h.containers.total}` : '—'}
      </td>
      <td className={stale ? 'ov-stale' : ''}>
        {h.lastSeen == null && h.kind !== 'local' ? (
          '—'
        ) : h.problems > 0 ? (
          <span className="ov-problems">
            <span aria-hidden="true">⚠</span> {h.problems}
          </span>
        ) : (
          '0'
        )}
      </td>
      <td className={stale ? 'ov-stale' : ''}>{latencyText(h)}</td>
      <td title={KIND[h.kind].title}>
        {KIND[h.kind].text}
        {h.readOnly && (
          <span className="ov-readonly" title={h.readOnly}>
            {' '}
            · read-only
          </span>
        )}
      </td>
    </>
  );
}, sameCells);

/**
 * A down host's countdown to its next attempt. It reads the retry time from the store itself, so
 * a failed retry (which moves only that) renders this alone, not the row's cells.
 */
function HostRetry(props: { name: string }) {
  const retryAt = useHostRetryAt(props.name);
  if (retryAt === null) return null;
  return <RetryCountdown retryAt={retryAt} testId="overview-retry" />;
}

/** The link's error and what to do, under a host whose link is not up (an error of its own). */
const LinkError = memo(function LinkError(props: { h: HostView }) {
  const { h } = props;
  if (h.phase === 'up' || !h.error) return null;
  return (
    <div
      className="ov-error"
      data-testid="overview-error"
      title={`${h.error.message} — ${h.error.hint}`}
    >
      <span className="ov-error-text">{errorText(h)}</span>
      <span className="muted"> — {h.error.hint}</span>
    </div>
  );
});

/** An error several hosts share, said once: how many, the error, what to do, and which hosts. */
function SharedError(props: { group: ErrorGroup }) {
  const { group: g } = props;
  return (
    <details className="ov-group" data-testid="overview-error-group" data-hosts={g.hosts.length}>
      <summary className="ov-error" title={`${g.text} — ${g.hint}`}>
        <span className="ov-group-count">{g.hosts.length} hosts</span>{' '}
        <span className="ov-error-text">{g.text}</span>
        <span className="muted"> — {g.hint}</span>
      </summary>
      <p className="muted ov-group-hosts">{g.hosts.join(', ')}</p>
    </details>
  );
}

// Module-level, so the table's row elements stay the same from one render to the next.
const cellsOf = (h: HostView) => <HostCells h={h} />;
const rowClassOf = (h: HostView) => (h.phase === 'up' ? 'ov-row' : 'ov-row ov-down');

export function OverviewView(props: { viewportHeight?: number }) {
  const hosts = useHosts((s) => s.hosts);
  const error = useHosts((s) => s.error);
  const list = hosts ?? [];
  const up = list.filter((h) => h.phase === 'up').length;
  const key = useCallback((h: HostView) => h.name, []);
  const onKey = (e: KeyboardEvent) => {
    if (e.key !== 'Enter') return;
    const row = (e.target as HTMLElement).closest<HTMLElement>('tr[data-key]');
    if (!row?.dataset.key || e.target !== row) return;
    e.preventDefault();
    openHost(row.dataset.key);
  };
  const onClick = (e: React.MouseEvent) => {
    const t = e.target as HTMLElement;
    if (t.closest('a, button')) return;
    const row = t.closest<HTMLElement>('tr[data-key]');
    if (row?.dataset.key) openHost(row.dataset.key);
  };
  const groups = useMemo(() => sharedErrors(list), [list]);
  // The same function while the same errors are shared, so the table's rows stay as they are.
  const sharedSig = groups.map((g) => g.key).join('\u0001');
  const shared = useMemo(() => new Set(sharedSig.split('\u0001')), [sharedSig]);
  const extraOf = useCallback(
    (h: HostView) => {
      const key = errorKey(h);
      return key === null || shared.has(key) ? null : <LinkError h={h} />;
    },
    [shared],
  );
  const summary = useMemo(
    () => (hosts ? `${list.length} host${list.length === 1 ? '' : 's'} · ${up} reachable` : ''),
    [hosts, list.length, up],
  );
  return (
    <section
      className="iv-inside-view"
      aria-labelledby="overview-heading"
      data-testid="overview-view"
    >
      <header className="iv-view-header">
        <h2 id="overview-heading">Overview</h2>
        <span className="muted" data-testid="overview-summary">
          {summary}
        </span>
      </header>
      {error && !hosts && <ErrorLine error={error} />}
      {!hosts && !error && <p className="muted">Reading the hosts…</p>}
      {groups.length > 0 && (
        <div className="ov-groups" data-testid="overview-error-groups">
          {groups.map((g) => (
            <SharedError key={g.key} group={g} />
          ))}
        </div>
      )}
      {hosts && (
        // Enter or a click on a row opens that host's pages; arrows move between rows.
        <div className="ov-table" onKeyDown={onKey} onClick={onClick}>
          <VirtualTable
            label="Hosts"
            testId="overview-table"
            columns={COLUMNS}
            items={list}
            itemKey={key}
            cells={cellsOf}
            extra={extraOf}
            viewportHeight={props.viewportHeight}
            rowClass={rowClassOf}
          />
        </div>
      )}
      {hosts && list.length <= 1 && (
        <p className="muted ov-empty">
          Only this machine so far. Add another with{' '}
          <code>cdesk host add NAME ssh://user@host</code>; it shows up here with its state.
        </p>
      )}
    </section>
  );
}
