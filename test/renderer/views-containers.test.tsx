// Containers view: rows, live changes from events without a remount, actions, errors, empty states, keyboard.
import { act, cleanup, fireEvent, screen, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ContainersView } from '../../renderer/src/views';
import { NAMESPACE_KEY } from '../../renderer/src/store/inside-state';
import {
  ev,
  fail,
  FakeInsideClient,
  makeContainer,
  makeImage,
  ok,
  SOCKET,
} from './fake-inside-client';
import { renderInside, settle } from './views-render';

const rows = () => screen.queryAllByTestId('containers-table-row');
const row = (id: string) => {
  const r = rows().find((x) => x.getAttribute('data-key') === id);
  if (!r)
    throw new Error(
      `no row ${id}; rows: ${rows()
        .map((x) => x.getAttribute('data-key'))
        .join(', ')}`,
    );
  return r;
};
const chip = (id: string) =>
  within(row(id)).getByTestId('status-chip').textContent?.replace(/\s+/g, ' ').trim();
const button = (id: string, name: 'Stop' | 'Kill' | 'Delete') =>
  within(row(id)).getByRole('button', { name: new RegExp(`^${name} `) }) as HTMLButtonElement;

function client3() {
  const c = new FakeInsideClient();
  c.containers.set('default', [
    makeContainer('web', 'running'),
    makeContainer('old', 'stopped'),
    makeContainer('fresh', null),
  ]);
  c.containers.set('k8s.io', [makeContainer('a'.repeat(64), 'running', { namespace: 'k8s.io' })]);
  return c;
}

beforeEach(() => localStorage.clear());
afterEach(() => {
  cleanup();
  vi.useRealTimers();
});

describe('ContainersView', () => {
  it('shows one row per container, running first, with chips that carry text', async () => {
    await renderInside(<ContainersView />, client3());
    expect(rows().map((r) => r.getAttribute('data-key'))).toEqual(['web', 'fresh', 'old']);
    expect(chip('web')).toBe('● Running');
    expect(chip('old')).toBe('✕ Exited (137)');
    expect(chip('fresh')).toBe('■ Created');
    expect(within(row('web')).getByText('1003')).toBeTruthy();
    expect(screen.getByTestId('filter-all').textContent).toBe('All 3');
    expect(screen.getByTestId('filter-running').textContent).toBe('Running 1');
    expect(screen.getByTestId('filter-stopped').textContent).toBe('Stopped 2');
  });

  it('namespace picker shows counts, switches the list and remembers the choice', async () => {
    const { client } = await renderInside(<ContainersView />, client3());
    const picker = screen.getByTestId('namespace-picker') as HTMLSelectElement;
    expect([...picker.options].map((o) => o.textContent)).toEqual([
      'default (3)',
      'k8s.io (1)',
      'All namespaces (4)',
    ]);
    fireEvent.change(picker, { target: { value: 'k8s.io' } });
    await settle();
    expect(rows().map((r) => r.getAttribute('data-key'))).toEqual(['a'.repeat(64)]);
    // A 64-hex id is shown short.
    expect(within(rows()[0]!).getByText('aaaaaaaaaaaa')).toBeTruthy();
    expect(localStorage.getItem(NAMESPACE_KEY)).toBe('k8s.io');
    expect(client.callsTo('containers:list').at(-1)).toEqual({ namespace: 'k8s.io' });
  });

  it('applies create, start, exit and delete events in place without remounting rows', async () => {
    const { client } = await renderInside(<ContainersView />, client3());
    const webRow = row('web');
    // ctr run -d busybox demo: the server list would now include it.
    const demo = makeContainer('demo', 'running');
    client.containers.get('default')!.push(demo);
    act(() =>
      client.events(
        ev('/containers/create', 'demo', { image: 'docker.io/library/busybox:latest' }),
        ev('/tasks/create', 'demo', { pid: 4711 }),
        ev('/tasks/start', 'demo', { pid: 4711 }),
      ),
    );
    expect(chip('demo')).toBe('● Running');
    expect(row('demo').className).toContain('fresh');
    expect(within(row('demo')).getByText('4711')).toBeTruthy();
    expect(row('web')).toBe(webRow);

    act(() => client.events(ev('/tasks/exit', 'demo', { pid: 4711, exitStatus: 143 })));
    expect(chip('demo')).toBe('✕ Exited (143)');
    expect(button('demo', 'Delete').disabled).toBe(false);

    act(() => client.events(ev('/containers/delete', 'demo')));
    expect(rows().some((r) => r.getAttribute('data-key') === 'demo')).toBe(false);
    expect(row('web')).toBe(webRow);
  });

  it('an exec process exiting does not mark the container exited', async () => {
    const { client } = await renderInside(<ContainersView />, client3());
    act(() => client.events(ev('/tasks/exit', 'web', { pid: 9999, exitStatus: 1 })));
    expect(chip('web')).toBe('● Running');
  });

  it('ignores events from other namespaces', async () => {
    const { client } = await renderInside(<ContainersView />, client3());
    act(() =>
      client.events(ev('/tasks/exit', 'web', { namespace: 'k8s.io', pid: 1003, exitStatus: 1 })),
    );
    expect(chip('web')).toBe('● Running');
  });

  it('enables Stop/Kill only on live tasks and Delete only on stopped or task-less ones', async () => {
    await renderInside(<ContainersView />, client3());
    expect([
      button('web', 'Stop').disabled,
      button('web', 'Kill').disabled,
      button('web', 'Delete').disabled,
    ]).toEqual([false, false, true]);
    expect([
      button('old', 'Stop').disabled,
      button('old', 'Kill').disabled,
      button('old', 'Delete').disabled,
    ]).toEqual([true, true, false]);
    expect(button('fresh', 'Delete').disabled).toBe(false);
  });

  it('Stop shows progress, keeps focus, then the exit code from the result', async () => {
    const c = client3();
    let finish!: (r: unknown) => void;
    c.on('task:stop', () => new Promise((r) => (finish = r)) as never);
    await renderInside(<ContainersView />, c);
    const stop = button('web', 'Stop');
    stop.focus();
    fireEvent.click(stop);
    await settle();
    expect(stop.getAttribute('aria-busy')).toBe('true');
    expect(stop.textContent).toContain('Stopping…');
    expect(document.activeElement).toBe(stop);
    expect(c.callsTo('task:stop')).toEqual([{ namespace: 'default', id: 'web' }]);
    await act(async () => finish(ok({ id: 'web', exitStatus: 143, killed: false })));
    await settle();
    expect(chip('web')).toBe('✕ Exited (143)');
  });

  it('shows a failed action next to its row, with the hint, and dismisses it', async () => {
    const c = client3();
    c.on('task:kill', () =>
      fail({
        code: 'containerd-api-error',
        message: 'kill: permission denied',
        hint: 'run as root',
      }),
    );
    await renderInside(<ContainersView />, c);
    fireEvent.click(button('web', 'Kill'));
    await settle();
    // Kill asks first, as Delete does, naming the container.
    const dialog = screen.getByRole('dialog');
    expect(dialog.textContent).toContain('Kill container web?');
    expect(c.callsTo('task:kill')).toEqual([]);
    fireEvent.click(within(dialog).getByRole('button', { name: 'Kill container' }));
    await settle();
    expect(c.callsTo('task:kill')).toEqual([
      { namespace: 'default', id: 'web', signal: 'SIGKILL' },
    ]);
    const err = screen.getByTestId('row-error');
    expect(err.textContent).toContain('Kill web failed');
    expect(err.textContent).toContain('run as root');
    // The error line sits right under its row.
    expect(row('web').nextElementSibling?.contains(err)).toBe(true);
    fireEvent.click(within(err).getByRole('button', { name: 'Dismiss' }));
    expect(screen.queryByTestId('row-error')).toBeNull();
  });

  it('Delete confirms naming the container, then deletes it', async () => {
    const c = client3();
    c.on('container:delete', (p) => {
      c.containers.set(
        'default',
        c.containers.get('default')!.filter((x) => x.id !== p.id),
      );
      return ok({ id: p.id });
    });
    await renderInside(<ContainersView />, c);
    fireEvent.click(button('old', 'Delete'));
    const dialog = screen.getByRole('dialog');
    expect(dialog.textContent).toContain('Delete container old?');
    expect(dialog.textContent).toContain('default');
    expect(c.callsTo('container:delete')).toEqual([]);
    fireEvent.click(within(dialog).getByRole('button', { name: 'Delete container' }));
    await settle();
    expect(c.callsTo('container:delete')).toEqual([{ namespace: 'default', id: 'old' }]);
    expect(rows().map((r) => r.getAttribute('data-key'))).toEqual(['web', 'fresh']);
  });

  it('bulk bar: selects with Space, stops the live ones, deletes the stopped ones after confirming', async () => {
    const c = client3();
    c.on('task:stop', (p) => ok({ id: p.id, exitStatus: 0, killed: false }));
    c.on('container:delete', (p) => ok({ id: p.id }));
    await renderInside(<ContainersView />, c);
    row('web').focus();
    fireEvent.keyDown(row('web'), { key: ' ' });
    fireEvent.keyDown(row('web'), { key: 'ArrowDown' });
    expect(document.activeElement).toBe(row('fresh'));
    fireEvent.keyDown(row('fresh'), { key: ' ' });
    const bar = screen.getByRole('toolbar', { name: 'Selected containers' });
    expect(bar.textContent).toContain('2 selected');
    fireEvent.click(within(bar).getByRole('button', { name: 'Stop' }));
    await settle();
    expect(c.callsTo('task:stop')).toEqual([{ namespace: 'default', id: 'web' }]);
    fireEvent.click(within(bar).getByRole('button', { name: 'Delete…' }));
    const dialog = screen.getByRole('dialog');
    // web is stopped now (exit 0 from the result), so both go.
    expect(dialog.textContent).toContain('Delete 2 containers?');
    fireEvent.click(within(dialog).getByRole('button', { name: 'Delete 2 containers' }));
    await settle();
    expect(
      c
        .callsTo('container:delete')
        .map((p) => p.id)
        .sort(),
    ).toEqual(['fresh', 'web']);
    fireEvent.click(within(bar).getByRole('button', { name: 'Clear' }));
    expect(screen.queryByRole('toolbar', { name: 'Selected containers' })).toBeNull();
  });

  it('filters by state and searches; "/" focuses the search; no-match offers to clear', async () => {
    await renderInside(<ContainersView />, client3());
    fireEvent.click(screen.getByTestId('filter-running'));
    expect(rows().map((r) => r.getAttribute('data-key'))).toEqual(['web']);
    fireEvent.click(screen.getByTestId('filter-all'));
    fireEvent.keyDown(document.body, { key: '/' });
    const search = screen.getByRole('searchbox', { name: 'Search containers' });
    expect(document.activeElement).toBe(search);
    fireEvent.change(search, { target: { value: 'zzz' } });
    expect(screen.getByTestId('containers-no-match').textContent).toContain(
      'No containers match “zzz”',
    );
    fireEvent.click(screen.getByRole('button', { name: 'Clear filter' }));
    expect(rows()).toHaveLength(3);
  });

  it('empty namespace: the run command with the real socket and namespace, and where containers are', async () => {
    const c = new FakeInsideClient();
    c.containers.set('default', []);
    c.containers.set('k8s.io', [makeContainer('x', 'running', { namespace: 'k8s.io' })]);
    await renderInside(<ContainersView />, c);
    const empty = screen.getByTestId('containers-empty');
    expect(empty.textContent).toContain(
      `ctr -a ${SOCKET} -n default run -d IMAGE demo sleep infinity`,
    );
    expect(empty.textContent).toContain('Run one with Run… on the Images page');
    expect(empty.textContent).toContain('Pull one on the Images page');
    expect(empty.textContent).toContain(`ctr -a ${SOCKET} -n default images import`);
    expect(screen.getByTestId('elsewhere').textContent).toContain('1 container in k8s.io');
    fireEvent.click(screen.getByRole('button', { name: 'switch to k8s.io' }));
    await settle();
    expect(rows().map((r) => r.getAttribute('data-key'))).toEqual(['x']);
  });

  it('skeleton rows only on first load', async () => {
    const c = client3();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const list = c.handler('containers:list');
    c.on('containers:list', async (p) => {
      await gate;
      return list(p);
    });
    await renderInside(<ContainersView />, c);
    expect(screen.getByTestId('skeleton')).toBeTruthy();
    await act(async () => release());
    await settle();
    expect(screen.queryByTestId('skeleton')).toBeNull();
    expect(rows()).toHaveLength(3);
  });

  it('containerd stopped: says so with Start, which starts it', async () => {
    const c = client3();
    c.on('daemon:start', () => ok(c.status));
    await renderInside(<ContainersView />, c);
    act(() => c.daemonState('stopped'));
    expect(screen.getByTestId('daemon-stopped').textContent).toContain('containerd is stopped');
    expect(screen.getByTestId('daemon-stopped').textContent).toContain(
      '1 container in default was running when it stopped',
    );
    expect(screen.getByTestId('filter-all').textContent?.trim()).toBe('All');
    fireEvent.click(screen.getByRole('button', { name: 'Start' }));
    await settle();
    expect(c.callsTo('daemon:start')).toHaveLength(1);
  });

  it('reconnecting keeps the last rows greyed with actions off, then re-lists on reconnect', async () => {
    const c = client3();
    await renderInside(<ContainersView />, c);
    act(() => c.insideStatus('connected'));
    await settle();
    const listed = c.callsTo('containers:list').length;
    act(() => c.insideStatus('connecting'));
    expect(screen.getByTestId('reconnecting').textContent).toContain('Reconnecting');
    expect(screen.getByTestId('containers-table').getAttribute('aria-busy')).toBe('true');
    expect(rows()).toHaveLength(3);
    expect(button('web', 'Stop').disabled).toBe(true);
    // While away, "web" exited and "new1" appeared.
    c.containers.set('default', [
      makeContainer('web', 'stopped'),
      makeContainer('new1', 'running'),
    ]);
    act(() => c.insideStatus('connected'));
    await settle();
    expect(c.callsTo('containers:list').length).toBe(listed + 1);
    expect(screen.queryByTestId('reconnecting')).toBeNull();
    expect(rows().map((r) => r.getAttribute('data-key'))).toEqual(['new1', 'web']);
  });

  it('a dropped link to the app freezes the list and re-lists once it is back', async () => {
    const c = client3();
    await renderInside(<ContainersView />, c);
    act(() => c.link('closed'));
    // Even a stopped daemon is not claimed: what we know is stale.
    act(() => c.daemonState('stopped'));
    expect(screen.queryByTestId('daemon-stopped')).toBeNull();
    expect(screen.getByTestId('reconnecting').textContent).toContain('Lost the connection');
    expect(button('web', 'Stop').disabled).toBe(true);
    c.status = c.status.state === 'stopped' ? { ...c.status, state: 'running' } : c.status;
    c.containers.set('default', [
      makeContainer('web', 'running'),
      makeContainer('after', 'running'),
    ]);
    const listed = c.callsTo('containers:list').length;
    act(() => c.link('open'));
    await settle();
    expect(c.callsTo('containers:list').length).toBe(listed + 1);
    expect(rows().map((r) => r.getAttribute('data-key'))).toEqual(['after', 'web']);
    expect(button('web', 'Stop').disabled).toBe(false);
  });

  it('does not re-sort under the pointer; offers "order changed · re-sort"', async () => {
    const c = client3();
    await renderInside(<ContainersView />, c);
    fireEvent.pointerEnter(screen.getByTestId('containers-table'));
    act(() => c.events(ev('/tasks/start', 'fresh', { pid: 55 })));
    // fresh is running now but stays where it was.
    expect(rows().map((r) => r.getAttribute('data-key'))).toEqual(['web', 'fresh', 'old']);
    act(() => c.events(ev('/tasks/exit', 'web', { pid: 1003, exitStatus: 0 })));
    expect(rows().map((r) => r.getAttribute('data-key'))).toEqual(['web', 'fresh', 'old']);
    fireEvent.pointerLeave(screen.getByTestId('containers-table'));
    fireEvent.click(screen.getByRole('button', { name: 'order changed · re-sort' }));
    expect(rows().map((r) => r.getAttribute('data-key'))).toEqual(['fresh', 'old', 'web']);
  });

  it('a create event fills in details with one debounced re-list', async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    const c = client3();
    await renderInside(<ContainersView />, c);
    const before = c.callsTo('containers:list').length;
    c.containers
      .get('default')!
      .push(makeContainer('late', null, { image: 'docker.io/library/alpine:3' }));
    act(() => c.events(ev('/containers/create', 'late'), ev('/containers/update', 'late')));
    expect(row('late').querySelector('.col-image')?.textContent).toBe('—');
    await act(async () => vi.advanceTimersByTime(300));
    await settle();
    expect(c.callsTo('containers:list').length).toBe(before + 1);
    expect(within(row('late')).getByText('docker.io/library/alpine:3')).toBeTruthy();
  });

  it('renders only the rows in view for 1,000 containers and scrolls with the keyboard', async () => {
    const c = new FakeInsideClient();
    c.containers.set(
      'default',
      Array.from({ length: 1000 }, (_, i) =>
        makeContainer(`c${String(i).padStart(4, '0')}`, 'running'),
      ),
    );
    await renderInside(<ContainersView viewportHeight={360} />, c);
    expect(rows().length).toBeGreaterThan(5);
    expect(rows().length).toBeLessThan(40);
    const table = screen.getByRole('grid');
    expect(table.getAttribute('aria-rowcount')).toBe('1001');
    rows()[0]!.focus();
    fireEvent.keyDown(rows()[0]!, { key: 'End' });
    expect(document.activeElement?.getAttribute('data-key')).toBe('c0999');
    expect(rows().length).toBeLessThan(40);
  });

  it('uses an image of the namespace in the run command when one is known', async () => {
    const c = new FakeInsideClient();
    c.containers.set('default', []);
    c.images.set('default', [makeImage('docker.io/library/busybox:latest')]);
    const { store } = await renderInside(<ContainersView />, c);
    await act(async () => store.want('images'));
    await settle();
    expect(screen.getByTestId('containers-empty').textContent).toContain(
      'run -d docker.io/library/busybox:latest demo sleep infinity',
    );
    expect(screen.getByTestId('containers-empty').textContent).not.toContain('images import');
  });
});
