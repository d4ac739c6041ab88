// HealthChart: latency line, failures marked, restarts marked, and a text description.
import { act, cleanup, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { HealthChart } from '../../renderer/src/components/health-chart';
import { FakeClient, ok, sample } from './fake-client';
import { renderWithStore } from './render';

afterEach(cleanup);

describe('HealthChart', () => {
  it('marks failed checks and restarts and describes them', async () => {
    const client = new FakeClient().stub(
      'health:history',
      ok({
        samples: [sample(1000, true), sample(2000, false, 3000), sample(3000, true)],
        restarts: [2500],
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
    act(() => {
      client.push({ event: 'health:sample', payload: sample(1, true) });
      client.push({ event: 'health:sample', payload: sample(2, false) });
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
