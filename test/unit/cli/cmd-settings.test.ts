// `cdesk settings` against a real control socket and store: keys, typed values and errors from the table.
import * as fsp from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SETTING_ROWS } from '../../../common/settings-table';
import type { SettingsStore } from '../../../main/service/settings-store';
import { UsageError } from '../../../main/cli/args';
import { run as settingsCmd } from '../../../main/cli/cmd-settings';
import { captureIo as io, startControlHarness, type ControlHarness } from '../../helpers/cli-io';
import { FakeEngine } from '../service/fake-engine';

let h: ControlHarness;
let sock: string;
let file: string;
let store: SettingsStore;

const cmd = (args: string[], o = io()) => settingsCmd([...args, '--control', sock], o);

beforeEach(async () => {
  h = await startControlHarness({ prefix: 'cdesk-set-', engine: new FakeEngine() });
  ({ sock, settingsFile: file, store } = h);
});
afterEach(() => h.close());

describe('cdesk settings', () => {
  it('get lists every key of the table, with human units beside stored ones', async () => {
    const o = io();
    expect(await cmd(['get'], o)).toBe(0);
    for (const r of SETTING_ROWS) expect(o.stdout).toContain(`\n${r.key} = `);
    expect(o.stdout).toContain('restart.backoffMaxMs = 30000  # 30s');
    expect(o.stdout).toContain('logRingBytes = 33554432  # 32 MiB');
  });

  it('set reads units by the setting (30s, 1MiB, on) and says when it applies', async () => {
    const a = io();
    expect(await cmd(['set', 'restart.backoffMaxMs', '45s'], a)).toBe(0);
    expect(a.stdout).toBe('restart.backoffMaxMs = 45000\n');
    expect(await cmd(['set', 'logLineMaxBytes', '64KiB'])).toBe(0);
    const b = io();
    expect(await cmd(['set', 'cri', 'on'], b)).toBe(0);
    expect(b.stdout).toBe('cri = on (applies at the next containerd start)\n');
    expect(await cmd(['set', 'disabledPlugins', 'a,b'])).toBe(0);
    expect(store.get()).toMatchObject({
      restart: { backoffMaxMs: 45_000 },
      logLineMaxBytes: 64 << 10,
      cri: 'on',
      disabledPlugins: ['a', 'b'],
    });
  });

  it('a typo is a usage error naming the nearest key, and nothing is sent', async () => {
    await expect(cmd(['set', 'restart.backofMaxMs', '1'])).rejects.toThrow(
      'unknown setting "restart.backofMaxMs"; did you mean restart.backoffMaxMs?',
    );
    await expect(cmd(['get', 'loglevel'])).rejects.toThrow(/did you mean logLevel\?/);
    await expect(fsp.stat(file)).rejects.toThrow();
  });

  it('a value of the wrong type is a usage error naming the key and the form it takes', async () => {
    await expect(cmd(['set', 'restart.backoffMaxMs', 'soon'])).rejects.toThrow(UsageError);
    await expect(cmd(['set', 'restart.backoffMaxMs', 'soon'])).rejects.toThrow(
      /restart\.backoffMaxMs must be a duration like 500ms, 30s, 2m, 1h, 1d or 1h30m .*\(got soon\)/,
    );
    await expect(cmd(['set', 'autoStart', 'maybe'])).rejects.toThrow(
      /autoStart must be true or false/,
    );
    await expect(fsp.stat(file)).rejects.toThrow();
  });

  it('a value out of range exits 1 with the field, the bound in its unit and a hint', async () => {
    const o = io();
    expect(await cmd(['set', 'stopGraceMs', '5min'], o)).toBe(1);
    expect(o.stderr).toContain('stopGraceMs must be at most 2m');
    expect(o.stderr).toMatch(/hint:/);
    await expect(fsp.stat(file)).rejects.toThrow();
  });
});
