// A link's "in 8s" until its next attempt: one shared whole-second clock for every countdown on
// screen, and each one renders only when its own text changes (a page of 50 hosts backing off must
// not re-render 50 rows a second to move a few numbers).
import { useEffect, useRef, useState } from 'react';
import { retryText } from '../store/host-truth';

const listeners = new Set<() => void>();
let timer: ReturnType<typeof setTimeout> | null = null;

function arm(): void {
  timer = setTimeout(
    () => {
      timer = null;
      for (const fn of [...listeners]) fn();
      if (listeners.size > 0) arm();
    },
    1000 - (Date.now() % 1000),
  );
}

/** Call `fn` on every whole second of the wall clock until the returned function is called. */
export function onWholeSecond(fn: () => void): () => void {
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
 * retryText for `retryAt`, live while the element is on screen (an IntersectionObserver where
 * there is one): a row scrolled away or a page not shown costs no timer. Once the attempt is due
 * the text stays "now" until the row itself changes, so nothing ticks then either.
 */
export function RetryCountdown(props: { retryAt: number; testId?: string }) {
  const { retryAt } = props;
  const ref = useRef<HTMLSpanElement>(null);
  const [text, setText] = useState(() => retryText(retryAt, Date.now()));
  useEffect(() => {
    let off: (() => void) | null = null;
    const stop = () => {
      off?.();
      off = null;
    };
    const update = () => {
      // The same string again: React keeps the element as it is.
      setText(retryText(retryAt, Date.now()));
      if (retryAt <= Date.now()) stop();
    };
    const start = () => {
      update();
      if (!off && retryAt > Date.now()) off = onWholeSecond(update);
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
