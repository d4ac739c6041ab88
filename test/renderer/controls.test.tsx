// Controls: which buttons each state enables, progress while a command runs, the hint on failure.
import { act, cleanup, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import type { CommandResults, Result } from '../../common/contract';
import { DAEMON_STATES } from '../../common/states';
import { Controls } from '../../renderer/src/components/controls';
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
    (id) => !(screen.getByTestId(id) as HTMLButtonElement).disabled,
  );
}

describe('Controls', () => {
  for (const state of DAEMON_STATES) {
    it(`enables the sensible buttons when ${state}`, async () => {
      await renderWithStore(<Controls />, new FakeClient(makeStatus(state)));
      expect(enabled()).toEqual(EXPECTED[state]);
    });
  }

  it('sends daemon:start and shows progress with every button disabled until it returns', async () => {
    const client = new FakeClient(makeStatus('stopped'));
    const d = deferred<Result<CommandResults['daemon:start']>>();
    client.stub('daemon:start', () => d.promise);
    await renderWithStore(<Controls />, client);
    await userEvent.click(screen.getByTestId('btn-start'));
    expect(client.callsTo('daemon:start')).toEqual([{}]);
    expect(enabled()).toEqual([false, false, false]);
    expect(screen.getByTestId('btn-start').textContent).toContain('Starting…');
    await act(async () => d.resolve(ok(makeStatus('running'))));
    expect(enabled()).toEqual([false, true, true]);
  });

  it('sends daemon:stop and daemon:restart', async () => {
    const client = new FakeClient(makeStatus('running'));
    client.stub('daemon:stop', ok(makeStatus('running')));
    client.stub('daemon:restart', ok(makeStatus('running')));
    await renderWithStore(<Controls />, client);
    await userEvent.click(screen.getByTestId('btn-stop'));
    await userEvent.click(screen.getByTestId('btn-restart'));
    expect(client.calls.map((c) => c.name)).toContain('daemon:stop');
    expect(client.calls.map((c) => c.name)).toContain('daemon:restart');
  });

  it("shows the error's message and hint when a command fails", async () => {
    const client = new FakeClient(makeStatus('failed'));
    client.stub(
      'daemon:start',
      fail({
        code: 'exec-error',
        message: 'containerd not found on PATH',
        hint: 'install containerd (apt install containerd)',
      }),
    );
    await renderWithStore(<Controls />, client);
    await userEvent.click(screen.getByTestId('btn-start'));
    expect(screen.getByRole('alert').textContent).toContain('containerd not found on PATH');
    expect(screen.getByTestId('command-hint').textContent).toBe(
      'install containerd (apt install containerd)',
    );
    expect(enabled()).toEqual([true, false, false]);
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
});
