// The host switcher at the top of the sidebar: the selected host with its badge; a list of every host (each with its badge) to open another.
import { useEffect, useRef, useState, type KeyboardEvent } from 'react';
import { LOCAL_HOST } from '../../../common/hosts';
import { hostTruth } from '../store/host-truth';
import { switchableHosts } from '../store/hosts-store';
import { useHostScope, useHosts } from '../store/hosts-context';
import { useStore } from '../store/context';
import { withHost } from '../store/pages';
import { HostBadge } from './host-badge';
import { useNow, useTruth } from './hooks';

export function HostSwitcher() {
  const { host } = useHostScope();
  const [open, setOpen] = useState(false);
  // Closed, the button shows only its own host's truth: the list's changes need no render then.
  const state = useHosts((s) => (open ? s : null));
  const page = useStore((s) => s.page);
  const options = switchableHosts(state ?? { hosts: null, error: null });
  const [active, setActive] = useState(0);
  // The list floats over the page (fixed, placed under the button): the sidebar's scroll box would clip it.
  const [place, setPlace] = useState<{ top: number; left: number; minWidth: number } | null>(null);
  const button = useRef<HTMLButtonElement>(null);
  const listRef = useRef<HTMLUListElement>(null);
  // The selected host's badge is its pages' own truth (Unknown while its link is down).
  const truth = useTruth();
  const now = useNow(5000, open);

  useEffect(() => {
    if (open) listRef.current?.focus();
  }, [open]);

  const choose = (name: string) => {
    setOpen(false);
    button.current?.focus();
    // The same page on the chosen host (a container's page is this host's only: its list instead).
    if (name !== host) window.location.hash = withHost(name, `#/${page}`);
  };
  const toggle = () => {
    const i = options.findIndex((o) => o.name === host);
    setActive(Math.max(0, i));
    const r = button.current?.getBoundingClientRect();
    if (r) setPlace({ top: r.bottom + 4, left: r.left, minWidth: Math.max(r.width, 260) });
    setOpen((o) => !o);
  };
  const onListKey = (e: KeyboardEvent) => {
    const n = options.length;
    if (e.key === 'ArrowDown') setActive((i) => (i + 1) % n);
    else if (e.key === 'ArrowUp') setActive((i) => (i - 1 + n) % n);
    else if (e.key === 'Home') setActive(0);
    else if (e.key === 'End') setActive(n - 1);
    else if (e.key === 'Enter' || e.key === ' ') {
      const o = options[active];
      if (o) choose(o.name);
    } else if (e.key === 'Escape' || e.key === 'Tab') {
      setOpen(false);
      if (e.key === 'Escape') button.current?.focus();
      return;
    } else return;
    e.preventDefault();
  };
  const label = `Host: ${host}, ${truth.label}`;
  return (
    <div className="host-switcher">
      <button
        ref={button}
        type="button"
        className="hs-button"
        data-testid="host-switcher"
        data-host={host}
        aria-haspopup="listbox"
        aria-expanded={open}
        aria-label={label}
        title={`${label} · switch host`}
        onClick={toggle}
        onKeyDown={(e) => {
          if (e.key === 'ArrowDown' && !open) {
            e.preventDefault();
            toggle();
          }
        }}
      >
        <span
          className={`badge tone-${truth.tone} badge-dot`}
          data-kind={truth.kind}
          aria-hidden="true"
        >
          {truth.icon}
        </span>
        <span className="hs-name">{host}</span>
        <span className="hs-caret" aria-hidden="true">
          ▾
        </span>
      </button>
      {open && (
        <ul
          ref={listRef}
          className="hs-list"
          role="listbox"
          aria-label="Hosts"
          tabIndex={-1}
          data-testid="host-list"
          style={place ?? undefined}
          aria-activedescendant={`host-opt-${active}`}
          onKeyDown={onListKey}
          onBlur={(e) => {
            if (!e.currentTarget.parentElement?.contains(e.relatedTarget as Node | null))
              setOpen(false);
          }}
        >
          {options.map((o, i) => {
            const t = o.view ? hostTruth(o.view, now) : null;
            return (
              <li
                key={o.name}
                id={`host-opt-${i}`}
                role="option"
                aria-selected={o.name === host}
                className={`hs-option${i === active ? ' hs-active' : ''}`}
                data-testid={`host-option-${o.name}`}
                onMouseEnter={() => setActive(i)}
                onMouseDown={(e) => e.preventDefault()}
                onClick={() => choose(o.name)}
              >
                <span className="hs-opt-name">
                  {o.name}
                  {o.name === LOCAL_HOST && <span className="muted"> · this machine</span>}
                  {o.view?.readOnly && <span className="muted"> · read-only</span>}
                </span>
                {t && <HostBadge truth={t} compact />}
                {t && t.reason && !t.live && (
                  <span className="hs-opt-reason muted">{t.reason}</span>
                )}
              </li>
            );
          })}
        </ul>
      )}
    </div>
  );
}
