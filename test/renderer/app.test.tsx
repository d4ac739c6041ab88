// The whole window over a fake client: sidebar navigation (keyboard, names, counts), the strip, the transport choice.
import { act, cleanup, render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import { App } from '../../renderer/src/app';
import { pageCount } from '../../renderer/src/components/sidebar';
import { pickTransport } from '../../renderer/src/transport/pick-transport';
import { WsClient } from '../../renderer/src/transport/ws-client';
import { FakeClient, makeStatus, ok } from './fake-client';
import { makeContainer } from './fake-inside-client';

afterEach(() => {
  cleanup();
  delete window.cdesk;
  window.location.hash = '';
});

const PAGE_NAMES = ['Status', 'Containers', 'Images', 'Plugins', 'Activity', 'Logs', 'Settings'];

async function renderApp(client = new FakeClient(makeStatus('running'))) {
  render(<App client={client} />);
  await act(async () => {});
  return client;
}

describe('App', () => {
  it('loads the status and every section the sidebar names', async () => {
    const client = await renderApp();
    expect(screen.getByTestId('state-badge').getAttribute('data-state')).toBe('running');
    expect(client.calls.map((c) => c.name)).toEqual(
      expect.arrayContaining([
        'daemon:status',
        'app:info',
        'settings:get',
        'health:history',
        'logs:read',
      ]),
    );
    const tabs = screen.getAllByRole('tab');
    expect(tabs.map((t) => t.getAttribute('aria-label'))).toEqual(PAGE_NAMES);
    for (const name of PAGE_NAMES) expect(screen.getByRole('tab', { name })).toBeTruthy();
  });

  it('moves between pages with the arrow keys, tab-like, and keeps the focus on the tab', async () => {
    await renderApp();
    const status = screen.getByRole('tab', { name: 'Status' });
    status.focus();
    await userEvent.keyboard('{ArrowDown}');
    const containers = screen.getByRole('tab', { name: 'Containers' });
    expect(containers.getAttribute('aria-selected')).toBe('true');
    expect(document.activeElement).toBe(containers);
    expect(screen.getByTestId('page-containers').hidden).toBe(false);
    expect(screen.getByTestId('page-status').hidden).toBe(true);
    await userEvent.keyboard('{End}');
    expect(document.activeElement).toBe(screen.getByRole('tab', { name: 'Settings' }));
    await userEvent.keyboard('{ArrowUp}');
    expect(screen.getByRole('tab', { name: 'Logs' }).getAttribute('aria-selected')).toBe('true');
    expect(
      screen.getByTestId('log-viewport').closest('[role=tabpanel]')?.hasAttribute('hidden'),
    ).toBe(false);
    // Only the selected tab is in the Tab order (roving tabindex).
    expect(screen.getAllByRole('tab').filter((t) => t.tabIndex === 0)).toHaveLength(1);
    expect(window.location.hash).toBe('#/logs');
  });

  it('opens the page named in the URL hash', async () => {
    window.location.hash = '#/settings';
    await renderApp();
    expect(screen.getByRole('tab', { name: 'Settings' }).getAttribute('aria-selected')).toBe(
      'true',
    );
  });

  it('shows counts beside Containers and Plugins', async () => {
    const problem = { id: 'p', severity: 'warning' as const, message: 'm', hint: 'h' };
    const client = new FakeClient(
      makeStatus('running', {
        // The status's all-namespace count is not what the sidebar shows: the page's list is.
        containers: { running: 9, total: 9 },
        problems: [problem, { ...problem, id: 'q' }],
      }),
    );
    const list = ['a', 'b', 'c', 'd', 'e', 'f', 'g'].map((id, i) =>
      makeContainer(id, i < 3 ? 'running' : 'stopped'),
    );
    client.stub('containers:list', ok({ namespace: 'default', containers: list }));
    await renderApp(client);
    expect((await screen.findByTestId('count-containers')).textContent).toContain('3/7');
    expect(screen.getByTestId('count-containers').textContent).toContain(
      '3 running of 7 containers in default',
    );
    expect(screen.getByTestId('count-plugins').textContent).toContain('⚠ 2');
    // The count describes the tab; the tab's name stays the page's name.
    expect(screen.getByRole('tab', { name: 'Plugins' }).getAttribute('aria-describedby')).toBe(
      'count-plugins',
    );
  });

  it('shows state changes pushed by the server', async () => {
    const client = await renderApp();
    act(() =>
      client.push({
        event: 'daemon:state',
        payload: { status: makeStatus('backoff'), transition: null },
      }),
    );
    expect(screen.getByTestId('state-badge').getAttribute('data-state')).toBe('backoff');
  });
});

describe('pageCount', () => {
  it('has no count without data, and none for pages without one', () => {
    expect(pageCount('containers', null, 0)).toBeNull();
    expect(pageCount('plugins', undefined, 0)).toBeNull();
    expect(pageCount('images', { running: 1, total: 2 }, 3)).toBeNull();
    expect(pageCount('containers', { running: 0, total: 0 }, 0)?.text).toBe('0/0');
  });
});

describe('pickTransport', () => {
  it('uses the preload API when window.cdesk exists', async () => {
    const seen: string[] = [];
    window.cdesk = {
      invoke: async (name) => {
        seen.push(name);
        return ok(makeStatus('running'));
      },
      subscribe: () => () => {},
    } as typeof window.cdesk;
    const client = pickTransport();
    expect(client).not.toBeInstanceOf(WsClient);
    const r = await client.invoke('daemon:status', {});
    expect(r.ok).toBe(true);
    expect(seen).toEqual(['daemon:status']);
  });

  it('falls back to a WebSocket client without it', () => {
    const client = pickTransport();
    expect(client).toBeInstanceOf(WsClient);
    (client as WsClient).close();
  });
});
