// StatusPanel and StateBadge: every state, the details, and live updates from events.
import { act, cleanup, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { DAEMON_STATES } from '../../common/states';
import { StateBadge } from '../../renderer/src/components/state-badge';
import { StatusPanel } from '../../renderer/src/components/status-panel';
import { FakeClient, makeStatus } from './fake-client';
import { renderWithStore } from './render';

afterEach(cleanup);

describe('StateBadge', () => {
  for (const state of DAEMON_STATES) {
    it(`shows ${state} with its colour class and the reason`, async () => {
      await renderWithStore(<StateBadge />, new FakeClient(makeStatus(state)));
      const badge = screen.getByTestId('state-badge');
      expect(badge.textContent).toBe(state);
      expect(badge.className).toContain(`state-${state}`);
      expect(screen.getByTestId('state-reason').textContent).toBe(`reason for ${state}`);
    });
  }

  it('sits in a polite live region so state changes are announced', async () => {
    await renderWithStore(<StateBadge />);
    expect(screen.getByTestId('state-badge').parentElement?.getAttribute('aria-live')).toBe(
      'polite',
    );
  });
});

describe('StatusPanel', () => {
  for (const state of DAEMON_STATES) {
    it(`renders the details when ${state}`, async () => {
      await renderWithStore(<StatusPanel />, new FakeClient(makeStatus(state)));
      expect(screen.getByTestId('status-state').textContent).toContain(state);
      expect(screen.getByTestId('restart-count').textContent).toBe('3');
      expect(screen.getByTestId('daemon-version').textContent).toBe('v1.6.20 (abc123def)');
      expect(screen.getByTestId('last-exit').textContent).toContain('signal SIGKILL');
      expect(screen.getByTestId('path-socket').textContent).toBe('/run/cdesk/containerd.sock');
      expect(screen.getByTestId('control-socket').textContent).toBe('/run/cdesk/control.sock');
    });
  }

  it('shows pid and uptime while running', async () => {
    await renderWithStore(<StatusPanel />, new FakeClient(makeStatus('running')));
    expect(screen.getByTestId('daemon-pid').textContent).toBe('4242');
    expect(screen.getByTestId('daemon-uptime').textContent).toMatch(/^1m \d+s$/);
  });

  it("shows the failed state's hint", async () => {
    await renderWithStore(<StatusPanel />, new FakeClient(makeStatus('failed')));
    expect(screen.getByTestId('status-hint').textContent).toContain('install containerd');
  });

  it('updates the restart count from daemon:state events', async () => {
    const { client } = await renderWithStore(<StatusPanel />);
    act(() =>
      client.push({
        event: 'daemon:state',
        payload: { status: makeStatus('running', { restarts: 7 }), transition: null },
      }),
    );
    expect(screen.getByTestId('restart-count').textContent).toBe('7');
  });
});
