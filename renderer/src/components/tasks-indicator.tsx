// The top strip's tasks indicator: running pulls, on every page, each with its progress and a way
// back to it on the Images page. Nothing shows while nothing runs.
import { useEffect, useId, useRef, useState, useSyncExternalStore } from 'react';
import { useDispatcher } from '../store/context';
import { useOptionalInsideStore } from '../store/inside-context';
import type { PullStore } from '../store/pull-store';
import { percentOf, runningPulls, shortRef, type PullEntry } from '../store/pulls-reduce';

/** "42%" or the phase while the size is not known yet. */
export function pullShortProgress(p: PullEntry): string {
  const pct = percentOf(p);
  if (p.phase === 'unpacking') return `extracting${pct !== null ? ` · ${pct}%` : ''}`;
  return pct !== null ? `${pct}%` : p.phase === 'starting' ? 'starting' : p.phase;
}

export function TasksIndicator() {
  const inside = useOptionalInsideStore();
  return inside ? <Tasks store={inside.pulls} /> : null;
}

function Tasks(props: { store: PullStore }) {
  const { store } = props;
  const pulls = useSyncExternalStore(store.subscribe, () => store.getState().pulls);
  const dispatcher = useDispatcher();
  // Where the menu opens: under the chip, fixed (the strip clips what overflows it).
  const [open, setOpen] = useState<{ left: number; top: number } | null>(null);
  const listId = useId();
  const box = useRef<HTMLDivElement>(null);
  const running = runningPulls(pulls);
  useEffect(() => {
    if (!open) return;
    const close = (e: MouseEvent) => {
      if (!box.current?.contains(e.target as Node)) setOpen(null);
    };
    // A resize moves the chip: close rather than leave the menu where the chip was.
    const closeAll = () => setOpen(null);
    document.addEventListener('mousedown', close);
    window.addEventListener('resize', closeAll);
    return () => {
      document.removeEventListener('mousedown', close);
      window.removeEventListener('resize', closeAll);
    };
  }, [open]);
  if (!running.length) return null;
  const total = running.reduce((n, p) => n + p.total, 0);
  const current = running.reduce((n, p) => n + p.current, 0);
  const pct = total ? Math.floor((current * 100) / total) : null;
  const reopen = (p: PullEntry) => {
    setOpen(null);
    store.focus(p.pullId);
    dispatcher.navigate('images');
  };
  return (
    <div
      className="tasks"
      ref={box}
      onKeyDown={(e) => {
        if (e.key === 'Escape') setOpen(null);
      }}
    >
      <button
        type="button"
        className="chip chip-info tasks-chip"
        data-testid="tasks-indicator"
        aria-expanded={open !== null}
        aria-controls={listId}
        title="Running pulls"
        onClick={(e) => {
          const r = e.currentTarget.getBoundingClientRect();
          setOpen((o) => (o ? null : { left: r.left, top: r.bottom + 4 }));
        }}
      >
        <span className="spinner" aria-hidden="true" />{' '}
        <span className="chip-text">
          Pulling {running.length === 1 ? shortRef(running[0]!.ref) : `${running.length} images`}
          {pct !== null ? ` · ${pct}%` : ''}
        </span>
      </button>
      {open && (
        <ul
          className="tasks-menu"
          style={{ left: open.left, top: open.top }}
          id={listId}
          data-testid="tasks-menu"
          aria-label="Running pulls"
        >
          {running.map((p) => (
            <li key={p.pullId}>
              <button
                type="button"
                className="tasks-item"
                data-testid="tasks-item"
                title={`Show the pull of ${p.ref} on the Images page`}
                onClick={() => reopen(p)}
              >
                <span className="tasks-ref" title={p.ref}>
                  {shortRef(p.ref)}
                </span>
                <span className="muted">{p.namespace}</span>
                <span className="tasks-pct iv-mono">{pullShortProgress(p)}</span>
                <span className="tasks-bar" aria-hidden="true">
                  <span style={{ width: `${percentOf(p) ?? 0}%` }} />
                </span>
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
