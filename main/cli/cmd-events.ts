// `cdesk events`: containerd's events as they happen (like `ctr events`), until Ctrl-C; --since
// first replays the app's recent-events ring.
import type { ContainerdEvent } from '../../common/containerd';
import { UsageError } from './args';
import type { AnyEvent } from '../../common/contract';
import {
  EXIT,
  parseCommand,
  processIo,
  replayThenFollow,
  reportFailure,
  withClient,
  type CliIo,
} from './common';
import {
  formatEvent,
  NAMESPACE_FLAG,
  namespaceFlag,
  namespaceOn,
  type InsideOutputOptions,
} from './inside-format';
import { parseSince } from './log-filter';
import {
  escapeForTerminal,
  escapeJsonForTerminal,
  escapeStringsForTerminal,
  stdoutIsTerminal,
} from './terminal-text';

/** The app's recent-events ring holds this many; events:recent answers at most as many. */
const RECENT_MAX = 1000;
/** Live events held while the replay is read, at most: the newest are kept, the rest counted. */
const HELD_MAX = 1000;

const USAGE = `usage: cdesk events [-n NS | --all-namespaces] [--since TIME] [--json]

Follow containerd's events (containers, tasks, images, snapshots…) until Ctrl-C: one line each with
time, namespace, topic and the ids involved. The app re-subscribes after every containerd restart.
Once subscribed, a "watching" line goes to stderr: events from then on are not missed.
  -n, --namespace NS     only events of this namespace (default: default)
  -A, --all-namespaces   events of every namespace
  --since TIME           first the events since TIME that the app still holds (its last
                         ${RECENT_MAX} events): a time ago like 30s, 5m, 2h, 1d, or an ISO date
  --json                 one JSON object per line (at, namespace, topic, type, containerId, pid…)
`;

const key = (e: ContainerdEvent) => JSON.stringify(e);

export async function run(
  argv: string[],
  io: CliIo = processIo(),
  opts: InsideOutputOptions = {},
): Promise<number> {
  const p = parseCommand(
    argv,
    {
      ...NAMESPACE_FLAG,
      'all-namespaces': { type: 'boolean', short: 'A' },
      since: { type: 'string' },
    },
    USAGE,
    io,
    { positionals: 0 },
  );
  if (!p) return EXIT.ok;
  if (p.flags['all-namespaces'] && p.flags.namespace !== undefined)
    throw new UsageError('use either --namespace or --all-namespaces');
  let namespace = p.flags['all-namespaces'] ? null : namespaceFlag(p.flags);
  const since = typeof p.flags.since === 'string' ? parseSince(p.flags.since) : null;
  const mine = (events: ContainerdEvent[]) =>
    namespace === null ? events : events.filter((e) => e.namespace === namespace);
  // containerd's data reaches a terminal escaped: an image name must not move the cursor.
  const tty = stdoutIsTerminal(opts.tty);
  const line = (e: ContainerdEvent) => {
    if (!p.flags.json) return formatEvent(tty ? escapeStringsForTerminal(e) : e);
    const json = JSON.stringify(e);
    return `${tty ? escapeJsonForTerminal(json) : json}\n`;
  };
  const print = (events: ContainerdEvent[]) => {
    if (events.length) io.out(events.map(line).join(''));
  };
  const where = () => (namespace === null ? 'all namespaces' : `namespace ${namespace}`);
  return withClient(
    'events',
    p.flags,
    io,
    async (c) => {
      if (namespace !== null) namespace = await namespaceOn(p.flags, c);
      // With --since, live events wait until the replay is printed: subscribing first leaves no
      // gap, and the replayed ones that also arrive live are skipped (see `fresh`).
      let held: ContainerdEvent[] | null = since === null ? null : [];
      let heldDropped = 0;
      let fresh = (events: ContainerdEvent[]) => events;
      const onEvent = (e: AnyEvent) => {
        if (e.event === 'containerd:events') {
          const batch = mine(e.payload.events);
          if (held) {
            held.push(...batch);
            const over = held.length - HELD_MAX;
            if (over > 0) {
              held.splice(0, over);
              heldDropped += over;
            }
          } else print(fresh(batch));
        } else if (
          e.event === 'inside:status' &&
          !p.flags.json &&
          e.payload.inside.state !== 'connected'
        )
          io.err(
            `cdesk events: ${escapeForTerminal(e.payload.inside.message ?? 'containerd unreachable')}; waiting for it to come back\n`,
          );
      };
      return replayThenFollow('events', c, io, onEvent, async () => {
        if (since === null) {
          io.err(
            `cdesk events: watching ${where()}; Ctrl-C stops (--since 5m first shows the last 5 minutes)\n`,
          );
          return;
        }
        const r = await c.invoke('events:recent', {
          ...(namespace === null ? {} : { namespace }),
          limit: RECENT_MAX,
        });
        if (!r.ok) return reportFailure('events', r.error, p.flags, io);
        const ring = r.value.events;
        const replay = ring.filter((e) => e.at >= since);
        if (ring.length >= RECENT_MAX && replay.length === ring.length)
          io.err(
            `cdesk events: the app keeps only its last ${RECENT_MAX} events; earlier ones since ${new Date(since).toISOString()} are gone\n`,
          );
        print(replay);
        fresh = skipReplayed(ring);
        const live = held ?? [];
        held = null;
        print(fresh(live));
        if (heldDropped > 0)
          io.err(
            `cdesk events: ${heldDropped} live event${heldDropped === 1 ? '' : 's'} arrived while the replay was read and ${heldDropped === 1 ? 'was' : 'were'} not kept (at most ${HELD_MAX} are held)\n`,
          );
        io.err(
          `cdesk events: watching ${where()} after ${replay.length} event${replay.length === 1 ? '' : 's'} since ${new Date(since).toISOString()}; Ctrl-C stops\n`,
        );
      });
    },
    true,
  );
}

/**
 * Live events that the ring answer already held come first in the live stream (it was subscribed
 * before the ring was read), in the ring's order: skip those, and from the first one the ring did
 * not hold, pass everything.
 */
export function skipReplayed(
  ring: ContainerdEvent[],
): (events: ContainerdEvent[]) => ContainerdEvent[] {
  const seen = new Map<string, number>();
  for (const e of ring) seen.set(key(e), (seen.get(key(e)) ?? 0) + 1);
  let done = seen.size === 0;
  return (events) => {
    if (done) return events;
    const i = events.findIndex((e) => {
      const n = seen.get(key(e)) ?? 0;
      if (n === 0) return true;
      seen.set(key(e), n - 1);
      return false;
    });
    if (i < 0) return [];
    done = true;
    seen.clear();
    return events.slice(i);
  };
}
