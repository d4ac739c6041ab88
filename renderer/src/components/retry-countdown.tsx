// A link's "in ~25s" until its next attempt, on a page of many hosts: one shared clock that steps
// every COUNTDOWN_STEP_MS of the wall clock, so every countdown on screen moves in the same frame
// (48 hosts backing off out of step would otherwise repaint the page every second), and each one
// renders only when its own text changes.
import { useEffect, useRef, useState } from 'react';
import { COUNTDOWN_STEP_MS, steppedRetryText } from '../store/host-truth';

const listeners = new Set<() => void>();
let timer: ReturnType<typeof setTimeout> | null = null;

function arm(): void {
  timer = setTimeout(
    () => {
      timer = null;
      for (const fn of [...listeners]) fn();
      if (listeners.size > 0) arm();
    },
    COUNTDOWN_STEP_MS - (Date.now() % COUNTDOWN_STEP_MS),
  );
}

/** Call `fn` on every COUNTDOWN_STEP_MS boundary of the wall clock until the returned function is called. */
export function onClockStep(fn: () => void): () => void {
  listeners.add(fn);
  if (!timer) arm();
  return () => {
    listeners.delete(fn);
    if (listeners.size === 0 && timer) {
      clearTimeout(timer);
      timer = null;
    }
  };
}

/** How many countdowns follow the clock now (0: no timer runs at all). */
export function countdownsTicking(): number {
  return listeners.size;
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
  useEffect(() => {
    let off: (() => void) | null = null;
    const stop = () => {
      off?.();
      off = null;
    };
    const update = () => {
      // The same string again: React keeps the element as it is.
      setText(steppedRetryText(retryAt, Date.now()));
      if (retryAt <= Date.now()) stop();
    };
    const start = () => {
      update();
      if (!off && retryAt > Date.now()) off = onClockStep(update);
    };
    const el = ref.current;
    if (typeof IntersectionObserver === 'undefined' || !el) {
      start();
      return stop;
    }
    const io = new IntersectionObserver((entries) => {
      if (entries[entries.length - 1]?.isIntersecting) start();
      else stop();
    });
    io.observe(el);
    return () => {
      io.disconnect();
      stop();
    };
  }, [retryAt]);
  return (
    <span ref={ref} className="retry-countdown" data-testid={props.testId}>
      {text}
    </span>
  );
}
