import { describe, expect, it } from 'vitest';
import { RunningById } from '../../../main/containerd/by-id';

describe('RunningById', () => {
  it('cancels the work running under an id, and forgets it once it settles', async () => {
    const r = new RunningById();
    let seen: AbortSignal | null = null;
    const work = r.run('a', (signal) => {
      seen = signal;
      return new Promise<string>((resolve) =>
        signal.addEventListener('abort', () => resolve('stopped')),
      );
    });
    expect(r.has('a')).toBe(true);
    expect(r.size).toBe(1);
    expect(r.cancel('b')).toBe(false);
    expect(seen!.aborted).toBe(false);
    expect(r.cancel('a')).toBe(true);
    await expect(work).resolves.toBe('stopped');
    expect(r.has('a')).toBe(false);
    expect(r.cancel('a')).toBe(false);
  });

  it('forgets failed work too; dispose cancels all that runs under an id', async () => {
    const r = new RunningById();
    await expect(r.run('x', () => Promise.reject(new Error('no')))).rejects.toThrow('no');
    expect(r.has('x')).toBe(false);
    const stopped = (signal: AbortSignal) =>
      new Promise<void>((res) => signal.addEventListener('abort', () => res()));
    const both = Promise.all([r.run('p', stopped), r.run('q', stopped)]);
    // Work without an id is not tracked: nothing can name it to cancel it.
    await r.run(undefined, async () => expect(r.size).toBe(2));
    r.dispose();
    await both;
    expect(r.size).toBe(0);
  });
});
