// A deadline to race an await against: a promise that rejects with the caller's own error after a
// time, and a cancel that clears its timer (so a finished wait leaves nothing keeping Node alive).

export interface Deadline {
  /** Rejects with `error()` once `ms` have passed; never resolves. */
  readonly expired: Promise<never>;
  /** Clears the timer; `expired` then never settles. */
  cancel(): void;
}

/** `Promise.race([work, d.expired])`, then `d.cancel()` in a finally. */
export function rejectAfter(ms: number, error: () => Error): Deadline {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(error()), ms);
  });
  return { expired, cancel: () => clearTimeout(timer) };
}
