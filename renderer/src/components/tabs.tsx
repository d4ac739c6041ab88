// Accessible tabs (WAI-ARIA pattern): arrow keys move between tabs, panels stay mounted.
import { useRef, type KeyboardEvent, type ReactNode } from 'react';

export interface TabSpec {
  id: string;
  label: string;
  content: ReactNode;
}

export function Tabs(props: { tabs: TabSpec[]; active: string; onChange: (id: string) => void }) {
  const refs = useRef<Record<string, HTMLButtonElement | null>>({});
  const onKey = (e: KeyboardEvent) => {
    const i = props.tabs.findIndex((t) => t.id === props.active);
    const n = props.tabs.length;
    const next =
      e.key === 'ArrowRight'
        ? (i + 1) % n
        : e.key === 'ArrowLeft'
          ? (i - 1 + n) % n
          : e.key === 'Home'
            ? 0
            : e.key === 'End'
              ? n - 1
              : -1;
    const tab = props.tabs[next];
    if (!tab) return;
    e.preventDefault();
    props.onChange(tab.id);
    refs.current[tab.id]?.focus();
  };
  return (
    <>
      <div className="tabs" role="tablist" aria-label="Sections" onKeyDown={onKey}>
        {props.tabs.map((t) => (
          <button
            key={t.id}
            ref={(el) => {
              refs.current[t.id] = el;
            }}
            type="button"
            role="tab"
            id={`tab-${t.id}`}
            data-testid={`tab-${t.id}`}
            aria-selected={t.id === props.active}
            aria-controls={`panel-${t.id}`}
            tabIndex={t.id === props.active ? 0 : -1}
            onClick={() => props.onChange(t.id)}
          >
            {t.label}
          </button>
        ))}
      </div>
      {props.tabs.map((t) => (
        <div
          key={t.id}
          role="tabpanel"
          id={`panel-${t.id}`}
          aria-labelledby={`tab-${t.id}`}
          hidden={t.id !== props.active}
        >
          {t.content}
        </div>
      ))}
    </>
  );
}
