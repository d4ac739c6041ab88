// The whole window over a fake client, and the transport choice.
import { act, cleanup, render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import { App } from '../../renderer/src/app';
import { pickTransport } from '../../renderer/src/transport/pick-transport';
import { WsClient } from '../../renderer/src/transport/ws-client';
import { FakeClient, makeStatus, ok } from './fake-client';

afterEach(() => {
  cleanup();
  delete window.cdesk;
});

describe('App', () => {
  it('loads the status and switches sections with the keyboard', async () => {
    const client = new FakeClient(makeStatus('running'));
    render(<App client={client} />);
    await act(async () => {});
    expect(screen.getByTestId('state-badge').textContent).toBe('running');
    expect(client.calls.map((c) => c.name)).toEqual(
      expect.arrayContaining([
        'daemon:status',
        'app:info',
        'settings:get',
        'health:history',
        'logs:read',
        'config:preview',
      ]),
    );
    screen.getByTestId('tab-status').focus();
    await userEvent.keyboard('{ArrowRight}');
    expect(screen.getByTestId('tab-logs').getAttribute('aria-selected')).toBe('true');
    expect(document.activeElement).toBe(screen.getByTestId('tab-logs'));
    expect(
      screen.getByTestId('log-viewport').closest('[role=tabpanel]')?.hasAttribute('hidden'),
    ).toBe(false);
  });

  it('shows state changes pushed by the server', async () => {
    const client = new FakeClient(makeStatus('running'));
    render(<App client={client} />);
    await act(async () => {});
    act(() =>
      client.push({
        event: 'daemon:state',
        payload: { status: makeStatus('backoff'), transition: null },
      }),
    );
    expect(screen.getByTestId('state-badge').textContent).toBe('backoff');
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
    };
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
