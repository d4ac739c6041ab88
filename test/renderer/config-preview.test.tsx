// ConfigPreview: the TOML read-only with its path and overrides file; errors with their hint.
import { cleanup, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigPreview } from '../../renderer/src/components/config-preview';
import { fail, FakeClient, ok } from './fake-client';
import { renderWithStore } from './render';

afterEach(cleanup);

describe('ConfigPreview', () => {
  it('shows the TOML, where it is written and the overrides file', async () => {
    const client = new FakeClient().stub(
      'config:preview',
      ok({
        toml: 'version = 2\nroot = "/r"\n',
        path: '/s/config.toml',
        overridesFile: '/c/overrides.toml',
      }),
    );
    await renderWithStore(<ConfigPreview />, client);
    expect(screen.getByTestId('config-toml').textContent).toBe('version = 2\nroot = "/r"\n');
    expect(screen.getByTestId('config-toml').tagName).toBe('PRE');
    expect(screen.getByTestId('config-path').textContent).toBe('/s/config.toml');
    expect(screen.getByTestId('config-overrides').textContent).toBe('/c/overrides.toml');
  });

  it('shows the error and its hint', async () => {
    const client = new FakeClient().stub(
      'config:preview',
      fail({
        code: 'overrides-invalid',
        message: 'overrides.toml: bad TOML at line 3',
        hint: 'fix the file',
      }),
    );
    await renderWithStore(<ConfigPreview />, client);
    expect(screen.getByTestId('config-error').textContent).toContain('fix the file');
  });
});
