// Re-list scheduling: a burst costs one call after it ends; calls during a run collapse into one more run.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { RELIST_DEBOUNCE_MS, Relister } from '../../renderer/src/store/relist';

afterEach(() => {
  vi.useRealTimers();
});

describe('Relister', () => {
  it('runs once, RELIST_DEBOUNCE_MS after the last of a burst', () => {
    vi.useFakeTimers();
    const r = new Relister<'containers'>();
    const run = vi.fn();
    for (let i = 0; i < 5; i++) {
      r.later('containers', run);
      vi.advanceTimersByTime(RELIST_DEBOUNCE_MS - 1);
    }
    expect(run).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(run).toHaveBeenCalledTimes(1);
  });

  it('keeps keys apart, and cancel drops what is pending', () => {
    vi.useFakeTimers();
    const r = new Relister<'a' | 'b'>();
    const a = vi.fn();
    const b = vi.fn();
    r.later('a', a);
    r.later('b', b, 10);
    vi.advanceTimersByTime(10);
    expect(b).toHaveBeenCalledTimes(1);
    r.cancel();
    vi.advanceTimersByTime(RELIST_DEBOUNCE_MS);
    expect(a).not.toHaveBeenCalled();
  });

  it('never runs a key twice at once: calls while it runs become one more run after it', async () => {
    const r = new Relister<'images'>();
    let running = 0;
    let most = 0;
    const gates: (() => void)[] = [];
    const run = vi.fn(async () => {
      most = Math.max(most, ++running);
      await new Promise<void>((res) => gates.push(res));
      running--;
    });
    const first = r.once('images', run);
    void r.once('images', run);
    void r.once('images', run);
    expect(run).toHaveBeenCalledTimes(1);
    gates.shift()!();
    await vi.waitFor(() => expect(run).toHaveBeenCalledTimes(2));
    gates.shift()!();
    await first;
    expect(run).toHaveBeenCalledTimes(2);
    expect(most).toBe(1);
  });
});
