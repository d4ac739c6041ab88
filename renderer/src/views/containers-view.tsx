// The Containers page: namespace, filter and search over a live, virtualised table with row and bulk actions.
import { useCallback, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import type { ContainerInfo } from '../../../common/containerd';
import { useNow } from '../components/hooks';
import { useWriteBlock } from '../store/hosts-context';
import { useInside, useListPage } from '../store/inside-context';
import { ALL_NAMESPACES, listCounts, rowKey, type RowAction } from '../store/inside-state';
import { ConfirmDialog } from '../components/confirm-dialog';
import { ContainerCells, containerName } from './container-cells';
import { CopyCommand, ctrPrefix } from '../components/copy-command';
import {
  compareContainers,
  containerActions,
  isRunning,
  plural,
} from '../components/inside-format';
import { LinkedText } from '../components/linked-text';
import { ElsewhereHint, NamespacePicker, namespaceLabel } from '../components/namespace-picker';
import { sameOrder, stableOrder } from '../components/use-slash-focus';
import { SearchBox } from '../components/search-box';
import { ListPending, NoMatch, Reconnecting } from '../components/view-states';
import { VirtualTable, type Column } from '../components/virtual-table';
import { useRowStats, type StatsTarget } from '../store/row-stats';
import { PageFrame } from '../components/page-frame';
import { Segmented, type Segment } from '../components/segmented';

type Filter = 'all' | 'running' | 'stopped';

// Widths live in views.css (.vt-containers …) so they can narrow with the window.
const COLUMNS: readonly Column[] = [
  { key: 'select', label: null },
  { key: 'status', label: 'Status' },
  { key: 'name', label: 'Name' },
  { key: 'image', label: 'Image' },
  { key: 'pid', label: 'PID' },
  { key: 'cpu', label: 'CPU' },
  { key: 'mem', label: 'Memory' },
  { key: 'age', label: 'Uptime' },
  { key: 'actions', label: 'Actions' },
];

function matches(c: ContainerInfo, filter: Filter, needle: string): boolean {
  if (filter === 'running' && !isRunning(c)) return false;
  if (filter === 'stopped' && isRunning(c)) return false;
  if (!needle) return true;
  return (
    c.id.toLowerCase().includes(needle) ||
    c.image.toLowerCase().includes(needle) ||
    containerName(c).toLowerCase().includes(needle)
  );
}

interface Pending {
  /** Delete removes stopped containers; Kill sends SIGKILL to one running task. */
  kind: 'delete' | 'kill';
  ids: string[];
  skipped: string[];
}

export function ContainersView(props: { viewportHeight?: number }) {
  const { store, namespace, busy, rowErrors, connected, down, socket } = useListPage();
  const containers = useInside((s) => s.containers);
  const startedAt = useInside((s) => s.startedAt);
  const lastExit = useInside((s) => s.lastExit);
  const fresh = useInside((s) => s.fresh);
  const outcomes = useInside((s) => s.outcomes);
  const images = useInside((s) => (s.images.namespace === s.namespace ? s.images.value : null));

  const [filter, setFilter] = useState<Filter>('all');
  const [search, setSearch] = useState('');
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const [confirm, setConfirm] = useState<Pending | null>(null);
  const [resortTick, setResortTick] = useState(0);
  const pointerInside = useRef(false);
  const orderRef = useRef<string[]>([]);
  useEffect(() => store.want('containers'), [store]);
  // Counters stop where the link to the app dropped: the rows are as of then.
  const lostAt = useInside((s) => s.linkLostAt);
  const liveNow = useNow(1000, lostAt === null);
  const now = lostAt ?? liveNow;

  const list = useMemo(() => containers.value ?? [], [containers.value]);
  const all = namespace === ALL_NAMESPACES;
  // A row is its id; over all namespaces one id can be in several, so there it is namespace/id.
  const keyOf = useCallback((c: ContainerInfo) => (all ? rowKey(c.namespace, c.id) : c.id), [all]);
  const byId = useMemo(() => new Map(list.map((c) => [keyOf(c), c])), [list, keyOf]);
  const sorted = useMemo(() => [...list].sort(compareContainers).map(keyOf), [list, keyOf]);
  const nsLabel = namespaceLabel(namespace);
  const order = useMemo(() => {
    void resortTick;
    // Never re-sort under the pointer: rows stay put, new ones go last, a button offers the re-sort.
    return pointerInside.current && orderRef.current.length
      ? stableOrder(orderRef.current, sorted)
      : sorted;
  }, [sorted, resortTick]);
  orderRef.current = order;
  const orderChanged = !sameOrder(order, sorted);

  const needle = search.trim().toLowerCase();
  const shown = useMemo(
    () => order.map((id) => byId.get(id)!).filter((c) => matches(c, filter, needle)),
    [order, byId, filter, needle],
  );
  const { running } = listCounts(list);

  // Live CPU and memory for the running rows on screen only: scrolled-away rows cost nothing.
  const [visible, setVisible] = useState<readonly string[]>([]);
  const statsTargets = useMemo(() => {
    const out: StatsTarget[] = [];
    for (const key of visible) {
      const c = byId.get(key);
      if (c && c.task?.status === 'running') out.push({ key, namespace: c.namespace, id: c.id });
    }
    return out;
  }, [visible, byId]);
  const rowStats = useRowStats(store.client, statsTargets, connected && !down);

  // Forget selections of containers that are gone.
  useEffect(() => {
    setSelected((prev) => {
      const next = new Set([...prev].filter((id) => byId.has(id)));
      return next.size === prev.size ? prev : next;
    });
  }, [byId]);

  const toggle = useCallback((id: string) => {
    setSelected((prev) => {
      const next = new Set(prev);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });
  }, []);

  const toggleRow = useCallback((c: ContainerInfo) => toggle(keyOf(c)), [toggle, keyOf]);

  const onAction = useCallback(
    (action: RowAction, c: ContainerInfo) => {
      if (action === 'stop') void store.actions.stop(c.namespace, c.id);
      else setConfirm({ kind: action, ids: [keyOf(c)], skipped: [] });
    },
    [store, keyOf],
  );

  const bulkStop = () => {
    for (const key of selected) {
      const c = byId.get(key);
      if (c && containerActions(c).stop) void store.actions.stop(c.namespace, c.id);
    }
  };
  const bulkDelete = () => {
    const ids = [...selected].filter(
      (id) => byId.get(id) && containerActions(byId.get(id)!).delete,
    );
    const skipped = [...selected].filter((id) => !ids.includes(id));
    setConfirm({ kind: 'delete', ids, skipped });
  };
  const targets = (keys: string[]) => keys.flatMap((k) => byId.get(k) ?? []);
  // How a dialog names a container: its id, with its namespace when the page shows them all.
  const named = (key: string) => {
    const c = byId.get(key);
    return !c ? key : all ? `${c.namespace}/${c.id}` : c.id;
  };
  const doConfirmed = (p: Pending) => {
    setConfirm(null);
    if (p.kind === 'kill') {
      for (const c of targets(p.ids)) void store.actions.kill(c.namespace, c.id);
      return;
    }
    for (const c of targets(p.ids)) void store.actions.deleteContainer(c.namespace, c.id);
    setSelected((prev) => new Set([...prev].filter((id) => !p.ids.includes(id))));
  };

  const extra = useCallback(
    (c: ContainerInfo): ReactNode | null => {
      const key = rowKey(c.namespace, c.id);
      const e = rowErrors.get(key);
      const how = c.task?.status === 'running' ? undefined : outcomes.get(key);
      if (!e && how)
        return (
          <div className="iv-row-note muted" role="status" data-testid="row-outcome">
            {containerName(c)}: {how}
          </div>
        );
      if (!e) return null;
      return (
        <div className="iv-row-error" role="alert" data-testid="row-error">
          <span aria-hidden="true">⚠</span>{' '}
          <strong>
            {e.action} {c.id} failed:
          </strong>{' '}
          <LinkedText text={e.error.message} />{' '}
          <span className="muted">
            — <LinkedText text={e.error.hint} />
          </span>{' '}
          <button type="button" className="link" onClick={() => store.actions.dismissError(key)}>
            Dismiss
          </button>
        </div>
      );
    },
    [rowErrors, outcomes, store],
  );

  const allShownSelected = shown.length > 0 && shown.every((c) => selected.has(keyOf(c)));
  const columns = useMemo(
    () =>
      COLUMNS.map((col) =>
        col.key === 'select'
          ? {
              ...col,
              label: (
                <input
                  type="checkbox"
                  aria-label="Select all shown"
                  checked={allShownSelected}
                  onChange={() =>
                    setSelected(allShownSelected ? new Set() : new Set(shown.map(keyOf)))
                  }
                />
              ),
            }
          : col,
      ),
    [allShownSelected, shown, keyOf],
  );

  const frozen = !connected;
  const block = useWriteBlock();
  const why = block ?? undefined;
  const killing = confirm?.kind === 'kill' ? byId.get(confirm.ids[0]!) : undefined;
  const exampleImage = images?.images[0]?.name ?? 'IMAGE';
  const ctr = ctrPrefix(socket, all ? 'default' : namespace);

  let body: ReactNode;
  if (down || containers.value === null)
    body = (
      <ListPending
        part="containers"
        note={
          running
            ? `${plural(running, 'container')} in ${nsLabel} ${running === 1 ? 'was' : 'were'} running when it stopped; tasks keep running without containerd but cannot be managed until it is back.`
            : undefined
        }
      />
    );
  else if (list.length === 0)
    body = (
      <div className="iv-empty-state" data-testid="containers-empty">
        <p>
          <strong>No containers in {nsLabel}.</strong>{' '}
          {block
            ? 'Run one from a terminal:'
            : 'Run one with Run… on the Images page, or from a terminal:'}
        </p>
        <CopyCommand command={`${ctr} run -d ${exampleImage} demo sleep infinity`} />
        {!images?.images.length && (
          <>
            <p className="muted">
              {block
                ? 'No image yet? Import one:'
                : 'No image yet? Pull one on the Images page, or import one:'}
            </p>
            <CopyCommand command={`${ctr} images import IMAGE.tar`} />
          </>
        )}
        <ElsewhereHint count="containers" noun="container" />
      </div>
    );
  else if (shown.length === 0)
    body = (
      <NoMatch
        testId="containers-no-match"
        onClear={() => {
          setSearch('');
          setFilter('all');
        }}
      >
        No containers match {needle ? `“${search.trim()}”` : 'this filter'}
        {filter !== 'all' ? ` among the ${filter} ones` : ''}
      </NoMatch>
    );
  else
    body = (
      <VirtualTable
        label={`Containers in ${nsLabel}`}
        testId="containers-table"
        columns={columns}
        items={shown}
        itemKey={keyOf}
        stale={frozen}
        viewportHeight={props.viewportHeight}
        selected={(c) => selected.has(keyOf(c))}
        onToggle={(c) => toggle(keyOf(c))}
        onPointerInside={(inside) => (pointerInside.current = inside)}
        onVisibleChange={setVisible}
        rowClass={(c) => (fresh.has(rowKey(c.namespace, c.id)) ? 'iv-fresh' : '')}
        extra={extra}
        cells={(c) => (
          <ContainerCells
            c={c}
            now={now}
            startedAt={startedAt.get(rowKey(c.namespace, c.id))}
            lastExit={lastExit.get(rowKey(c.namespace, c.id))}
            busy={busy.get(rowKey(c.namespace, c.id))}
            stats={c.task?.status === 'running' ? rowStats.get(keyOf(c)) : undefined}
            selected={selected.has(keyOf(c))}
            showNamespace={all}
            frozen={frozen}
            onToggle={toggleRow}
            onAction={onAction}
          />
        )}
      />
    );

  // Counts are last known while containerd is away; not shown when it is stopped.
  const counted = (n: number) => (containers.value && !down ? n : '');
  const filters: Segment<Filter>[] = [
    ['all', 'All', counted(list.length)],
    ['running', 'Running', counted(running)],
    ['stopped', 'Stopped', counted(list.length - running)],
  ];

  return (
    <PageFrame
      id="containers"
      title="Containers"
      tools={
        <>
          <NamespacePicker count="containers" />
          <Segmented
            label="Show"
            segments={filters}
            value={filter}
            onChange={setFilter}
            testIdPrefix="filter-"
          />
          <SearchBox label="Search containers" value={search} onChange={setSearch} />
          {orderChanged && (
            <button
              type="button"
              className="link"
              aria-label="order changed · re-sort"
              onClick={() => setResortTick((t) => t + 1)}
            >
              <span className="iv-wide-only">order changed · </span>↻ re-sort
            </button>
          )}
        </>
      }
    >
      <Reconnecting />
      {selected.size > 0 && (
        <div className="iv-bulk-bar" role="toolbar" aria-label="Selected containers">
          <span>{selected.size} selected</span>
          <button type="button" onClick={bulkStop} disabled={frozen || !!block} title={why}>
            Stop
          </button>
          <button
            type="button"
            className="iv-danger"
            onClick={bulkDelete}
            disabled={frozen || !!block}
            title={why}
          >
            Delete…
          </button>
          <button type="button" onClick={() => setSelected(new Set())}>
            Clear
          </button>
        </div>
      )}
      {body}
      {confirm?.kind === 'kill' && (
        <ConfirmDialog
          title={`Kill container ${named(confirm.ids[0]!)}?`}
          confirmLabel="Kill container"
          onCancel={() => setConfirm(null)}
          onConfirm={() => doConfirmed(confirm)}
        >
          <p>
            In namespace <strong>{killing?.namespace ?? namespace}</strong>, this sends SIGKILL to
            the task of <span className="iv-mono">{killing?.id ?? confirm.ids[0]}</span>: it ends at
            once, with no chance to finish its work or clean up.
            {killing && busy.get(rowKey(killing.namespace, killing.id)) === 'stop'
              ? ' Its Stop is still waiting for it to exit after SIGTERM.'
              : ''}
          </p>
        </ConfirmDialog>
      )}
      {confirm?.kind === 'delete' && (
        <ConfirmDialog
          title={
            confirm.ids.length === 1
              ? `Delete container ${named(confirm.ids[0]!)}?`
              : `Delete ${plural(confirm.ids.length, 'container')}?`
          }
          confirmLabel={
            confirm.ids.length === 1
              ? 'Delete container'
              : `Delete ${plural(confirm.ids.length, 'container')}`
          }
          onCancel={() => setConfirm(null)}
          onConfirm={() => doConfirmed(confirm)}
        >
          {confirm.ids.length > 0 ? (
            <>
              <p>
                In{' '}
                {all ? (
                  'their namespaces'
                ) : (
                  <>
                    namespace <strong>{namespace}</strong>
                  </>
                )}
                , this removes the container
                {confirm.ids.length === 1 ? '' : 's'}, {confirm.ids.length === 1 ? 'its' : 'their'}{' '}
                stopped task and snapshot:
              </p>
              <ul className="iv-confirm-list">
                {confirm.ids.slice(0, 10).map((key) => (
                  <li key={key} className="iv-mono">
                    {named(key)}
                  </li>
                ))}
                {confirm.ids.length > 10 && <li>and {confirm.ids.length - 10} more</li>}
              </ul>
            </>
          ) : (
            <p>None of the selected containers can be deleted.</p>
          )}
          {confirm.skipped.length > 0 && (
            <p className="muted">
              Skipped (still running, stop them first):{' '}
              {confirm.skipped.slice(0, 10).map(named).join(', ')}
              {confirm.skipped.length > 10 ? ` and ${confirm.skipped.length - 10} more` : ''}
            </p>
          )}
        </ConfirmDialog>
      )}
    </PageFrame>
  );
}
