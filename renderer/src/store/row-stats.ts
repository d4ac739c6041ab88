// CPU and memory for the Containers page's rows: one tasks:stats call per namespace and tick for the
// running rows on screen only, CPU % from the deltas between ticks.
import { useEffect, useRef, useState } from 'react';
import { cpuPercent, type TaskStats } from '../../../common/containerd';
import type { CommandResults, ContractClient, Result } from '../../../common/contract';
import { call } from './inside-call';

/** As docker stats and the Stats tab refresh. */
export const ROW_STATS_INTERVAL_MS = 1000;
/** The most ids one tasks:stats request may name (its schema's bound). */
export const MAX_IDS_PER_CALL = 1000;

/** A row to sample: its page key and where its task is. */
export interface StatsTarget {
  key: string;
  namespace: string;
  id: string;
}

/** What a row shows: CPU % (null until two samples exist) and the working set in bytes. */
export interface RowStats {
  cpu: number | null;
  memory: number;
}

/** One request per namespace (split at the schema's bound), ids sorted so requests repeat exactly. */
export function statsRequests(
  targets: readonly StatsTarget[],
): { namespace: string; ids: string[] }[] {
  const byNs = new Map<string, Set<string>>();
  for (const t of targets) {
    let ids = byNs.get(t.namespace);
    if (!ids) byNs.set(t.namespace, (ids = new Set()));
    ids.add(t.id);
  }
  const out: { namespace: string; ids: string[] }[] = [];
  for (const [namespace, set] of [...byNs].sort(([a], [b]) => a.localeCompare(b))) {
    const ids = [...set].sort();
    for (let i = 0; i < ids.length; i += MAX_IDS_PER_CALL)
      out.push({ namespace, ids: ids.slice(i, i + MAX_IDS_PER_CALL) });
  }
  return out;
}

/**
 * Fold one tick's replies into the rows' figures. `prev` holds the last sample per key and is
 * replaced by this tick's (rows that scrolled away are forgotten, so it never grows past the
 * screen). A failed request keeps its rows' last figures.
 */
export function foldStats(
  targets: readonly StatsTarget[],
  replies: readonly { namespace: string; result: Result<CommandResults['tasks:stats']> }[],
  prev: ReadonlyMap<string, TaskStats>,
  shown: ReadonlyMap<string, RowStats>,
): { samples: Map<string, TaskStats>; rows: Map<string, RowStats> } {
  const got = new Map<string, TaskStats>();
  const failed = new Set<string>();
  for (const r of replies) {
    if (!r.result.ok) failed.add(r.namespace);
    else for (const s of r.result.value.stats) got.set(`${r.namespace}\u0000${s.id}`, s);
  }
  const samples = new Map<string, TaskStats>();
  const rows = new Map<string, RowStats>();
  for (const t of targets) {
    const s = got.get(`${t.namespace}\u0000${t.id}`);
    if (s) {
      samples.set(t.key, s);
      rows.set(t.key, { cpu: cpuPercent(prev.get(t.key), s), memory: s.memory.workingSet });
    } else if (failed.has(t.namespace)) {
      const last = prev.get(t.key);
      if (last) samples.set(t.key, last);
      const was = shown.get(t.key);
      if (was) rows.set(t.key, was);
    }
  }
  return { samples, rows };
}

/**
 * Poll the targets every second while `active`; the latest targets are read at each tick, so
 * scrolling changes what the next tick asks for without restarting the timer.
 */
export function useRowStats(
  client: ContractClient,
  targets: readonly StatsTarget[],
  active: boolean,
): ReadonlyMap<string, RowStats> {
  const [rows, setRows] = useState<ReadonlyMap<string, RowStats>>(new Map());
  const latest = useRef(targets);
  latest.current = targets;
  const any = targets.length > 0;
  useEffect(() => {
    if (!active || !any) return;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let samples = new Map<string, TaskStats>();
    let shown: ReadonlyMap<string, RowStats> = new Map();
    const tick = async () => {
      const now = latest.current;
      const replies = await Promise.all(
        statsRequests(now).map(async (q) => ({
          namespace: q.namespace,
          result: await call(client, 'tasks:stats', q),
        })),
      );
      if (stopped) return;
      const next = foldStats(now, replies, samples, shown);
      samples = next.samples;
      shown = next.rows;
      setRows(next.rows);
      timer = setTimeout(() => void tick(), ROW_STATS_INTERVAL_MS);
    };
    void tick();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [client, active, any]);
  return rows;
}
