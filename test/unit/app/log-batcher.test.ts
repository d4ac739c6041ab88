import { describe, expect, it, vi } from 'vitest';
import { createLogBatcher } from '../../../main/app/log-batcher';
import { line } from './fake-engine';

describe('createLogBatcher', () => {
  it('drops the oldest waiting lines beyond the backlog cap, leaving a seq gap', async () => {
    const batches: number[][] = [];
    const b = createLogBatcher((lines) => batches.push(lines.map((l) => l.seq)), {
      maxBacklog: 3,
      maxBatch: 10,
    });
    b.push([1, 2, 3, 4, 5].map((s) => line(s)));
    await vi.waitFor(() => expect(batches).toHaveLength(1));
    expect(batches[0]).toEqual([3, 4, 5]);
    expect(b.dropped()).toBe(2);
    b.dispose();
  });

  it('splits a big burst into capped batches in order', async () => {
    const batches: number[][] = [];
    const b = createLogBatcher((lines) => batches.push(lines.map((l) => l.seq)), {
      maxBatch: 2,
      intervalMs: 1,
    });
    b.push([1, 2, 3, 4, 5].map((s) => line(s)));
    await vi.waitFor(() => expect(batches.flat()).toHaveLength(5));
    expect(batches).toEqual([[1, 2], [3, 4], [5]]);
    b.dispose();
  });
});
