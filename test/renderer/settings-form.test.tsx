// SettingsForm: every setting present, client-side validation, server field errors, save on Save only.
import { cleanup, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultSettings } from '../../common/settings';
import { ALL_FIELDS } from '../../renderer/src/components/settings-fields';
import { SettingsForm } from '../../renderer/src/components/settings-form';
import { fail, FakeClient, ok, settingsView } from './fake-client';
import { renderWithStore } from './render';

afterEach(cleanup);

function leaves(o: Record<string, unknown>, prefix = ''): string[] {
  return Object.entries(o).flatMap(([k, v]) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? leaves(v as Record<string, unknown>, `${prefix}${k}.`)
      : [`${prefix}${k}`],
  );
}

async function replace(testId: string, text: string) {
  const el = screen.getByTestId(testId);
  await userEvent.clear(el);
  if (text) await userEvent.type(el, text);
}

describe('SettingsForm', () => {
  it('has a field for every setting', async () => {
    await renderWithStore(<SettingsForm />);
    expect(ALL_FIELDS.map((f) => f.name).sort()).toEqual(leaves(defaultSettings()).sort());
    for (const f of ALL_FIELDS) expect(screen.getByLabelText(f.label)).toBeTruthy();
  });

  it('shows each error next to its field and does not send settings:set when invalid', async () => {
    const { client } = await renderWithStore(<SettingsForm />);
    await replace('field-containerdPath', 'relative/containerd');
    await replace('field-restart.backoffMaxMs', '100');
    await replace('field-health.livenessFailures', '');
    await userEvent.click(screen.getByTestId('settings-save'));
    expect(screen.getByTestId('error-containerdPath').textContent).toContain('absolute path');
    expect(screen.getByTestId('error-health.livenessFailures').textContent).toContain('number');
    expect(screen.getByTestId('field-containerdPath').getAttribute('aria-invalid')).toBe('true');
    expect(screen.getByTestId('field-containerdPath').getAttribute('aria-describedby')).toContain(
      'error-containerdPath',
    );
    expect(client.callsTo('settings:set')).toEqual([]);
  });

  it('reports backoffMaxMs below backoffInitialMs on the max field', async () => {
    const { client } = await renderWithStore(<SettingsForm />);
    await replace('field-restart.backoffMaxMs', '100');
    await userEvent.click(screen.getByTestId('settings-save'));
    expect(screen.getByTestId('error-restart.backoffMaxMs').textContent).toContain(
      'backoffInitialMs',
    );
    expect(client.callsTo('settings:set')).toEqual([]);
  });

  it('sends only the changed settings, nested, on Save', async () => {
    const client = new FakeClient();
    client.stub('settings:set', () => ok(settingsView()));
    await renderWithStore(<SettingsForm />, client);
    await replace('field-restart.backoffMaxMs', '60000');
    await userEvent.selectOptions(screen.getByTestId('field-onQuit'), 'leave-running');
    await userEvent.click(screen.getByTestId('field-autoStart'));
    expect(client.callsTo('settings:set')).toEqual([]);
    await userEvent.click(screen.getByTestId('settings-save'));
    expect(client.callsTo('settings:set')).toEqual([
      { patch: { restart: { backoffMaxMs: 60000 }, onQuit: 'leave-running', autoStart: false } },
    ]);
  });

  it("shows the server's field errors next to the fields they name", async () => {
    const client = new FakeClient();
    client.stub(
      'settings:set',
      fail({
        code: 'bad-settings',
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
});
