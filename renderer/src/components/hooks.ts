// Shared hooks: a ticking clock, an element's measured height, and the truth model (badge state) for the current store.
import { useEffect, useState } from 'react';
import type { ContractError, Result } from '../../../common/contract';
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

/**
 * The current time on the wall clock's whole seconds while `active` (the hosts store tells of row
 * changes on the same boundaries, so a countdown and a row change share one frame).
 */
export function useSecondTick(active: boolean): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!active) return;
    setNow(Date.now());
    let t: ReturnType<typeof setTimeout>;
    const arm = () => {
      t = setTimeout(
        () => {
          setNow(Date.now());
          arm();
        },
        1000 - (Date.now() % 1000),
      );
    };
    arm();
    return () => clearTimeout(t);
  }, [active]);
  return now;
}

/** One of the element's client sizes, kept current with a ResizeObserver where there is one. */
function useClientSize(
  ref: { readonly current: HTMLElement | null },
  read: (el: HTMLElement) => number,
  initial: number,
  keepLast: boolean,
): number {
  const [size, setSize] = useState(initial);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const measure = () => {
      const v = read(el);
      // A hidden element measures 0: a chart keeps the width it last had.
      if (!keepLast || v > 0) setSize(v);
    };
    measure();
    if (typeof ResizeObserver === 'undefined') return;
    const ro = new ResizeObserver(measure);
    ro.observe(el);
    return () => ro.disconnect();
  }, [ref, read, keepLast]);
  return size;
}

const clientHeight = (el: HTMLElement) => el.clientHeight;
const clientWidth = (el: HTMLElement) => el.clientWidth;

/** The element's clientHeight; 0 until measured. */
export function useClientHeight(ref: { readonly current: HTMLElement | null }): number {
  return useClientSize(ref, clientHeight, 0, false);
}

/** The element's clientWidth, `initial` until it is measured wider than 0 (charts draw at it). */
export function useClientWidth(
  ref: { readonly current: HTMLElement | null },
  initial: number,
): number {
  return useClientSize(ref, clientWidth, initial, true);
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

/**
 * A read run once its inputs have been still for `settleMs` (a burst of list changes costs one
 * read), its last answer kept; `read` null means "not now". Re-runs when `deps` change.
 */
export function useSettledRead<T>(
  read: (() => Promise<Result<T>>) | null,
  deps: readonly unknown[],
  settleMs = 400,
): { value: T | null; error: ContractError | null } {
  const [got, setGot] = useState<{ value: T | null; error: ContractError | null }>({
    value: null,
    error: null,
  });
  useEffect(() => {
    if (!read) return;
    let live = true;
    const t = setTimeout(() => {
      void read().then((r) => {
        if (live) setGot(r.ok ? { value: r.value, error: null } : { value: null, error: r.error });
      });
    }, settleMs);
    return () => {
      live = false;
      clearTimeout(t);
    };
    // `read` is a fresh closure each render: the caller's deps say when it means a new read.
  }, [read === null, settleMs, ...deps]);
  return got;
}
