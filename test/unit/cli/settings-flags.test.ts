// `run` / `serve` settings options come from the settings table: spec, --help defaults, parsing, errors.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { defaultSettings } from '../../../common/settings';
import { SETTING_ROWS } from '../../../common/settings-table';
import { parseArgs } from '../../../main/cli/args';
import { run as runCmd } from '../../../main/cli/cmd-daemon-run';
import { overridesFromFlags, run as serveCmd } from '../../../main/cli/cmd-serve';
import {
  FLAG_ROWS,
  SETTING_FLAG_SPEC,
  settingsFromFlags,
  settingsPatchFromFlags,
} from '../../../main/cli/settings-flags';

afterEach(() => vi.restoreAllMocks());

async function help(cmd: (argv: string[]) => Promise<number>): Promise<string> {
  let out = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((t) => {
    out += String(t);
    return true;
  });
  expect(await cmd(['--help'])).toBe(0);
  return out;
}

describe('settings options', () => {
  it('exist for every table row with a flag, and only those', () => {
    expect(Object.keys(SETTING_FLAG_SPEC)).toEqual(
      SETTING_ROWS.filter((r) => r.flag).map((r) => r.flag!.name),
    );
  });

  it('--help of run and serve lists each one with its default from the table', async () => {
    for (const cmd of [runCmd, serveCmd]) {
      const text = await help(cmd);
      for (const r of FLAG_ROWS) expect(text).toContain(`--${r.flag.name} `);
      expect(text).toMatch(/--backoff-max DURATION +longest backoff delay \(default 30s\)/);
      expect(text).toMatch(/--min-uptime DURATION +minimum uptime \(default 1s\)/);
      expect(text).toMatch(/--cri off\|on +CRI plugin \(default off\)/);
      expect(text).not.toContain('immediate-if-healthy');
    }
  });

  it('take units; a bare number is the stored unit', () => {
    const s = settingsFromFlags({
      'backoff-max': '2m',
      'flap-window': '1d',
      'backoff-initial': '250',
      'min-uptime': '1.5s',
      'flap-exits': '4',
      cri: 'on',
      'hang-policy': 'report',
    });
    expect(s.restart).toMatchObject({
      backoffMaxMs: 120_000,
      flapWindowMs: 86_400_000,
      backoffInitialMs: 250,
      minUptimeMs: 1500,
      flapExits: 4,
    });
    expect(s.cri).toBe('on');
    expect(s.hangPolicy).toBe('report');
    expect(s.logRingLines).toBe(defaultSettings().logRingLines);
  });

  it('resolve relative paths from the working directory', () => {
    const s = settingsFromFlags({ root: 'r', state: '/abs/s' }, '/home/me');
    expect(s.rootDir).toBe('/home/me/r');
    expect(s.stateDir).toBe('/abs/s');
  });

  it('name the option, what it takes and what was given when a value is bad', () => {
    expect(() => settingsFromFlags({ 'liveness-failures': 'x' })).toThrow(
      '--liveness-failures must be a whole number (got x)',
    );
    expect(() => settingsFromFlags({ 'backoff-max': '0' })).toThrow(
      '--backoff-max must be at least 1ms (got 0)',
    );
    expect(() => settingsFromFlags({ 'backoff-max': 'soon' })).toThrow(
      '--backoff-max must be a duration like 500ms, 30s, 2m, 1h, 1d or 1h30m (a bare number is milliseconds) (got soon)',
    );
    expect(() => settingsFromFlags({ cri: 'maybe' })).toThrow(
      '--cri must be one of: off, on (got maybe)',
    );
    expect(() => settingsFromFlags({ 'backoff-initial': '10s', 'backoff-max': '1s' })).toThrow(
      /--backoff-max must be at least restart\.backoffInitialMs/,
    );
  });

  it('serve: only the options given become session overrides', () => {
    expect(overridesFromFlags({ 'log-level': 'debug', 'backoff-max': '5s', port: '1' })).toEqual({
      logLevel: 'debug',
      restart: { backoffMaxMs: 5000 },
    });
    expect(settingsPatchFromFlags({})).toEqual({});
  });

  it("do not collide with run's and serve's own options", () => {
    // parseArgs takes the command's spec; a settings flag must not shadow --json, --port…
    for (const own of [
      'json',
      'logs',
      'keep-running',
      'port',
      'settings',
      'control',
      'no-autostart',
      'help',
    ]) {
      expect(SETTING_FLAG_SPEC[own]).toBeUndefined();
    }
    expect(parseArgs(['--min-uptime', '2s'], SETTING_FLAG_SPEC).flags['min-uptime']).toBe('2s');
  });
});
