// A container's output (container:logs), followed: the newest lines, then what is written after
// them, in one virtualised list; stderr has a gutter mark and a colour of its own.
import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'react';
import type { ContainerLogLine } from '../../../common/container-commands';
import type { ContractError } from '../../../common/contract';
import { call } from '../store/inside-call';
import { useInsideStore } from '../store/inside-context';
import { formatClock } from './format';
import { ErrorLine } from './view-states';
import { useVirtualRows } from './virtual-rows';
import { Segmented } from './segmented';

const ROW_HEIGHT = 20;
/** Lines kept on the page; older ones drop off the top (cdesk logs reads the whole file). */
export const MAX_LINES = 20_000;
const FIRST_TAIL = 2000;
/**
 * Following is a long poll: the app answers as soon as the log grows (or empty after WAIT_MS), so
 * a line shows when it is written; GAP_MS between replies lets a flood arrive in batches.
 */
const WAIT_MS = 2000;
const GAP_MS = 50;

export function ContainerLogs(props: { namespace: string; id: string; active: boolean }) {
  const store = useInsideStore();
  const [lines, setLines] = useState<ContainerLogLine[]>([]);
  const [error, setError] = useState<ContractError | null>(null);
  const [loaded, setLoaded] = useState(false);
  const [stream, setStream] = useState<'all' | 'stdout' | 'stderr'>('all');
  const [follow, setFollow] = useState(true);
  const viewport = useRef<HTMLDivElement>(null);

  // Read the tail once, then poll with the cursor while the tab is on screen.
  useEffect(() => {
    if (!props.active) return;
    let cursor: string | undefined;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const tick = async () => {
      const r = await call(store.client, 'container:logs', {
        namespace: props.namespace,
        id: props.id,
        ...(cursor === undefined ? { tail: FIRST_TAIL } : { cursor, waitMs: WAIT_MS }),
      });
      if (stopped) return;
      setLoaded(true);
      if (!r.ok) setError(r.error);
      else {
        setError(null);
        const first = cursor === undefined;
        cursor = r.value.cursor;
        const got = r.value.lines;
        if (first || got.length)
          setLines((prev) => {
            const next = first ? got : prev.concat(got);
            return next.length > MAX_LINES ? next.slice(next.length - MAX_LINES) : next;
          });
        if (r.value.more) return void (timer = setTimeout(() => void tick(), 0));
      }
      // After a failure, wait as long as a quiet poll would before asking again.
      timer = setTimeout(() => void tick(), r.ok ? GAP_MS : WAIT_MS);
    };
    void tick();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [store, props.namespace, props.id, props.active]);

  const shown = stream === 'all' ? lines : lines.filter((l) => l.stream === stream);
  const rowHeight = useCallback(() => ROW_HEIGHT, []);
  const { items, before, after } = useVirtualRows({
    count: shown.length,
    scrollRef: viewport,
    rowHeight,
    overscan: 20,
    block: 16,
    fallbackHeight: 400,
    syncScroll: false,
  });
  useLayoutEffect(() => {
    const el = viewport.current;
    if (follow && el) el.scrollTop = el.scrollHeight;
  }, [follow, shown.length]);

  const errors = lines.filter((l) => l.stream === 'stderr').length;
  return (
    <div className="cp-logs" data-testid="container-logs">
      <div className="cp-toolbar">
        <Segmented
          label="Streams"
          segments={[
            ['all', 'All'],
            ['stdout', 'stdout'],
            ['stderr', errors ? `stderr ${errors}` : 'stderr'],
          ]}
          value={stream}
          onChange={setStream}
        />
        <label className="cp-check">
          <input type="checkbox" checked={follow} onChange={(e) => setFollow(e.target.checked)} />{' '}
          Follow
        </label>
        <span className="muted">
          {lines.length === MAX_LINES
            ? `newest ${MAX_LINES} lines`
            : `${lines.length} line${lines.length === 1 ? '' : 's'}`}
        </span>
      </div>
      {error && <ErrorLine error={error} />}
      <div
        ref={viewport}
        className="cp-log-viewport"
        role="log"
        aria-label={`Output of ${props.id}`}
        onWheel={(e) => {
          if (e.deltaY < 0) setFollow(false);
        }}
      >
        {loaded && !error && shown.length === 0 && (
          <p className="muted cp-empty">
            {lines.length ? 'No lines on this stream.' : 'Nothing written yet.'}
          </p>
        )}
        <div style={{ height: before }} />
        {items.map((it) => {
          const l = shown[it.index];
          if (!l) return null;
          return (
            <div
              key={it.index}
              className={`cp-log-row cp-${l.stream}`}
              data-testid="container-log-row"
              data-stream={l.stream}
              title={l.timestamp}
            >
              <span className="cp-gutter" aria-label={l.stream === 'stderr' ? 'stderr' : undefined}>
                {l.stream === 'stderr' ? '!' : ''}
              </span>
              <span className="log-time">{formatClock(l.time)}</span>
              <span className="cp-log-text">{l.text}</span>
            </div>
          );
        })}
        <div style={{ height: after }} />
      </div>
    </div>
  );
}
