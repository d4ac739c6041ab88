// Activity view: recent + live events newest first, filters, a bounded ring, and a feed that holds still under the pointer.
import { act, cleanup, fireEvent, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { ActivityView } from '../../renderer/src/views';
import { MAX_EVENTS } from '../../renderer/src/store/inside-state';
import { ev, FakeInsideClient } from './fake-inside-client';
import { renderInside } from './views-render';

afterEach(cleanup);

const rows = () => screen.queryAllByTestId('activity-table-row');
const topics = () => rows().map((r) => r.querySelectorAll('td')[2]!.textContent);

describe('ActivityView', () => {
  it('shows recent then live events, newest first, with namespace, ids and exit status', async () => {
    const c = new FakeInsideClient();
    c.recent = [
      ev('/containers/create', 'demo', { at: 1000 }),
      ev('/tasks/start', 'demo', { at: 2000, pid: 42 }),
    ];
    await renderInside(<ActivityView />, c);
    act(() =>
      c.events(
        ev('/tasks/exit', 'demo', { at: 3000, pid: 42, exitStatus: 137, namespace: 'k8s.io' }),
      ),
    );
    expect(topics()).toEqual(['/tasks/exit', '/tasks/start', '/containers/create']);
    const first = rows()[0]!.textContent!;
    expect(first).toContain('k8s.io');
    expect(first).toContain('demo');
    expect(first).toContain('exit 137');
  });

  it('filters by namespace, kind and text', async () => {
    const c = new FakeInsideClient();
    c.recent = [
      ev('/containers/create', 'a'),
      ev('/tasks/start', 'a', { pid: 1 }),
      ev('/images/create', '', { containerId: undefined, image: 'busybox', namespace: 'other' }),
    ];
    await renderInside(<ActivityView />, c);
    fireEvent.change(screen.getByTestId('activity-namespace'), { target: { value: 'other' } });
    expect(topics()).toEqual(['/images/create']);
    fireEvent.change(screen.getByTestId('activity-namespace'), { target: { value: '' } });
    fireEvent.click(screen.getByRole('button', { name: 'Tasks' }));
    expect(topics()).toEqual(['/tasks/start']);
    fireEvent.click(screen.getByRole('button', { name: 'All' }));
    fireEvent.change(screen.getByRole('searchbox', { name: 'Search events' }), {
      target: { value: 'busy' },
    });
    expect(topics()).toEqual(['/images/create']);
    fireEvent.change(screen.getByRole('searchbox', { name: 'Search events' }), {
      target: { value: 'zzz' },
    });
    expect(screen.getByTestId('activity-no-match')).toBeTruthy();
  });

  it('keeps at most MAX_EVENTS events', async () => {
    const c = new FakeInsideClient();
    await renderInside(<ActivityView viewportHeight={300} />, c);
    const batch = Array.from({ length: MAX_EVENTS + 500 }, (_, i) =>
      ev('/tasks/start', `c${i}`, { at: i }),
    );
    act(() => c.events(...batch));
    expect(screen.getByTestId('activity-count').textContent).toContain(`${MAX_EVENTS} events`);
    // Newest first, oldest 500 dropped; only the rows in view are rendered.
    expect(rows()[0]!.textContent).toContain(`c${MAX_EVENTS + 499}`);
    expect(rows().length).toBeLessThan(40);
  });

  it('holds still under the pointer and offers the new events', async () => {
    const c = new FakeInsideClient();
    c.recent = [ev('/tasks/start', 'a', { at: 1 })];
    await renderInside(<ActivityView />, c);
    fireEvent.pointerEnter(screen.getByTestId('activity-table'));
    act(() => c.events(ev('/tasks/exit', 'a', { at: 2 })));
    expect(topics()).toEqual(['/tasks/start']);
    fireEvent.click(screen.getByRole('button', { name: '1 new · show' }));
    expect(topics()).toEqual(['/tasks/exit', '/tasks/start']);
  });

  it('empty feed says what will appear, with a command to try', async () => {
    await renderInside(<ActivityView />, new FakeInsideClient());
    expect(screen.getByTestId('activity-empty').textContent).toContain(
      'ctr -a /run/cdesk/containerd.sock -n default run -d IMAGE demo sleep infinity',
    );
  });
});
