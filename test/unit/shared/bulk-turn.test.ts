import { describe, expect, it } from 'vitest';
import { inBulkTurn, isBulkCommand } from '../../../main/shared/bulk-turn';

const tick = () => new Promise((r) => setTimeout(r, 5));
/** After a turn the next waits as long as it took (at most 100 ms): let the last rest end. */
const rested = () => new Promise((r) => setTimeout(r, 150));

describe('bulk turns', () => {
  it('runs big reads one at a time, in arrival order, and small requests at once', async () => {
    expect(isBulkCommand('logs:read')).toBe(true);
    expect(isBulkCommand('daemon:status')).toBe(false);
    const events: string[] = [];
    let running = 0;
    let most = 0;
    const read = (name: string) =>
      inBulkTurn('logs:read', async () => {
        running++;
        most = Math.max(most, running);
        events.push(`start ${name}`);
        await tick();
        running--;
        events.push(`end ${name}`);
      });
    const reads = [read('a'), read('b'), read('c')];
    // A status asked while the reads crowd is answered before the second read begins.
    await inBulkTurn('daemon:status', async () => void events.push('status'));
    await Promise.all(reads);
    expect(most).toBe(1);
    expect(events.filter((e) => e !== 'status')).toEqual([
      'start a',
      'end a',
      'start b',
      'end b',
      'start c',
      'end c',
    ]);
    expect(events.indexOf('status')).toBeLessThan(events.indexOf('start b'));
  });

  it('tells a request when it waits for its turn and when the wait ends', async () => {
    await rested();
    const told: string[] = [];
    const first = inBulkTurn('logs:read', tick, (w) => told.push(`first ${w}`));
    const second = inBulkTurn('logs:read', tick, (w) => told.push(`second ${w}`));
    await Promise.all([first, second]);
    // The first found the turn free (told nothing), the second waited.
    expect(told).toEqual(['second true', 'second false']);
  });

  it('gives the next turn even when a read throws', async () => {
    await rested();
    const failed = inBulkTurn('logs:read', async () => {
      throw new Error('boom');
    });
    await expect(failed).rejects.toThrow('boom');
    await expect(inBulkTurn('logs:read', async () => 'next')).resolves.toBe('next');
  });
});
