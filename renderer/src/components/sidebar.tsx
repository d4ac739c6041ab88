// The left sidebar (an icon rail when narrow): one tab per page, counts beside Containers and Plugins.
import { useEffect, useRef, type KeyboardEvent } from 'react';
import { useTruth } from './hooks';
import { useDispatcher, useStore } from '../store/context';
import { useInside, useInsideStore } from '../store/inside-context';
import { listCounts } from '../store/inside-state';
import { useHostScope } from '../store/hosts-context';
import { OVERVIEW_HASH, PAGES, withHost, type PageId } from '../store/pages';
import { HostSwitcher } from './host-switcher';
import { NavIcon, OverviewIcon } from './nav-icons';

/** The small count beside a page's name, or null. */
export function pageCount(
  id: PageId,
  containers: { running: number; total: number; namespace?: string } | null | undefined,
  problems: number,
): { text: string; warn: boolean; title: string } | null {
  if (id === 'containers' && containers) {
    const where = containers.namespace ? ` in ${containers.namespace}` : '';
    return {
      text: `${containers.running}/${containers.total}`,
      warn: false,
      title: `${containers.running} running of ${containers.total} containers${where}`,
    };
  }
  if (id === 'plugins' && problems > 0) {
    return {
      text: `⚠ ${problems}`,
      warn: true,
      title: `${problems} problem${problems === 1 ? '' : 's'}`,
    };
  }
  return null;
}

/** `overview`: the Overview page is shown (above the host's pages, none of which is selected then). */
export function Sidebar(props: { overview?: boolean }) {
  const dispatcher = useDispatcher();
  const current = useStore((s) => s.page);
  const page = props.overview ? null : current;
  const { host } = useHostScope();
  // The same list the Containers page shows (its namespace, live from events): never a count that
  // disagrees with the page's "Running N · Stopped M".
  const inside = useInsideStore();
  useEffect(() => inside.want('containers'), [inside]);
  const list = useInside((s) => (s.containers.namespace === s.namespace ? s.containers : null));
  const containers = list?.value ? { ...listCounts(list.value), namespace: list.namespace } : null;
  const truth = useTruth();
  const refs = useRef<Partial<Record<PageId, HTMLButtonElement | null>>>({});
  const go = (id: PageId, focus: boolean) => {
    // From the Overview the store may already be on that page: the address says which one shows.
    if (props.overview) window.location.hash = withHost(host, `#/${id}`);
    dispatcher.navigate(id);
    if (focus) refs.current[id]?.focus();
  };
  const onKey = (e: KeyboardEvent) => {
    const i = PAGES.findIndex((p) => p.id === (page ?? current));
    const n = PAGES.length;
    const next =
      e.key === 'ArrowDown' || e.key === 'ArrowRight'
        ? (i + 1) % n
        : e.key === 'ArrowUp' || e.key === 'ArrowLeft'
          ? (i - 1 + n) % n
          : e.key === 'Home'
            ? 0
            : e.key === 'End'
              ? n - 1
              : -1;
    const p = PAGES[next];
    if (!p) return;
    e.preventDefault();
    go(p.id, true);
  };
  const stale = truth.kind === 'unknown';
  return (
    <nav className="sidebar" aria-label="Containerd Desktop">
      <div className="brand" aria-hidden="true">
        <svg className="brand-mark" width="20" height="20" viewBox="0 0 20 20">
          <path d="M10 1.5 17.5 5.8v8.4L10 18.5 2.5 14.2V5.8z" />
          <path d="M10 1.5v8.5m0 0 7.5-4.2M10 10l-7.5-4.2M10 10v8.5" />
        </svg>
        <span className="brand-name">Containerd Desktop</span>
      </div>
      <a
        href={OVERVIEW_HASH}
        className="nav-item nav-overview"
        data-testid="tab-overview"
        aria-current={props.overview ? 'page' : undefined}
        title="Overview · every host"
      >
        <span className="nav-icon" aria-hidden="true">
          <OverviewIcon />
        </span>
        <span className="nav-label">Overview</span>
      </a>
      <HostSwitcher />
      <div
        role="tablist"
        aria-orientation="vertical"
        aria-label={`Pages of ${host}`}
        onKeyDown={onKey}
      >
        {PAGES.map((p) => {
          const count = pageCount(p.id, containers, truth.problems);
          return (
            <button
              key={p.id}
              ref={(el) => {
                refs.current[p.id] = el;
              }}
              type="button"
              role="tab"
              id={`tab-${p.id}`}
              data-testid={`tab-${p.id}`}
              aria-label={p.label}
              aria-selected={p.id === page}
              aria-controls={`panel-${p.id}`}
              aria-describedby={count ? `count-${p.id}` : undefined}
              tabIndex={p.id === (page ?? current) ? 0 : -1}
              title={count ? `${p.label} · ${count.title}` : p.label}
              className="nav-item"
              onClick={() => go(p.id, false)}
            >
              <span className="nav-icon" aria-hidden="true">
                <NavIcon page={p.id} />
              </span>
              <span className="nav-label">{p.label}</span>
              {count && (
                <span
                  id={`count-${p.id}`}
                  className={`nav-count${count.warn ? ' warn' : ''}${stale ? ' stale' : ''}`}
                  data-testid={`count-${p.id}`}
                >
                  <span aria-hidden="true">{count.text}</span>
                  <span className="sr-only">{count.title}</span>
                </span>
              )}
            </button>
          );
        })}
      </div>
    </nav>
  );
}
