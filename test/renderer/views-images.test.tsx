// Images view: columns, totals, disk use per snapshotter, live re-list, Delete confirmed, refused while in use.
import { act, cleanup, fireEvent, screen, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ImagesView } from '../../renderer/src/views';
import { ev, fail, FakeInsideClient, makeImage, ok, SOCKET } from './fake-inside-client';
import { renderInside, settle } from './views-render';

const rows = () => screen.queryAllByTestId('images-table-row');
const row = (name: string) => rows().find((r) => r.getAttribute('data-key') === name)!;
const cells = (name: string) => [...row(name).querySelectorAll('td')].map((td) => td.textContent);

function client() {
  const c = new FakeInsideClient();
  c.images.set('default', [
    makeImage('docker.io/library/busybox:latest', { usedBy: ['demo', 'web', 'job'] }),
    makeImage('localhost:5000/tools@sha256:' + 'f'.repeat(64), { size: 3 * 1024 * 1024 * 1024 }),
  ]);
  return c;
}

beforeEach(() => localStorage.clear());
afterEach(() => {
  cleanup();
  vi.useRealTimers();
});

describe('ImagesView', () => {
  it('shows repository, tag, short digest, size and users; total and per-snapshotter disk use', async () => {
    await renderInside(<ImagesView />, client());
    expect(cells('docker.io/library/busybox:latest').slice(0, 5)).toEqual([
      'docker.io/library/busybox',
      'latest',
      'ab12cd34ef56',
      '2.0 MiB',
      'demo, web +1',
    ]);
    expect(cells('localhost:5000/tools@sha256:' + 'f'.repeat(64)).slice(0, 5)).toEqual([
      'localhost:5000/tools',
      '<none>',
      'ab12cd34ef56',
      '3.0 GiB',
      '—',
    ]);
    expect(screen.getByTestId('images-summary').textContent).toContain('2 images · 3.0 GiB total');
    expect(screen.getByTestId('snapshotter-usage').textContent).toBe(
      'unpacked for running: 5.0 MiB',
    );
  });

  it('refuses to delete an image in use, with the reason next to the row, without asking the server', async () => {
    const c = client();
    await renderInside(<ImagesView />, c);
    const del = within(row('docker.io/library/busybox:latest')).getByRole('button', {
      name: /^Delete /,
    });
    expect(del.getAttribute('aria-disabled')).toBe('true');
    fireEvent.click(del);
    expect(screen.queryByRole('dialog')).toBeNull();
    const err = screen.getByTestId('row-error');
    expect(err.textContent).toContain('used by 3 containers: demo, web, job');
    expect(err.textContent).toContain('delete those containers first');
    expect(c.callsTo('image:delete')).toEqual([]);
  });

  it('the in-use reason follows the live users and goes once the last one is deleted', async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    const c = client();
    await renderInside(<ImagesView />, c);
    fireEvent.click(
      within(row('docker.io/library/busybox:latest')).getByRole('button', { name: /^Delete / }),
    );
    const [busybox] = c.images.get('default')!;
    c.images.set('default', [{ ...busybox!, usedBy: ['web'] }, c.images.get('default')![1]!]);
    act(() => c.events(ev('/containers/delete', 'demo')));
    await act(async () => vi.advanceTimersByTime(300));
    await settle();
    expect(screen.getByTestId('row-error').textContent).toContain('used by 1 container: web');
    c.images.set('default', [{ ...busybox!, usedBy: [] }, c.images.get('default')![1]!]);
    act(() => c.events(ev('/containers/delete', 'web')));
    await act(async () => vi.advanceTimersByTime(300));
    await settle();
    expect(screen.queryByTestId('row-error')).toBeNull();
  });

  it('deletes an unused image after a confirmation that names it', async () => {
    const c = client();
    const name = 'localhost:5000/tools@sha256:' + 'f'.repeat(64);
    c.on('image:delete', (p) => ok({ name: p.name }));
    await renderInside(<ImagesView />, c);
    fireEvent.click(within(row(name)).getByRole('button', { name: /^Delete / }));
    const dialog = screen.getByRole('dialog');
    expect(dialog.textContent).toContain(`Delete image ${name}?`);
    fireEvent.click(within(dialog).getByRole('button', { name: 'Delete image' }));
    await settle();
    expect(c.callsTo('image:delete')).toEqual([{ namespace: 'default', name }]);
    expect(rows().map((r) => r.getAttribute('data-key'))).toEqual([
      'docker.io/library/busybox:latest',
    ]);
  });

  it('shows the server refusing (a container created meanwhile) next to the row', async () => {
    const c = client();
    const name = 'localhost:5000/tools@sha256:' + 'f'.repeat(64);
    c.on('image:delete', () =>
      fail({
        code: 'in-use',
        message: `image ${name} is used by container late`,
        hint: 'delete container late first',
      }),
    );
    await renderInside(<ImagesView />, c);
    fireEvent.click(within(row(name)).getByRole('button', { name: /^Delete / }));
    fireEvent.click(
      within(screen.getByRole('dialog')).getByRole('button', { name: 'Delete image' }),
    );
    await settle();
    expect(screen.getByTestId('row-error').textContent).toContain('used by container late');
    expect(row(name)).toBeTruthy();
  });

  it('re-lists after image events (debounced) and keeps unchanged rows mounted', async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    const c = client();
    await renderInside(<ImagesView />, c);
    const busybox = row('docker.io/library/busybox:latest');
    c.images.get('default')!.push(makeImage('docker.io/library/alpine:3.20'));
    act(() =>
      c.events(
        ev('/images/create', '', {
          containerId: undefined,
          image: 'docker.io/library/alpine:3.20',
        }),
      ),
    );
    await act(async () => vi.advanceTimersByTime(300));
    await settle();
    expect(rows().map((r) => r.getAttribute('data-key'))).toContain(
      'docker.io/library/alpine:3.20',
    );
    expect(row('docker.io/library/busybox:latest')).toBe(busybox);
  });

  it('empty namespace: import and pull commands with the real socket', async () => {
    const c = new FakeInsideClient();
    c.images.set('default', []);
    c.images.set('k8s.io', [makeImage('registry.k8s.io/pause:3.9', { namespace: 'k8s.io' })]);
    await renderInside(<ImagesView />, c);
    const empty = screen.getByTestId('images-empty');
    expect(empty.textContent).toContain('Pull one with the Pull field above');
    expect(empty.textContent).toContain('load an archive with Load…');
    expect(empty.textContent).toContain(`ctr -a ${SOCKET} -n default images import IMAGE.tar`);
    expect(screen.getByTestId('elsewhere').textContent).toContain('1 image in k8s.io');
  });

  it('search filters; no match offers to clear', async () => {
    await renderInside(<ImagesView />, client());
    fireEvent.change(screen.getByRole('searchbox', { name: 'Search images' }), {
      target: { value: 'busy' },
    });
    expect(rows()).toHaveLength(1);
    fireEvent.change(screen.getByRole('searchbox', { name: 'Search images' }), {
      target: { value: 'nope' },
    });
    fireEvent.click(
      within(screen.getByTestId('images-no-match')).getByRole('button', { name: 'Clear filter' }),
    );
    expect(rows()).toHaveLength(2);
  });

  it('a failed list shows the error and Retry', async () => {
    const c = client();
    let fails = true;
    const list = c.handler('images:list');
    c.on('images:list', (p) =>
      fails
        ? fail({
            code: 'containerd-api-unavailable',
            message: 'containerd is not reachable',
            hint: 'start containerd',
          })
        : list(p),
    );
    await renderInside(<ImagesView />, c);
    expect(screen.getByRole('alert').textContent).toContain('containerd is not reachable');
    fails = false;
    fireEvent.click(screen.getByRole('button', { name: 'Retry' }));
    await settle();
    expect(rows()).toHaveLength(2);
  });
});
