// SettingsForm: fields from the settings table in human units, validation in place, the sticky Save bar.
import { act, cleanup, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import { SETTING_ROWS, SETTINGS_GROUPS } from '../../common/settings-table';
import { ALL_FIELDS, fieldLabel } from '../../renderer/src/components/settings-fields';
import { SettingsForm } from '../../renderer/src/views/settings-form';
import { fail, FakeClient, makeStatus, ok, settingsView } from './fake-client';
import { renderWithStore } from './render';

afterEach(cleanup);

async function replace(testId: string, text: string) {
  const el = screen.getByTestId(testId);
  await userEvent.clear(el);
  if (text) await userEvent.type(el, text);
}

const input = (key: string) => screen.getByTestId(`field-${key}`) as HTMLInputElement;
const notice = () => screen.getByTestId('settings-notice').textContent;

/** Save answers with the patch applied, like the app does. */
function savingClient(status = makeStatus('running')) {
  const client = new FakeClient(status);
  client.stub('settings:set', ({ patch }) => {
    const v = settingsView();
    const p = patch as Record<string, Record<string, unknown>>;
    return ok({
      ...v,
      settings: {
        ...v.settings,
        ...p,
        restart: { ...v.settings.restart, ...p.restart },
        health: { ...v.settings.health, ...p.health },
      },
    });
  });
  return client;
}

describe('SettingsForm', () => {
  it('has one field per row of the settings table, in its sections', async () => {
    await renderWithStore(<SettingsForm />);
    expect(ALL_FIELDS.map((f) => f.key).sort()).toEqual(SETTING_ROWS.map((r) => r.key).sort());
    for (const f of ALL_FIELDS) expect(screen.getByLabelText(fieldLabel(f))).toBeTruthy();
    const legends = [...document.querySelectorAll('fieldset > legend')].map((l) => l.textContent);
    expect(legends).toEqual(SETTINGS_GROUPS.map((g) => g.title));
  });

  it('shows durations in seconds and sizes in MiB/KiB, with the unit in the label', async () => {
    await renderWithStore(<SettingsForm />);
    expect(input('restart.backoffMaxMs').value).toBe('30');
    expect(input('restart.backoffInitialMs').value).toBe('0.5');
    expect(input('logRotateBytes').value).toBe('10');
    expect(input('logLineMaxBytes').value).toBe('16');
    expect(input('restart.backoffJitter').value).toBe('20');
    expect(screen.getByLabelText('Longest backoff delay (seconds)')).toBe(
      input('restart.backoffMaxMs'),
    );
    expect(screen.getByLabelText('Rotate the log file at (MiB)')).toBe(input('logRotateBytes'));
  });

  it('sends only the changed settings, converted back to ms and bytes, on Save', async () => {
    const client = savingClient();
    await renderWithStore(<SettingsForm />, client);
    await replace('field-restart.backoffMaxMs', '60');
    await replace('field-logRotateBytes', '20');
    await userEvent.selectOptions(input('onQuit'), 'leave-running');
    await userEvent.click(input('autoStart'));
    expect(client.callsTo('settings:set')).toEqual([]);
    expect(notice()).toBe('4 unsaved changes');
    await userEvent.click(screen.getByTestId('settings-save'));
    expect(client.callsTo('settings:set')).toEqual([
      {
        patch: {
          restart: { backoffMaxMs: 60_000 },
          onQuit: 'leave-running',
          logRotateBytes: 20 << 20,
          autoStart: false,
        },
      },
    ]);
    expect(notice()).toBe('Saved · applied now');
  });

  it('validates in place: a field shows its error once the user leaves it, before Save', async () => {
    const { client } = await renderWithStore(<SettingsForm />);
    await replace('field-containerdPath', 'relative/containerd');
    expect(screen.queryByTestId('error-containerdPath')).toBeNull();
    await userEvent.tab();
    expect(screen.getByTestId('error-containerdPath').textContent).toContain('absolute path');
    expect(input('containerdPath').getAttribute('aria-invalid')).toBe('true');
    expect(input('containerdPath').getAttribute('aria-describedby')).toContain(
      'error-containerdPath',
    );
    expect(notice()).toBe('1 field to fix: containerd binary');
    await replace('field-containerdPath', '/usr/bin/containerd');
    await userEvent.tab();
    expect(screen.queryByTestId('error-containerdPath')).toBeNull();
    expect(client.callsTo('settings:set')).toEqual([]);
  });

  it('states limits in the unit shown and refuses to send anything invalid', async () => {
    const { client } = await renderWithStore(<SettingsForm />);
    await replace('field-stopGraceMs', '500');
    await replace('field-health.livenessFailures', '');
    await replace('field-restart.backoffInitialMs', '0.0001');
    await userEvent.click(screen.getByTestId('settings-save'));
    expect(screen.getByTestId('error-stopGraceMs').textContent).toBe('must be at most 2m');
    expect(screen.getByTestId('error-health.livenessFailures').textContent).toBe('enter a number');
    expect(screen.getByTestId('error-restart.backoffInitialMs').textContent).toMatch(
      /whole milliseconds/,
    );
    expect(document.activeElement).toBe(input('restart.backoffInitialMs'));
    expect(client.callsTo('settings:set')).toEqual([]);
  });

  it('reports backoffMaxMs below backoffInitialMs on the max field', async () => {
    const { client } = await renderWithStore(<SettingsForm />);
    await replace('field-restart.backoffMaxMs', '0.1');
    await userEvent.click(screen.getByTestId('settings-save'));
    expect(screen.getByTestId('error-restart.backoffMaxMs').textContent).toContain(
      'backoffInitialMs',
    );
    expect(client.callsTo('settings:set')).toEqual([]);
  });

  it('says when a saved setting applies, and offers a restart for the ones at next start', async () => {
    const client = savingClient();
    client.stub('daemon:restart', ok(makeStatus('running')));
    await renderWithStore(<SettingsForm />, client);
    await userEvent.selectOptions(input('logLevel'), 'debug');
    await userEvent.click(screen.getByTestId('settings-save'));
    expect(notice()).toBe('Saved · applies at the next containerd start');
    await userEvent.click(screen.getByRole('button', { name: 'Restart containerd now' }));
    expect(client.callsTo('daemon:restart')).toEqual([{}]);
    expect(screen.queryByRole('button', { name: 'Restart containerd now' })).toBeNull();
  });

  it('names the next-start settings when a save mixes both kinds', async () => {
    await renderWithStore(<SettingsForm />, savingClient(makeStatus('stopped')));
    await userEvent.selectOptions(input('cri'), 'on');
    await replace('field-stopGraceMs', '5');
    await userEvent.click(screen.getByTestId('settings-save'));
    expect(notice()).toBe('Saved · CRI plugin: at the next containerd start; the rest applied now');
    // containerd is stopped: it takes the new settings when it starts, nothing to restart.
    expect(screen.queryByRole('button', { name: 'Restart containerd now' })).toBeNull();
  });

  it('keeps Save, Revert and the result together in the Save bar', async () => {
    await renderWithStore(<SettingsForm />);
    const bar = screen.getByTestId('settings-bar');
    expect(bar.className).toBe('save-bar');
    expect(within(bar).getByRole('button', { name: 'Save' })).toBeTruthy();
    expect(within(bar).getByRole('button', { name: 'Revert' })).toBeTruthy();
    expect(within(bar).getByRole('status')).toBe(screen.getByTestId('settings-notice'));
    // The bar is the form's last child: nothing important comes after it.
    expect(bar.parentElement?.lastElementChild).toBe(bar);
  });

  it("shows the server's field errors next to the fields they name", async () => {
    const client = new FakeClient();
    client.stub(
      'settings:set',
      fail({
        code: 'invalid-settings',
        message: 'settings rejected',
        hint: 'fix the named fields',
        fields: [{ field: 'patch.stateDir', message: 'not writable' }],
      }),
    );
    await renderWithStore(<SettingsForm />, client);
    await replace('field-stateDir', '/nope');
    await userEvent.click(screen.getByTestId('settings-save'));
    expect(screen.getByTestId('error-stateDir').textContent).toBe('not writable');
    expect(screen.getByTestId('settings-error').textContent).toContain('fix the named fields');
  });

  it('keeps the config preview inside Settings, loaded when opened', async () => {
    const { client } = await renderWithStore(<SettingsForm />);
    expect(client.callsTo('config:preview')).toEqual([]);
    await userEvent.click(screen.getByRole('button', { name: 'Config preview' }));
    await act(async () => {});
    expect(client.callsTo('config:preview').length).toBeGreaterThan(0);
    expect(screen.getByTestId('config-toml').textContent).toBe('version = 2\n');
  });
});
