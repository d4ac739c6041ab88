// Controls: which buttons each state enables, progress while a command runs (focus kept), the hint on failure.
import { act, cleanup, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import type { CommandResults, Result } from '../../common/contract';
import { DAEMON_STATES } from '../../common/states';
import { CommandError, Controls } from '../../renderer/src/components/controls';
import { deferred, FakeClient, fail, makeStatus, ok } from './fake-client';
import { renderWithStore } from './render';

afterEach(cleanup);

const EXPECTED: Record<string, [boolean, boolean, boolean]> = {
  stopped: [true, false, false],
  starting: [false, true, false],
  running: [false, true, true],
  unhealthy: [false, true, true],
  backoff: [false, true, true],
  stopping: [false, false, false],
  failed: [true, false, false],
};

function enabled() {
  return ['btn-start', 'btn-stop', 'btn-restart'].map(
    (id) => screen.getByTestId(id).getAttribute('aria-disabled') === 'false',
  );
}

describe('Controls', () => {
  for (const state of DAEMON_STATES) {
    it(`enables the sensible buttons when ${state}`, async () => {
      await renderWithStore(<Controls />, new FakeClient(makeStatus(state)));
      expect(enabled()).toEqual(EXPECTED[state]);
    });
  }

  it('a click on a disabled button sends nothing', async () => {
    const client = new FakeClient(makeStatus('stopped'));
    await renderWithStore(<Controls />, client);
    await userEvent.click(screen.getByTestId('btn-stop'));
    expect(client.callsTo('daemon:stop')).toEqual([]);
  });

  it('sends daemon:start and shows progress with every button inert until it returns', async () => {
    const client = new FakeClient(makeStatus('stopped'));
    const d = deferred<Result<CommandResults['daemon:start']>>();
    client.stub('daemon:start', () => d.promise);
    await renderWithStore(<Controls />, client);
    await userEvent.click(screen.getByTestId('btn-start'));
    expect(client.callsTo('daemon:start')).toEqual([{}]);
    expect(enabled()).toEqual([false, false, false]);
    expect(screen.getByTestId('btn-start').textContent).toContain('Starting…');
    expect(screen.getByTestId('btn-start').getAttribute('aria-busy')).toBe('true');
    await act(async () => d.resolve(ok(makeStatus('running'))));
    expect(enabled()).toEqual([false, true, true]);
  });

  it("asks before Stop and Restart while containers run, with the tray's words; Cancel sends nothing", async () => {
    const client = new FakeClient(makeStatus('running', { containers: { running: 2, total: 3 } }));
    client.stub('daemon:stop', ok(makeStatus('stopped')));
    await renderWithStore(<Controls />, client);
    const stop = screen.getByTestId('btn-stop');
    await userEvent.click(stop);
    const dialog = screen.getByRole('dialog');
    expect(dialog.textContent).toContain('Stop containerd?');
    expect(dialog.textContent).toContain(
      "2 containers keep running but can't be managed until containerd is back.",
    );
    expect(client.callsTo('daemon:stop')).toEqual([]);
    // Cancel has the focus first; Escape cancels too.
    await userEvent.keyboard('{Escape}');
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(client.callsTo('daemon:stop')).toEqual([]);

    await userEvent.click(screen.getByTestId('btn-restart'));
    expect(screen.getByRole('dialog').textContent).toContain('Restart containerd?');
    await userEvent.click(screen.getByRole('button', { name: 'Cancel' }));
    expect(client.callsTo('daemon:restart')).toEqual([]);

    await userEvent.click(stop);
    await userEvent.click(screen.getByRole('button', { name: 'Stop containerd' }));
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(client.callsTo('daemon:stop')).toEqual([{}]);
  });

  it('does not ask when no container runs', async () => {
    const client = new FakeClient(makeStatus('running', { containers: { running: 0, total: 4 } }));
    client.stub('daemon:stop', ok(makeStatus('stopped')));
    await renderWithStore(<Controls />, client);
    await userEvent.click(screen.getByTestId('btn-stop'));
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(client.callsTo('daemon:stop')).toEqual([{}]);
  });

  it('Enter on Restart keeps the focus on it while busy ("Restarting…") and after', async () => {
    const client = new FakeClient(makeStatus('running'));
    const d = deferred<Result<CommandResults['daemon:restart']>>();
    client.stub('daemon:restart', () => d.promise);
    await renderWithStore(<Controls />, client);
    const restart = screen.getByTestId('btn-restart');
    restart.focus();
    await userEvent.keyboard('{Enter}');
    expect(client.callsTo('daemon:restart')).toHaveLength(1);
    expect(restart.textContent).toContain('Restarting…');
    expect(document.activeElement).toBe(restart);
    // Pressing again while busy does not send a second restart.
    await userEvent.keyboard('{Enter}');
    expect(client.callsTo('daemon:restart')).toHaveLength(1);
    await act(async () => d.resolve(ok(makeStatus('running'))));
    expect(restart.textContent).toBe('Restart');
    expect(document.activeElement).toBe(restart);
  });

  it('keeps the focus on Start when the new state makes Start inapplicable', async () => {
    const client = new FakeClient(makeStatus('stopped'));
    client.stub('daemon:start', ok(makeStatus('running')));
    await renderWithStore(<Controls />, client);
    const start = screen.getByTestId('btn-start');
    start.focus();
    await userEvent.keyboard('{Enter}');
    expect(start.getAttribute('aria-disabled')).toBe('true');
    expect(document.activeElement).toBe(start);
  });

  it("shows the error's message and hint when a command fails", async () => {
    const client = new FakeClient(makeStatus('failed'));
    client.stub(
      'daemon:start',
      fail({
        code: 'binary-missing',
        message: 'containerd not found on PATH',
        hint: 'install containerd (apt install containerd)',
      }),
    );
    await renderWithStore(
      <>
        <Controls />
        <CommandError />
      </>,
      client,
    );
    await userEvent.click(screen.getByTestId('btn-start'));
    expect(screen.getByRole('alert').textContent).toContain('containerd not found on PATH');
    expect(screen.getByTestId('command-hint').textContent).toBe(
      'install containerd (apt install containerd)',
    );
    expect(enabled()).toEqual([true, false, false]);
    await userEvent.click(screen.getByRole('button', { name: 'Dismiss the error' }));
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('follows state events', async () => {
    const { client } = await renderWithStore(<Controls />, new FakeClient(makeStatus('stopped')));
    act(() =>
      client.push({
        event: 'daemon:state',
        payload: { status: makeStatus('running'), transition: null },
      }),
    );
    expect(enabled()).toEqual([false, true, true]);
  });

  it('disables every action while the app is unreachable', async () => {
    const { client } = await renderWithStore(<Controls />, new FakeClient(makeStatus('running')));
    act(() => client.setConnection('closed'));
    expect(enabled()).toEqual([false, false, false]);
  });
});
