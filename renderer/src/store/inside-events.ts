// What a batch of containerd events does to the inside state, and which lists it leaves stale.
import type { ContainerdEvent } from '../../../common/containerd';
import {
  appendBounded,
  applyContainerEvent,
  coversNamespace,
  applyNamespaceEvent,
  touchesImages,
} from './inside-reduce';
import { MAX_EVENTS, rowKey, withEntry, type InsideState } from './inside-state';

export interface EventsOutcome {
  patch: Partial<InsideState>;
  /** Lists the events could not be applied to in place: fetch them again. */
  relist: { containers: boolean; images: boolean; namespaces: boolean };
}

/** Apply `events` (arrived at `now`) to `s`: the feed, rows in place, counts, uptimes, exits, highlights. */
export function applyInsideEvents(
  s: InsideState,
  events: readonly ContainerdEvent[],
  now: number,
): EventsOutcome {
  const relist = { containers: false, images: false, namespaces: false };
  const patch: Partial<InsideState> = { events: appendBounded(s.events, events, MAX_EVENTS) };
  let list = s.containers.value;
  let startedAt = s.startedAt;
  let lastExit = s.lastExit;
  let fresh = s.fresh;
  let namespaces = s.namespaces;
  for (const ev of events) {
    if (namespaces) namespaces = applyNamespaceEvent(namespaces, ev);
    if (ev.topic.startsWith('/namespaces/')) relist.namespaces = true;
    if (touchesImages(ev) && coversNamespace(s.images.namespace, ev.namespace) && s.images.value)
      relist.images = true;
    if (ev.topic === '/tasks/start' && ev.containerId)
      startedAt = withEntry(startedAt, rowKey(ev.namespace, ev.containerId), ev.at);
    if (!list || !coversNamespace(s.containers.namespace, ev.namespace)) continue;
    const r = applyContainerEvent(list, s.containers.namespace, ev);
    list = r.list;
    if (r.relist) relist.containers = true;
    if (r.added) fresh = withEntry(fresh, rowKey(ev.namespace, r.added), now);
    if (r.exited) lastExit = withEntry(lastExit, rowKey(ev.namespace, r.exited.id), r.exited.exit);
  }
  if (list !== s.containers.value) patch.containers = { ...s.containers, value: list };
  if (namespaces !== s.namespaces) patch.namespaces = namespaces;
  if (startedAt !== s.startedAt) patch.startedAt = startedAt;
  if (lastExit !== s.lastExit) patch.lastExit = lastExit;
  if (fresh !== s.fresh) patch.fresh = fresh;
  return { patch, relist };
}

/** Merge a snapshot of recent events under the live ones that arrived first; uptimes seen only in the snapshot. */
export function mergeRecentEvents(
  s: InsideState,
  recent: readonly ContainerdEvent[],
): Partial<InsideState> {
  // Live events may have arrived first: keep those newer than the snapshot's last.
  const last = recent.at(-1)?.at ?? 0;
  const newer = s.events.filter((e) => e.at > last);
  let startedAt = s.startedAt;
  for (const ev of recent)
    if (
      ev.topic === '/tasks/start' &&
      ev.containerId &&
      !startedAt.has(rowKey(ev.namespace, ev.containerId))
    )
      startedAt = withEntry(startedAt, rowKey(ev.namespace, ev.containerId), ev.at);
  return { events: appendBounded(recent, newer, MAX_EVENTS), startedAt };
}
