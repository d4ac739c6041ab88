// A link's "in ~25s" until its next attempt, on a page of many hosts: one shared clock that steps
// every COUNTDOWN_STEP_MS of the wall clock, so every countdown on screen moves in the same frame
// (48 hosts backing off out of step would otherwise repaint the page every second), and each one
// renders only when its own text changes.
import { useEffect, useRef, useState } from 'react';
import { COUNTDOWN_STEP_MS, steppedRetryText } from '../store/host-truth';
import { followingClock, onClockStep } from './step-clock';

/** How many countdowns follow the clock now (0: no timer runs at all). */
export function countdownsTicking(): number {
  return followingClock(COUNTDOWN_STEP_MS);
}

/** One countdown's clock: what it counts to, whether it is seen, and its step subscription. */
interface CountdownClock {
  retryAt: number;
  /** The element is on screen (or there is no IntersectionObserver to say otherwise). */
  shown: boolean;
  off: (() => void) | null;
  set: (text: string) => void;
}

/** Follow the step clock while shown and not yet due; stop otherwise. */
function follow(c: CountdownClock): void {
  const stop = () => {
    c.off?.();
    c.off = null;
  };
  const update = () => {
    // The same string again: React keeps the element as it is.
    c.set(steppedRetryText(c.retryAt, Date.now()));
    if (c.retryAt <= Date.now()) stop();
  };
  if (!c.shown) return stop();
  update();
  if (!c.off && c.retryAt > Date.now()) c.off = onClockStep(COUNTDOWN_STEP_MS, update);
}

/**
 * steppedRetryText for `retryAt`, live while the element is on screen (an IntersectionObserver
 * where there is one): a row scrolled away or a page not shown costs no timer. Once the attempt is
 * due the text stays "now" until the row itself changes, so nothing ticks then either.
 */
export function RetryCountdown(props: { retryAt: number; testId?: string }) {
  const { retryAt } = props;
  const ref = useRef<HTMLSpanElement>(null);
  const [text, setText] = useState(() => steppedRetryText(retryAt, Date.now()));
  // The clock's state outlives a retry time: a failed retry (a new time) restarts the count
  // without a new IntersectionObserver, one per element for as long as it is on the page.
  const clock = useRef<CountdownClock>({ retryAt, shown: false, off: null, set: setText });
  useEffect(() => {
    const c = clock.current;
    const el = ref.current;
    if (typeof IntersectionObserver === 'undefined' || !el) {
      c.shown = true;
      follow(c);
      return () => {
        c.shown = false;
        follow(c);
      };
    }
    const io = new IntersectionObserver((entries) => {
      c.shown = entries[entries.length - 1]?.isIntersecting ?? false;
      follow(c);
    });
    io.observe(el);
    return () => {
      io.disconnect();
      c.shown = false;
      follow(c);
    };
  }, []);
  useEffect(() => {
    const c = clock.current;
    if (c.retryAt === retryAt) return;
    c.retryAt = retryAt;
    c.off?.();
    c.off = null;
    follow(c);
  }, [retryAt]);
  return (
    <span ref={ref} className="retry-countdown" data-testid={props.testId}>
      {text}
    </span>
  );
}
