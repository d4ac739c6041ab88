// The Activity page: containerd's live event feed and the supervisor's own state changes, newest
// first, filterable, held still under the pointer.
import { useMemo, useState, type ReactNode } from 'react';
import type { ContainerdEvent } from '../../../common/containerd';
import type { StateEvent } from '../../../common/states';
import { formatClock } from '../components/format';
import { supervisorDetail, supervisorWhat } from '../components/supervisor-events';
import { useInside } from '../store/inside-context';
import { MAX_EVENTS } from '../store/inside-state';
import { CopyCommand, ctrPrefix } from '../components/copy-command';
import { SearchBox } from '../components/search-box';
import { DaemonStopped, NoMatch, Reconnecting } from '../components/view-states';
import { VirtualTable, type Column } from '../components/virtual-table';
import { PageFrame } from '../components/page-frame';
import { Segmented, type Segment } from '../components/segmented';
import { Options } from '../components/options';

type Kind = 'all' | 'supervisor' | 'tasks' | 'containers' | 'images' | 'snapshot' | 'other';
const KINDS: Segment<Kind>[] = [
  ['all', 'All'],
  ['supervisor', 'Supervisor'],
  ['tasks', 'Tasks'],
  ['containers', 'Containers'],
  ['images', 'Images'],
  ['snapshot', 'Snapshots'],
  ['other', 'Other'],
];

const COLUMNS: readonly Column[] = [
  { key: 'time', label: 'Time', width: '110px' },
  // Widths of the rest live in views.css (.vt-col-ns …): they narrow with the window, so what
  // happened keeps its room.
  { key: 'ns', label: 'Namespace' },
  { key: 'topic', label: 'Who / topic' },
  { key: 'ids', label: 'What: container / image / key' },
  { key: 'detail', label: 'Detail' },
];

/** One line of the feed: one of containerd's events, or a state change of the supervisor's. */
type Line = { e: ContainerdEvent; s?: undefined } | { s: StateEvent; e?: undefined };

function kindOf(e: ContainerdEvent): Kind {
  const first = e.topic.split('/')[1] ?? '';
  return first === 'tasks' || first === 'containers' || first === 'images' || first === 'snapshot'
    ? first
    : 'other';
}

function ids(e: ContainerdEvent): string {
  return [e.containerId, e.image, e.key].filter(Boolean).join(' · ');
}

function detail(e: ContainerdEvent): string {
  const parts: string[] = [];
  if (e.pid) parts.push(`pid ${e.pid}`);
  if (e.exitStatus !== undefined) parts.push(`exit ${e.exitStatus}`);
  return parts.join(' · ');
}

// Events are kept by reference in the ring, so identity gives each a stable key as the feed grows.
const keys = new WeakMap<object, string>();
let nextKey = 0;
function eventKey(e: object): string {
  let k = keys.get(e);
  if (k === undefined) keys.set(e, (k = `e${nextKey++}`));
  return k;
}

export function ActivityView(props: { viewportHeight?: number }) {
  const events = useInside((s) => s.events);
  const supervisor = useInside((s) => s.supervisor);
  const socket = useInside((s) => s.daemon?.paths.socket);
  const namespace = useInside((s) => s.namespace);
  const [ns, setNs] = useState('');
  const [kind, setKind] = useState<Kind>('all');
  const [search, setSearch] = useState('');
  const [held, setHeld] = useState<{
    events: readonly ContainerdEvent[];
    supervisor: readonly StateEvent[];
  } | null>(null);

  // While the pointer is over the feed, it holds still; new events wait behind a button.
  const source = held ?? { events, supervisor };
  const total = events.length + supervisor.length;
  const waiting = held ? total - held.events.length - held.supervisor.length : 0;
  const sourceLength = source.events.length + source.supervisor.length;

  const keyed = useMemo(() => {
    const lines: (Line & { key: string; at: number })[] = [
      ...source.events.map((e) => ({ e, key: eventKey(e), at: e.at })),
      ...source.supervisor.map((s) => ({ s, key: eventKey(s), at: s.at })),
    ];
    // Both lists are oldest first; a stable sort by time keeps each one's own order.
    return lines.sort((a, b) => b.at - a.at);
  }, [source.events, source.supervisor]);
  // The one namespace list every page offers, and any namespace an event named since.
  const known = useInside((s) => s.namespaces);
  const namespaces = useMemo(
    () =>
      [...new Set([...(known ?? []).map((n) => n.name), ...events.map((e) => e.namespace)])].sort(),
    [known, events],
  );
  const needle = search.trim().toLowerCase();
  const shown = useMemo(
    () =>
      keyed.filter((l) =>
        l.s
          ? !ns &&
            (kind === 'all' || kind === 'supervisor') &&
            (!needle ||
              `supervisor ${supervisorWhat(l.s)} ${supervisorDetail(l.s)}`
                .toLowerCase()
                .includes(needle))
          : (!ns || l.e.namespace === ns) &&
            (kind === 'all' || kindOf(l.e) === kind) &&
            (!needle || `${l.e.topic} ${ids(l.e)} ${detail(l.e)}`.toLowerCase().includes(needle)),
      ),
    [keyed, ns, kind, needle],
  );

  let body: ReactNode;
  if (total === 0)
    body = (
      <div className="iv-empty-state" data-testid="activity-empty">
        <p>
          <strong>No events yet.</strong> containerd’s events (tasks starting and exiting,
          containers and images created or deleted) and the supervisor’s own (containerd started,
          stopped, restarted after a crash or a hang) appear here as they happen. Try:
        </p>
        <CopyCommand command={`${ctrPrefix(socket, namespace)} run -d IMAGE demo sleep infinity`} />
      </div>
    );
  else if (shown.length === 0)
    body = (
      <NoMatch
        testId="activity-no-match"
        onClear={() => {
          setNs('');
          setKind('all');
          setSearch('');
        }}
      >
        No events match the filter
      </NoMatch>
    );
  else
    body = (
      <VirtualTable
        label="containerd events, newest first"
        testId="activity-table"
        columns={COLUMNS}
        items={shown}
        itemKey={(x) => x.key}
        viewportHeight={props.viewportHeight}
        onPointerInside={(inside) => setHeld(inside ? { events, supervisor } : null)}
        rowClass={(l) => (l.s ? 'iv-supervisor-row' : '')}
        cells={({ e, s }) =>
          s ? (
            <>
              <td className="iv-mono" title={new Date(s.at).toLocaleString()}>
                {formatClock(s.at)}
              </td>
              <td className="muted">—</td>
              <td>
                <span className="iv-chip iv-chip-supervisor">supervisor</span>
              </td>
              <td title={`${supervisorWhat(s)} — ${supervisorDetail(s)}`}>
                <strong>{supervisorWhat(s)}</strong>{' '}
                <span className="muted">· {supervisorDetail(s)}</span>
              </td>
              <td className="iv-mono">{s.pid ? `pid ${s.pid}` : ''}</td>
            </>
          ) : (
            <>
              <td className="iv-mono" title={new Date(e.at).toLocaleString()}>
                {formatClock(e.at)}
              </td>
              <td>{e.namespace}</td>
              <td className="iv-mono" title={e.topic}>
                {e.topic}
              </td>
              <td className="iv-mono" title={ids(e)}>
                {ids(e)}
              </td>
              <td className="iv-mono" title={detail(e)}>
                {detail(e)}
              </td>
            </>
          )
        }
      />
    );

  return (
    <PageFrame
      id="activity"
      title="Activity"
      tools={
        <>
          <label className="iv-ns-picker">
            Namespace{' '}
            <select
              value={ns}
              onChange={(e) => setNs(e.target.value)}
              data-testid="activity-namespace"
            >
              <option value="">all</option>
              <Options values={namespaces} />
            </select>
          </label>
          <Segmented label="Show events about" segments={KINDS} value={kind} onChange={setKind} />
          <SearchBox label="Search events" value={search} onChange={setSearch} />
          <span className="muted" data-testid="activity-count">
            {shown.length === sourceLength
              ? `${sourceLength} events`
              : `${shown.length} of ${sourceLength} events`}
            {events.length >= MAX_EVENTS ? ` (the newest ${MAX_EVENTS} kept)` : ''}
          </span>
          {waiting > 0 && (
            <button type="button" className="link" onClick={() => setHeld(null)}>
              {waiting} new · show
            </button>
          )}
        </>
      }
    >
      <DaemonStopped />
      <Reconnecting />
      {body}
    </PageFrame>
  );
}
