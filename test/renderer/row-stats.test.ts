// The Containers page's row stats: one bounded request per namespace, CPU % from the previous tick.
import { describe, expect, it } from 'vitest';
import type { TaskStats } from '../../common/containerd';
import {
  foldStats,
  MAX_IDS_PER_CALL,
  statsRequests,
  type StatsTarget,
} from '../../renderer/src/store/row-stats';

const sample = (id: string, at: number, cpuNs: number, workingSet = 1 << 20): TaskStats => ({
  id,
  at,
  cgroup: 'v1',
  cpuNs,
  memory: { usage: workingSet, workingSet, limit: null },
  pids: 1,
  blockIo: { read: 0, write: 0 },
});
const ok = (stats: TaskStats[]) => ({
  ok: true as const,
  value: { namespace: 'x', stats, hostMemory: 1 },
});

describe('statsRequests', () => {
  it('asks once per namespace, ids sorted and deduplicated', () => {
    const t: StatsTarget[] = [
      { key: 'b/2', namespace: 'b', id: '2' },
      { key: 'a/9', namespace: 'a', id: '9' },
      { key: 'a/1', namespace: 'a', id: '1' },
      { key: 'a/1bis', namespace: 'a', id: '1' },
    ];
    expect(statsRequests(t)).toEqual([
      { namespace: 'a', ids: ['1', '9'] },
      { namespace: 'b', ids: ['2'] },
    ]);
    expect(statsRequests([])).toEqual([]);
  });

  it('splits a namespace at the schema bound', () => {
    const t = Array.from({ length: MAX_IDS_PER_CALL + 1 }, (_, i) => ({
      key: `c${i}`,
      namespace: 'default',
      id: `c${String(i).padStart(5, '0')}`,
    }));
    const r = statsRequests(t);
    expect(r.map((q) => q.ids.length)).toEqual([MAX_IDS_PER_CALL, 1]);
  });
});

describe('foldStats', () => {
  const t: StatsTarget[] = [
    { key: 'web', namespace: 'default', id: 'web' },
    { key: 'db', namespace: 'default', id: 'db' },
  ];

  it('has memory at once and CPU % from the second sample on', () => {
    const first = foldStats(
      t,
      [{ namespace: 'default', result: ok([sample('web', 1000, 0)]) }],
      new Map(),
      new Map(),
    );
    expect(first.rows.get('web')).toEqual({ cpu: null, memory: 1 << 20 });
    expect(first.rows.has('db')).toBe(false);
    // Half a core over one second.
    const second = foldStats(
      t,
      [{ namespace: 'default', result: ok([sample('web', 2000, 5e8)]) }],
      first.samples,
      first.rows,
    );
    expect(second.rows.get('web')?.cpu).toBeCloseTo(50);
  });

  it('forgets rows no longer asked for, keeps last figures when a request fails', () => {
    const first = foldStats(
      t,
      [{ namespace: 'default', result: ok([sample('web', 1000, 0), sample('db', 1000, 0)]) }],
      new Map(),
      new Map(),
    );
    const failed = foldStats(
      t,
      [
        {
          namespace: 'default',
          result: {
            ok: false,
            error: { code: 'containerd-api-unavailable' as const, message: 'm', hint: 'h' },
          },
        },
      ],
      first.samples,
      first.rows,
    );
    expect([...failed.rows.keys()].sort()).toEqual(['db', 'web']);
    const narrowed = foldStats(
      [t[0]!],
      [{ namespace: 'default', result: ok([sample('web', 2000, 0)]) }],
      failed.samples,
      failed.rows,
    );
    expect([...narrowed.samples.keys()]).toEqual(['web']);
    expect(narrowed.rows.get('web')?.cpu).toBe(0);
  });
});
