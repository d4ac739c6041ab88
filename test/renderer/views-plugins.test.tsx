// Plugins view: problems on top with their one fix (settings:set) and command, plugin statuses and the filter.
import { act, cleanup, fireEvent, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { PluginInfo, Problem } from '../../common/containerd';
import { PluginsView } from '../../renderer/src/views';
import { settingsCommands } from '../../renderer/src/views/plugins-view';
import { settingsView } from './fake-client';
import { fail, FakeInsideClient, ok } from './fake-inside-client';
import { renderInside, settle } from './views-render';

afterEach(cleanup);

const plugin = (
  type: string,
  id: string,
  status: PluginInfo['status'],
  initError: string | null = null,
): PluginInfo => ({
  type,
  id,
  status,
  initError,
  requires: [],
  platforms: ['linux/amd64'],
  exports: {},
});

const CRI: Problem = {
  id: 'cri-no-cni',
  severity: 'error',
  message: 'CRI is on but no CNI plugins are installed',
  hint: 'install CNI plugins into /opt/cni/bin, or turn CRI off',
  fix: { label: 'Disable CRI', settingsPatch: { cri: 'off' } },
};

function client() {
  const c = new FakeInsideClient();
  c.plugins = [
    plugin('io.containerd.snapshotter.v1', 'overlayfs', 'ok'),
    plugin(
      'io.containerd.snapshotter.v1',
      'btrfs',
      'skip',
      'path /var/lib/x must be a btrfs filesystem',
    ),
    plugin('io.containerd.grpc.v1', 'cri', 'error', 'failed to load cni config'),
  ];
  c.problems = [CRI];
  return c;
}

const rows = () => screen.queryAllByTestId('plugins-table-row');

describe('PluginsView', () => {
  it('lists plugins, errors first, each with its status and init error', async () => {
    await renderInside(<PluginsView />, client());
    expect(rows().map((r) => r.getAttribute('data-key'))).toEqual([
      'io.containerd.grpc.v1/cri',
      'io.containerd.snapshotter.v1/btrfs',
      'io.containerd.snapshotter.v1/overlayfs',
    ]);
    expect(within(rows()[0]!).getByTestId('plugin-status').textContent).toBe('✕ error');
    expect(rows()[0]!.textContent).toContain('failed to load cni config');
    expect(screen.getByText(/containerd v1\.6\.20/)).toBeTruthy();
  });

  it('filters by status', async () => {
    await renderInside(<PluginsView />, client());
    fireEvent.click(screen.getByTestId('plugin-filter-skip'));
    expect(rows().map((r) => r.getAttribute('data-key'))).toEqual([
      'io.containerd.snapshotter.v1/btrfs',
    ]);
    expect(screen.getByTestId('plugin-filter-ok').textContent).toBe('OK 1');
  });

  it('shows problems on top; the fix calls settings:set with its patch and offers a restart', async () => {
    const c = client();
    c.on('settings:set', () => ok(settingsView()));
    c.on('daemon:restart', () => ok(c.status));
    await renderInside(<PluginsView />, c);
    const problem = screen.getByTestId('problem');
    expect(problem.textContent).toContain('CRI is on but no CNI plugins are installed');
    expect(problem.textContent).toContain('install CNI plugins');
    expect(problem.textContent).toContain('cdesk settings set cri off');
    fireEvent.click(within(problem).getByRole('button', { name: 'Disable CRI' }));
    await settle();
    expect(c.callsTo('settings:set')).toEqual([{ patch: { cri: 'off' } }]);
    fireEvent.click(within(problem).getByRole('button', { name: 'Restart containerd' }));
    await settle();
    expect(c.callsTo('daemon:restart')).toHaveLength(1);
  });

  it('a failed fix says why', async () => {
    const c = client();
    c.on('settings:set', () =>
      fail({
        code: 'settings-write',
        message: 'cannot write /c/settings.json',
        hint: 'check permissions',
      }),
    );
    await renderInside(<PluginsView />, c);
    fireEvent.click(screen.getByRole('button', { name: 'Disable CRI' }));
    await settle();
    expect(within(screen.getByTestId('problem')).getByRole('alert').textContent).toContain(
      'cannot write /c/settings.json',
    );
  });

  it('problems follow inside:status events', async () => {
    const c = client();
    await renderInside(<PluginsView />, c);
    act(() => c.insideStatus('connected', []));
    expect(screen.queryByTestId('problem')).toBeNull();
    act(() =>
      c.insideStatus('connected', [
        { ...CRI, id: 'other', message: 'snapshotter overlayfs failed', fix: undefined },
      ]),
    );
    expect(screen.getByTestId('problem').textContent).toContain('snapshotter overlayfs failed');
    expect(within(screen.getByTestId('problem')).queryByRole('button')).toBeNull();
  });

  it('turns a nested patch into settings commands', () => {
    expect(
      settingsCommands({
        cri: 'off',
        restart: { backoffMaxMs: 60000 },
        disabledPlugins: ['a', 'b'],
      }),
    ).toEqual([
      'cdesk settings set cri off',
      'cdesk settings set restart.backoffMaxMs 60000',
      `cdesk settings set disabledPlugins '["a","b"]'`,
    ]);
  });
});
