// One timer per step for every view that follows the wall clock (the badges' once-a-second check,
// the Overview's countdowns): a page with many of them wakes once per step, not once per each.

const clocks = new Map<
  number,
  { listeners: Set<() => void>; timer: ReturnType<typeof setTimeout> | null }
>();

function arm(stepMs: number): void {
  const c = clocks.get(stepMs);
  if (!c) return;
  c.timer = setTimeout(
    () => {
      c.timer = null;
      for (const fn of [...c.listeners]) fn();
      if (c.listeners.size > 0) arm(stepMs);
    },
    stepMs - (Date.now() % stepMs),
  );
}

/** Call `fn` on every `stepMs` boundary of the wall clock until the returned function is called. */
export function onClockStep(stepMs: number, fn: () => void): () => void {
  let c = clocks.get(stepMs);
  if (!c) clocks.set(stepMs, (c = { listeners: new Set(), timer: null }));
  c.listeners.add(fn);
  if (!c.timer) arm(stepMs);
  return () => {
    c.listeners.delete(fn);
    if (c.listeners.size === 0) {
      if (c.timer) clearTimeout(c.timer);
      clocks.delete(stepMs);
    }
  };
}

/** How many views follow the `stepMs` clock now (0: no timer runs for it). */
export function followingClock(stepMs: number): number {
  return clocks.get(stepMs)?.listeners.size ?? 0;
}
