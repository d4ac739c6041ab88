// Shared hooks: a ticking clock, an element's measured height, and the truth model (badge state) for the current store.
import { useEffect, useState } from 'react';
import { useStore } from '../store/context';
import type { StoreState } from '../store/store';
import { deriveTruth, type Truth } from '../store/truth';

/** The current time, refreshed every `intervalMs` while `active`. */
export function useNow(intervalMs = 1000, active = true): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!active) return;
    setNow(Date.now());
    const t = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(t);
  }, [intervalMs, active]);
  return now;
}

/** The element's clientHeight, kept current with a ResizeObserver where there is one; 0 until measured. */
export function useClientHeight(ref: { readonly current: HTMLElement | null }): number {
  const [height, setHeight] = useState(0);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const measure = () => setHeight(el.clientHeight);
    measure();
    if (typeof ResizeObserver === 'undefined') return;
    const ro = new ResizeObserver(measure);
    ro.observe(el);
    return () => ro.disconnect();
  }, [ref]);
  return height;
}

/** What may be claimed right now; re-derived each second so countdowns and ages tick together. */
export function useTruth(): Truth {
  const status = useStore((s) => s.status);
  const connection = useStore((s) => s.connection);
  const health = useStore((s) => s.health);
  const settings = useStore((s) => s.settings);
  const transitions = useStore((s) => s.transitions);
  const lastSeenAt = useStore((s) => s.lastSeenAt);
  const now = useNow(1000);
  const partial = { status, connection, health, settings, transitions, lastSeenAt };
  return deriveTruth(partial as StoreState, now);
}
