import { describe, expect, it, vi } from 'vitest';
import { whileThere } from '../../../main/containerd/handlers';

describe('whileThere (a pull or load whose caller goes is cancelled)', () => {
  it('cancels once when the caller goes before the work settles', async () => {
    const gone = new AbortController();
    const cancel = vi.fn();
    let finish!: (v: string) => void;
    const work = whileThere(
      { gone: gone.signal },
      new Promise<string>((r) => (finish = r)),
      cancel,
    );
    gone.abort();
    expect(cancel).toHaveBeenCalledTimes(1);
    finish('done');
    await expect(work).resolves.toBe('done');
    expect(cancel).toHaveBeenCalledTimes(1);
  });

  it('leaves settled work alone, and work with no connection to watch', async () => {
    const gone = new AbortController();
    const cancel = vi.fn();
    await whileThere({ gone: gone.signal }, Promise.resolve(1), cancel);
    gone.abort();
    await expect(whileThere(undefined, Promise.reject(new Error('x')), cancel)).rejects.toThrow(
      'x',
    );
    expect(cancel).not.toHaveBeenCalled();
  });

  it('cancels at once when the caller had gone before the work started', async () => {
    const gone = new AbortController();
    gone.abort();
    const cancel = vi.fn();
    await whileThere({ gone: gone.signal }, Promise.resolve(1), cancel);
    expect(cancel).toHaveBeenCalledTimes(1);
  });
});
