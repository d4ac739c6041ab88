// Requests that read pages of megabytes (log reads) take turns across every client of the
// process, one at a time, with the event loop let through between two of them. A crowd of big
// reads then costs the crowd time, not everyone else's `status`: each takes tens of milliseconds
// of one thread (select the lines, encode them, copy them to the socket), and a hundred begun in
// the same tick would hold that thread for seconds.

/** Commands whose answer is a page of up to megabytes. */
const BULK_COMMANDS: ReadonlySet<string> = new Set(['logs:read', 'container:logs']);

export function isBulkCommand(cmd: string): boolean {
  return BULK_COMMANDS.has(cmd);
}

let busy = false;
/** Bounded by the connections open times the requests each may have answered at once. */
const waiting: (() => void)[] = [];
/** The longest rest after a turn (ms). */
const MAX_REST_MS = 100;

/**
 * Wait for this request's turn; call the returned function once its reply is handed over. After
 * each turn the thread rests as long as the turn took (up to MAX_REST_MS) before the next begins,
 * so that big reads get at most half of it while they crowd in: in that rest the loop accepts the
 * connections waiting in the socket's backlog and answers their small requests (a busy loop
 * accepts about one connection per turn, so a status queued behind a hundred greedy connections
 * would otherwise wait for a hundred turns).
 */
export async function bulkTurn(): Promise<() => void> {
  if (busy) await new Promise<void>((resolve) => waiting.push(resolve));
  busy = true;
  const began = performance.now();
  let released = false;
  return () => {
    if (released) return;
    released = true;
    const rest = Math.min(performance.now() - began, MAX_REST_MS);
    setTimeout(() => {
      const next = waiting.shift();
      if (next) next();
      else busy = false;
    }, rest);
  };
}

/**
 * Run `work` in its turn when `cmd` is bulk, else at once. `queued` is told when the request starts
 * and stops waiting for its turn (a connection that waits in a crowd may give its place up).
 */
export async function inBulkTurn<T>(
  cmd: string,
  work: () => Promise<T>,
  queued?: (waiting: boolean) => void,
): Promise<T> {
  if (!isBulkCommand(cmd)) return work();
  const waits = busy;
  if (waits) queued?.(true);
  const release = await bulkTurn();
  if (waits) queued?.(false);
  try {
    return await work();
  } finally {
    release();
  }
}
