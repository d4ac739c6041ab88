// The truthful state: badge, strip and Status page tiles for every state, a first failed check,
// a lost app (Unknown, frozen counters), one backoff countdown, restarts by cause and problems.
import { act, cleanup, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DAEMON_STATES, type HealthEvent } from '../../common/states';
import { Controls } from '../../renderer/src/components/controls';
import { StateBadge } from '../../renderer/src/components/state-badge';
import { StatusPanel } from '../../renderer/src/views/status-panel';
import { TopStrip } from '../../renderer/src/components/top-strip';
import { FakeClient, makeStatus, ok, sample, settingsView } from './fake-client';
import { renderWithStore } from './render';

afterEach(() => {
  cleanup();
  vi.useRealTimers();
});

const LABELS: Record<string, string> = {
  stopped: 'Stopped',
  starting: 'Starting',
  running: 'Running',
  unhealthy: 'Unhealthy',
  backoff: 'Backing off',
  stopping: 'Stopping',
  failed: 'Failed',
};

const badge = () => screen.getByTestId('state-badge');
const reason = () => screen.getByTestId('state-reason').textContent ?? '';

function failedCheck(at: number, failures: number): HealthEvent {
  return { ...sample(at, false, 3000), failures };
}

describe('StateBadge', () => {
  for (const state of DAEMON_STATES) {
    it(`shows ${state} with a label, a shape and the reason`, async () => {
      await renderWithStore(<StateBadge />, new FakeClient(makeStatus(state)));
      expect(screen.getByTestId('state-label').textContent).toBe(LABELS[state]);
      expect(badge().getAttribute('data-state')).toBe(state);
      expect(badge().querySelector('.badge-icon')?.textContent).toMatch(/\S/);
      expect(reason()).toContain(`reason for ${state}`);
    });
  }

  it('sits in a polite live region so state changes are announced', async () => {
    await renderWithStore(<StateBadge />);
    expect(badge().parentElement?.getAttribute('aria-live')).toBe('polite');
  });

  it('gives every state a different icon, so colour is not the only cue', async () => {
    const icons = new Set<string>();
    for (const state of [
      'stopped',
      'starting',
      'running',
      'unhealthy',
      'stopping',
      'failed',
    ] as const) {
      const r = await renderWithStore(<StateBadge />, new FakeClient(makeStatus(state)));
      icons.add(badge().querySelector('.badge-icon')?.textContent ?? '');
      r.unmount();
    }
    expect(icons.size).toBe(6);
  });
});

describe('Unhealthy from the first failed check', () => {
  it('leaves green at the first failed liveness check while the engine still says running', async () => {
    const now = Date.now();
    const client = new FakeClient(makeStatus('running', { runningSince: now - 60_000 }));
    const { store } = await renderWithStore(<StateBadge />, client);
    expect(badge().getAttribute('data-state')).toBe('running');
    act(() => client.push({ event: 'health:sample', payload: failedCheck(now + 50, 1) }));
    expect(store.getState().status?.state).toBe('running');
    expect(badge().getAttribute('data-state')).toBe('unhealthy');
    expect(badge().className).toContain('tone-warn');
    expect(reason()).toContain('health check failed 1 of 3');
  });

  it('counts up to the configured number of failures, and goes back to Running after a success', async () => {
    const now = Date.now();
    const client = new FakeClient(makeStatus('running', { runningSince: now - 60_000 }));
    await renderWithStore(<StateBadge />, client);
    act(() => client.push({ event: 'health:sample', payload: failedCheck(now + 50, 2) }));
    expect(reason()).toContain('health check failed 2 of 3');
    act(() => client.push({ event: 'health:sample', payload: sample(now + 1000, true) }));
    expect(badge().getAttribute('data-state')).toBe('running');
    expect(screen.getByTestId('state-label').textContent).toBe('Running');
  });

  it('ignores a failure from before the daemon became running', async () => {
    const now = Date.now();
    const client = new FakeClient(makeStatus('running', { runningSince: now }));
    client.stub('health:history', ok({ samples: [failedCheck(now - 5000, 3)], restarts: [] }));
    await renderWithStore(<StateBadge />, client);
    expect(badge().getAttribute('data-state')).toBe('running');
  });

  it('the Health tile says so too', async () => {
    const now = Date.now();
    const client = new FakeClient(makeStatus('running', { runningSince: now - 60_000 }));
    await renderWithStore(<StatusPanel />, client);
    act(() => client.push({ event: 'health:sample', payload: failedCheck(now + 50, 1) }));
    expect(screen.getByTestId('health-median').textContent).toContain('check failed');
    // The newest check is the pushed sample, not the status snapshot's older SERVING.
    expect(screen.getByTestId('last-health').textContent).toContain('TIMEOUT (failed)');
  });
});

describe('Unknown when the app is unreachable', () => {
  it('goes grey with "last seen HH:MM", disables actions, and freezes the counters', async () => {
    const client = new FakeClient(makeStatus('running'));
    await renderWithStore(
      <>
        <TopStrip />
        <StatusPanel />
      </>,
      client,
    );
    const uptimeBefore = screen.getByTestId('daemon-uptime').textContent;
    const at = new Date();
    act(() => client.setConnection('closed'));
    expect(badge().getAttribute('data-state')).toBe('unknown');
    expect(screen.getByTestId('state-label').textContent).toBe('Unknown');
    expect(badge().className).toContain('tone-unknown');
    const hm = `${String(at.getHours()).padStart(2, '0')}:${String(at.getMinutes()).padStart(2, '0')}`;
    expect(reason()).toContain(`last seen ${hm}`);
    for (const id of ['btn-start', 'btn-stop', 'btn-restart'])
      expect(screen.getByTestId(id).getAttribute('aria-disabled')).toBe('true');
    // Three minutes pass on the wall clock: the uptime must not move.
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 180_000);
    await act(async () => {
      await new Promise((r) => setTimeout(r, 1100));
    });
    expect(screen.getByTestId('daemon-uptime').textContent).toBe(uptimeBefore);
    expect(screen.getByTestId('tile-uptime').className).toContain('stale');
  });

  it('comes back from a fresh snapshot when the connection returns', async () => {
    const client = new FakeClient(makeStatus('running'));
    await renderWithStore(<StateBadge />, client);
    act(() => client.setConnection('closed'));
    client.stub('daemon:status', ok(makeStatus('stopped')));
    await act(async () => client.setConnection('open'));
    expect(badge().getAttribute('data-state')).toBe('stopped');
    expect(client.callsTo('daemon:status').length).toBe(2);
  });
});

describe('backoff countdown', () => {
  it('shows one number in the strip and on the Status page', async () => {
    const now = Date.now();
    const client = new FakeClient(
      makeStatus('backoff', { since: now, retryInMs: 4000, reason: 'containerd exited' }),
    );
    await renderWithStore(
      <>
        <StateBadge />
        <StatusPanel />
      </>,
      client,
    );
    const strip = reason().match(/retry in (\d+)s/)?.[1];
    const tile = screen.getByTestId('retry-countdown').textContent?.match(/retry in (\d+)s/)?.[1];
    expect(strip).toBeDefined();
    expect(Number(strip)).toBeGreaterThanOrEqual(3);
    expect(tile).toBe(strip);
  });
});

describe('Status tiles', () => {
  it('separates restarts by cause', async () => {
    const client = new FakeClient(
      makeStatus('running', { restarts: 6, restartCauses: { crash: 2, hang: 1, user: 3 } }),
    );
    await renderWithStore(<StatusPanel />, client);
    expect(screen.getByTestId('restart-causes').textContent).toBe('2 crashes · 1 hang · 3 by you');
    expect(screen.getByTestId('restart-count').textContent).toBe('6');
  });

  it('shows pid, uptime, version and containers', async () => {
    const client = new FakeClient(makeStatus('running', { containers: { running: 3, total: 7 } }));
    await renderWithStore(<StatusPanel />, client);
    expect(screen.getByTestId('daemon-pid').textContent).toBe('4242');
    expect(screen.getByTestId('daemon-uptime').textContent).toMatch(/^1m \d+s$/);
    expect(screen.getByTestId('daemon-version').textContent).toContain('v1.6.20');
    expect(screen.getByTestId('containers-count').textContent).toBe('3 running');
    expect(screen.getByTestId('last-exit').textContent).toContain('signal SIGKILL');
  });

  it("shows the failed state's hint", async () => {
    await renderWithStore(<StatusPanel />, new FakeClient(makeStatus('failed')));
    expect(screen.getByTestId('status-hint').textContent).toContain('install containerd');
  });

  it('offers the terminal commands for the real socket', async () => {
    await renderWithStore(<StatusPanel />);
    expect(screen.getByTestId('cmd-env').textContent).toBe(
      'export CONTAINERD_ADDRESS=/run/cdesk/containerd.sock',
    );
    expect(screen.getByTestId('cmd-ctr').textContent).toMatch(
      /^ctr -a \/run\/cdesk\/containerd\.sock /,
    );
    expect(screen.getByTestId('cmd-nerdctl').textContent).toMatch(
      /^nerdctl --address \/run\/cdesk\/containerd\.sock /,
    );
  });

  it('copies a terminal command', async () => {
    const writeText = vi.fn(async () => {});
    Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true });
    await renderWithStore(<StatusPanel />);
    await userEvent.click(screen.getByTestId('copy-env'));
    expect(writeText).toHaveBeenCalledWith('export CONTAINERD_ADDRESS=/run/cdesk/containerd.sock');
    expect(screen.getByTestId('copy-env').textContent).toBe('Copied');
  });

  it('shows skeleton tiles before the first status, not a blank page', async () => {
    const client = new FakeClient();
    client.stub('daemon:status', () => new Promise(() => {}));
    await renderWithStore(<StatusPanel />, client);
    expect(screen.getByTestId('tiles-skeleton')).toBeTruthy();
  });
});

describe('Running · N problems', () => {
  const problems = [
    {
      id: 'cri-no-cni',
      severity: 'warning' as const,
      message: 'CRI is on but no CNI plugins are installed',
      hint: 'install CNI plugins or turn CRI off',
      fix: { label: 'Disable CRI', settingsPatch: { cri: 'off' } },
    },
    { id: 'snap', severity: 'error' as const, message: 'overlayfs failed', hint: 'use native' },
  ];

  it('keeps the badge green and adds an amber chip that opens Plugins', async () => {
    const client = new FakeClient(makeStatus('running', { problems }));
    const { store } = await renderWithStore(<TopStrip />, client);
    expect(badge().getAttribute('data-state')).toBe('running');
    expect(badge().className).toContain('tone-ok');
    const chip = screen.getByTestId('problems-chip');
    expect(chip.textContent).toContain('2 problems');
    await userEvent.click(chip);
    expect(store.getState().page).toBe('plugins');
  });

  it('lists the problems with hints, applies a fix, and mutes one', async () => {
    const client = new FakeClient(makeStatus('running', { problems }));
    client.stub('settings:set', ok(settingsView()));
    await renderWithStore(<StatusPanel />, client);
    const item = screen.getByTestId('problem-cri-no-cni');
    expect(item.textContent).toContain('install CNI plugins or turn CRI off');
    await userEvent.click(screen.getByRole('button', { name: 'Disable CRI' }));
    expect(client.callsTo('settings:set')).toEqual([{ patch: { cri: 'off' } }]);
    const mutes = screen.getAllByRole('button', { name: 'Mute' });
    await userEvent.click(mutes[1] as HTMLElement);
    expect(screen.queryByTestId('problem-snap')).toBeNull();
    expect(screen.getByRole('button', { name: 'Show 1 muted' })).toBeTruthy();
    localStorage.clear();
  });

  it('hides the chip while the app is unreachable', async () => {
    const client = new FakeClient(makeStatus('running', { problems }));
    await renderWithStore(
      <>
        <TopStrip />
        <Controls />
      </>,
      client,
    );
    act(() => client.setConnection('closed'));
    expect(screen.queryByTestId('problems-chip')).toBeNull();
  });
});
