import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DAEMON_STATES, type DaemonState } from '../../../common/states';
import {
  formatDuration,
  stateLine,
  trayIconFor,
  trayMenuTemplate,
  trayTooltip,
  type MenuItemSpec,
} from '../../../main/electron/tray-menu';
import { statusOf } from './status-fixture';

const NOW = 1_700_000_000_000;

function enabled(items: MenuItemSpec[]): Record<string, boolean> {
  const out: Record<string, boolean> = {};
  for (const i of items) if (i.type === 'normal') out[i.id] = i.enabled;
  return out;
}

describe('trayMenuTemplate', () => {
  const expected: Record<DaemonState, { start: boolean; stop: boolean; restart: boolean }> = {
    stopped: { start: true, stop: false, restart: false },
    starting: { start: false, stop: true, restart: false },
    running: { start: false, stop: true, restart: true },
    unhealthy: { start: false, stop: true, restart: true },
    backoff: { start: false, stop: true, restart: true },
    stopping: { start: false, stop: false, restart: false },
    failed: { start: true, stop: false, restart: false },
  };

  it.each(DAEMON_STATES)('enables the right daemon actions when %s', (state) => {
    const e = enabled(trayMenuTemplate(statusOf(state), false, NOW));
    expect({ start: e.start, stop: e.stop, restart: e.restart }).toEqual(expected[state]);
  });

  it.each(DAEMON_STATES)(
    'keeps window, logs and quit enabled and the state line disabled when %s',
    (state) => {
      const e = enabled(trayMenuTemplate(statusOf(state), false, NOW));
      expect(e).toMatchObject({ state: false, 'open-window': true, 'open-logs': true, quit: true });
    },
  );

  it('disables start, stop and restart while a command is in flight', () => {
    const e = enabled(trayMenuTemplate(statusOf('running'), true, NOW));
    expect(e).toMatchObject({ start: false, stop: false, restart: false, quit: true });
  });

  it('has the menu in the documented order, with actions on every clickable item', () => {
    const items = trayMenuTemplate(statusOf('running'), false, NOW);
    expect(items.map((i) => (i.type === 'separator' ? '---' : i.label))).toEqual([
      'containerd: running',
      '---',
      'Start',
      'Stop',
      'Restart',
      '---',
      'Open window',
      'Open logs folder',
      '---',
      'Quit',
    ]);
    for (const i of items) {
      if (i.type === 'normal' && i.id !== 'state') expect(i.action).toBe(i.id);
    }
  });
});

describe('stateLine', () => {
  it('shows pid and uptime when running', () => {
    const s = statusOf('running', { pid: 123, runningSince: NOW - 5 * 60_000 });
    expect(stateLine(s, NOW)).toBe('containerd: running (pid 123, up 5m)');
  });

  it('shows the retry delay when backing off', () => {
    expect(stateLine(statusOf('backoff', { retryInMs: 2000 }), NOW)).toBe(
      'containerd: backoff (retry in 2s)',
    );
  });

  it('marks an adopted daemon', () => {
    const s = statusOf('running', { pid: 9, runningSince: NOW, adopted: true });
    expect(stateLine(s, NOW)).toBe('containerd: running (pid 9, up 0s, adopted)');
  });

  it('shows no stale pid once stopped', () => {
    expect(stateLine(statusOf('stopped', { pid: 123 }), NOW)).toBe('containerd: stopped');
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0s'],
    [59_999, '59s'],
    [60_000, '1m'],
    [3_600_000 + 5 * 60_000, '1h 5m'],
    [26 * 3_600_000, '1d 2h'],
    [-5, '0s'],
  ])('%d ms → %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});

describe('trayTooltip', () => {
  it('names the app and the state with uptime', () => {
    const s = statusOf('running', { pid: 7, runningSince: NOW - 2 * 3_600_000 });
    expect(trayTooltip(s, NOW)).toBe('Containerd Desktop\ncontainerd: running (pid 7, up 2h 0m)');
  });

  it('adds the reason when the daemon needs attention', () => {
    const s = statusOf('failed', { reason: 'containerd not found on PATH' });
    expect(trayTooltip(s, NOW)).toBe(
      'Containerd Desktop\ncontainerd: failed\ncontainerd not found on PATH',
    );
  });
});

describe('trayIconFor', () => {
  const icons = new URL('../../../build/icons/', import.meta.url);

  it.each(DAEMON_STATES)(
    'names an icon that exists in build/icons for %s (1x and @2x)',
    (state) => {
      const name = trayIconFor(state);
      expect(existsSync(new URL(name, icons))).toBe(true);
      expect(existsSync(new URL(name.replace('.png', '@2x.png'), icons))).toBe(true);
    },
  );
});
