// Shared hooks: a ticking clock, an element's measured height, and the truth model (badge state) for the current store.
import { createContext, useContext, useEffect, useRef, useState } from 'react';
import type { ContractError, Result } from '../../../common/contract';
import { useStore } from '../store/context';
import type { StoreState } from '../store/store';
import { deriveTruth, type Truth } from '../store/truth';
import { onClockStep } from './step-clock';

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

/** Whether the page this is on is shown (false inside a hidden page: its clocks need not tick). */
export const PageShownContext = createContext(true);

/** The same claim, whatever the clock says: the badge, its reason and the counts, not `clock`. */
function sameClaim(a: Truth, b: Truth): boolean {
  return (
    a.kind === b.kind &&
    a.label === b.label &&
    a.icon === b.icon &&
    a.tone === b.tone &&
    a.reason === b.reason &&
    a.detail === b.detail &&
    a.live === b.live &&
    a.problems === b.problems &&
    a.retryAt === b.retryAt
  );
}

/**
 * What may be claimed right now, re-derived each second so countdowns and ages tick together.
 * `clock`: the caller draws counters from truth.clock (uptime, the chart's time axis), so it
 * renders every second while its page is shown; otherwise (a badge, a count, or a hidden page)
 * it renders only when the claim itself changes (a backoff countdown's number, a new state).
 */
export function useTruth(opts: { clock?: boolean } = {}): Truth {
  const status = useStore((s) => s.status);
  const connection = useStore((s) => s.connection);
  const health = useStore((s) => s.health);
  const settings = useStore((s) => s.settings);
  const transitions = useStore((s) => s.transitions);
  const lastSeenAt = useStore((s) => s.lastSeenAt);
  const shown = useContext(PageShownContext);
  const everySecond = (opts.clock ?? false) && shown;
  const [, setTick] = useState(0);
  const partial = { status, connection, health, settings, transitions, lastSeenAt } as StoreState;
  const truth = deriveTruth(partial, Date.now());
  const latest = useRef({ partial, truth });
  latest.current = { partial, truth };
  // One shared timer for every badge and counter on the page (five of them wake once a second together).
  useEffect(
    () =>
      onClockStep(1000, () => {
        const { partial: p, truth: was } = latest.current;
        if (everySecond || !sameClaim(deriveTruth(p, Date.now()), was)) setTick((n) => n + 1);
      }),
    [everySecond],
  );
  return truth;
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
