// Clocks for the UI benches: this process's high-resolution wall clock and its offset from a page's.
import { performance } from 'node:perf_hooks';
import type { Page } from 'playwright-core';

/** This process's clock on the same scale as a page's performance.timeOrigin + now(). */
export const now = () => performance.timeOrigin + performance.now();

/** page clock − this process's clock, from the probe with the smallest round trip. */
export async function clockOffset(
  page: Page,
  probes: number,
): Promise<{ offset: number; errorMs: number }> {
  let best = { offset: 0, errorMs: Infinity };
  for (let i = 0; i < probes; i++) {
    const t1 = now();
    // A string, not a function: nothing the bundler adds to a function body can reach the page.
    const tp = await page.evaluate('performance.timeOrigin + performance.now()');
    const t2 = now();
    if ((t2 - t1) / 2 < best.errorMs)
      best = { offset: (tp as number) - (t1 + t2) / 2, errorMs: (t2 - t1) / 2 };
  }
  return best;
}
