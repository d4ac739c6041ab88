// HealthChart: a robust scale (start-up probes and timeouts are marks, not the scale), a time axis,
// failures and restarts marked, labels inside the drawing, and a text description.
import { act, cleanup, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { HealthEvent } from '../../common/states';
import { chartModel, niceCeil, PAD } from '../../renderer/src/components/chart-model';
import { HealthChart } from '../../renderer/src/components/health-chart';
import { FakeClient, ok, sample } from './fake-client';
import { renderWithStore } from './render';

afterEach(cleanup);

const T = 1_700_000_000_000;
const startup = (at: number, latencyMs: number): HealthEvent => ({
  ...sample(at, true, latencyMs),
  phase: 'startup',
});

describe('chartModel', () => {
  const normal = Array.from({ length: 60 }, (_, i) =>
    sample(T + i * 5000, true, 1 + (i % 3) * 0.5),
  );
  const samples = [startup(T - 1000, 3304), ...normal, sample(T + 301_000, false, 3000)];
  const m = chartModel(samples, [T + 100_000], { width: 900, height: 200 }, T + 302_000);

  it('scales to the normal checks, not to a 3.3 s start-up probe or a timeout', () => {
    expect(m.yMax).toBeLessThanOrEqual(10);
    expect(m.startups).toHaveLength(1);
    expect(m.failures).toHaveLength(1);
    // Normal checks use the plot's height: the highest sits well above the baseline.
    const ys = m.line.flat().map((p) => p.y);
    expect(m.plot.bottom - Math.min(...ys)).toBeGreaterThan((m.plot.bottom - m.plot.top) / 4);
  });

  it('draws an off-scale normal check as a mark in the top lane', () => {
    const spiky = [...normal, sample(T + 301_000, true, 900)];
    const s = chartModel(spiky, [], { width: 900, height: 200 }, T + 302_000);
    expect(s.outliers).toHaveLength(1);
    expect(s.outliers[0]!.y).toBeLessThan(PAD.top);
  });

  it('has a time axis with readable, ordered ticks inside the width', () => {
    expect(m.xTicks.length).toBeGreaterThanOrEqual(2);
    expect(m.xTicks.length).toBeLessThanOrEqual(10);
    for (const t of m.xTicks) {
      expect(t.label).toMatch(/^\d\d:\d\d(:\d\d)?$/);
      expect(t.x).toBeGreaterThanOrEqual(PAD.left);
      expect(t.x).toBeLessThanOrEqual(900 - PAD.right);
    }
    const xs = m.xTicks.map((t) => t.x);
    expect([...xs].sort((a, b) => a - b)).toEqual(xs);
  });

  it('keeps the top y label below the top edge (not clipped)', () => {
    for (const t of m.yTicks) expect(t.y - 11).toBeGreaterThanOrEqual(0);
  });

  it('breaks the line across a long silence', () => {
    const gap = [
      sample(T, true),
      sample(T + 5000, true),
      sample(T + 200_000, true),
      sample(T + 205_000, true),
    ];
    expect(chartModel(gap, [], { width: 900, height: 200 }, T + 206_000).line).toHaveLength(2);
  });

  it('breaks the line at a restart', () => {
    const two = [
      sample(T, true),
      sample(T + 5000, true),
      sample(T + 10_000, true),
      sample(T + 15_000, true),
    ];
    expect(chartModel(two, [T + 7000], { width: 900, height: 200 }, T + 16_000).line).toHaveLength(
      2,
    );
  });

  it('niceCeil rounds to 1, 2, 5 × 10ⁿ', () => {
    expect([0.7, 1.2, 2.2, 3, 7, 13, 0.03].map(niceCeil)).toEqual([1, 2, 5, 5, 10, 20, 0.05]);
  });
});

describe('HealthChart', () => {
  it('marks failed checks and restarts and describes them', async () => {
    const now = Date.now();
    const client = new FakeClient().stub(
      'health:history',
      ok({
        samples: [
          sample(now - 3000, true),
          sample(now - 2000, false, 3000),
          sample(now - 1000, true),
        ],
        restarts: [now - 1500],
      }),
    );
    await renderWithStore(<HealthChart />, client);
    expect(screen.getAllByTestId('health-failure')).toHaveLength(1);
    expect(screen.getAllByTestId('health-restart')).toHaveLength(1);
    const chart = screen.getByRole('img', { name: /health check latency/i });
    expect(chart.querySelector('desc')?.textContent).toContain('1 failed');
  });

  it('adds samples pushed as events', async () => {
    const { client } = await renderWithStore(<HealthChart />);
    const now = Date.now();
    act(() => {
      client.push({ event: 'health:sample', payload: sample(now - 100, true) });
      client.push({ event: 'health:sample', payload: sample(now, false) });
    });
    expect(screen.getAllByTestId('health-failure')).toHaveLength(1);
  });

  it('says so when there are no samples', async () => {
    await renderWithStore(<HealthChart />);
    expect(screen.getByTestId('health-chart').querySelector('desc')?.textContent).toBe(
      'No health checks yet.',
    );
  });
});
