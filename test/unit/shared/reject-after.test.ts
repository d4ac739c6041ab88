// rejectAfter: a deadline that rejects with the caller's error, and that a cancel silences.
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { rejectAfter } from '../../../main/shared/reject-after';

const settledWithin = (p: Promise<unknown>, ms: number) =>
  Promise.race([
    p.then(
      () => 'resolved',
      () => 'rejected',
    ),
    sleep(ms).then(() => 'pending'),
  ]);

describe('rejectAfter', () => {
  it('rejects with the error it was given once the time has passed, not before', async () => {
    const err = new Error('no answer within 0.05 s');
    const d = rejectAfter(50, () => err);
    expect(await settledWithin(d.expired, 10)).toBe('pending');
    await expect(d.expired).rejects.toBe(err);
  });

  it('wins a race against work that takes longer, and loses one against work that is quicker', async () => {
    const slow = rejectAfter(10, () => new Error('too slow'));
    await expect(Promise.race([sleep(200, 'done'), slow.expired])).rejects.toThrow('too slow');
    const quick = rejectAfter(200, () => new Error('too slow'));
    try {
      await expect(Promise.race([sleep(5, 'done'), quick.expired])).resolves.toBe('done');
    } finally {
      quick.cancel();
    }
  });

  it('never settles once cancelled, and builds no error', async () => {
    let built = 0;
    const d = rejectAfter(20, () => {
      built++;
      return new Error('late');
    });
    d.cancel();
    expect(await settledWithin(d.expired, 80)).toBe('pending');
    expect(built).toBe(0);
  });
});
