import { existsSync, readFileSync } from 'node:fs';
import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { DAEMON_STATES, type DaemonState } from '../../../common/states';
import { confirmFor } from '../../../common/confirm';
import {
  formatUptime,
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
      'Running',
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
  it('shows the uptime when running', () => {
    const s = statusOf('running', { pid: 123, runningSince: NOW - (2 * 60 + 5) * 60_000 });
    expect(stateLine(s, NOW)).toBe('Running · up 2h 5m');
  });

  it('counts the retry down from the transition, as the window does', () => {
    expect(stateLine(statusOf('backoff', { since: NOW - 500, retryInMs: 2000 }), NOW)).toBe(
      'Backing off · retry in 2s',
    );
  });

  it('marks an adopted daemon', () => {
    const s = statusOf('running', { pid: 9, runningSince: NOW, adopted: true });
    expect(stateLine(s, NOW)).toBe('Running · up 0s · adopted');
  });

  it('shows no stale details once stopped', () => {
    expect(stateLine(statusOf('stopped', { pid: 123, adopted: true }), NOW)).toBe('Stopped');
  });

  it('tells starting and stopping apart', () => {
    expect(stateLine(statusOf('starting'), NOW)).toBe('Starting');
    expect(stateLine(statusOf('stopping'), NOW)).toBe('Stopping');
  });
});

describe('problems and containers lines', () => {
  const problem = { id: 'p', severity: 'warning' as const, message: 'm', hint: 'h' };

  it('adds "N problems…" and "Containers: N running" under the state line, opening the window', () => {
    const s = statusOf('running', {
      runningSince: NOW - 60_000,
      problems: [problem, { ...problem, id: 'q' }],
      containers: { running: 3, total: 5 },
    });
    const items = trayMenuTemplate(s, false, NOW);
    const labels = items.slice(0, 3).map((i) => (i.type === 'normal' ? i.label : '---'));
    expect(labels).toEqual(['Running · up 1m', '2 problems…', 'Containers: 3 running']);
    for (const i of items.slice(1, 3))
      expect(i).toMatchObject({ enabled: true, action: 'open-window' });
  });

  it('leaves them out when there is nothing to say', () => {
    const items = trayMenuTemplate(statusOf('stopped', { containers: null }), false, NOW);
    expect(items[1]).toEqual({ type: 'separator' });
  });
});

describe('confirmFor', () => {
  const withTasks = (n: number, state: DaemonState = 'running') =>
    statusOf(state, { containers: { running: n, total: n + 1 } });

  it('asks once before stop, restart and quit while containers run', () => {
    for (const action of ['stop', 'restart', 'quit'] as const) {
      const c = confirmFor(action, withTasks(3), 'stop');
      expect(c?.detail).toContain(
        "3 containers keep running but can't be managed until containerd is back",
      );
    }
    expect(confirmFor('stop', withTasks(1), 'stop')?.detail).toContain('1 container keeps running');
  });

  it('does not ask when no container runs, or containerd is not up', () => {
    expect(confirmFor('stop', withTasks(0), 'stop')).toBeNull();
    expect(confirmFor('stop', statusOf('running', { containers: null }), 'stop')).toBeNull();
    expect(confirmFor('quit', withTasks(2, 'stopped'), 'stop')).toBeNull();
    expect(confirmFor('quit', withTasks(2, 'failed'), 'stop')).toBeNull();
  });

  it('does not ask on quit when quitting leaves containerd running', () => {
    expect(confirmFor('quit', withTasks(2), 'leave-running')).toBeNull();
  });

  it('never asks for harmless actions', () => {
    for (const action of ['start', 'open-window', 'open-logs'] as const)
      expect(confirmFor(action, withTasks(4), 'stop')).toBeNull();
  });
});

describe('formatUptime', () => {
  it.each([
    [0, '0s'],
    [59_999, '59s'],
    [60_000, '1m'],
    [4 * 60_000 + 10_500, '4m 10s'],
    [3_600_000 + 5 * 60_000 + 59_000, '1h 5m'],
    [26 * 3_600_000, '1d 2h'],
    [-5, '0s'],
  ])('%d ms → %s', (ms, text) => {
    expect(formatUptime(ms)).toBe(text);
  });
});

describe('trayTooltip', () => {
  it('names the app and the state with uptime', () => {
    const s = statusOf('running', { pid: 7, runningSince: NOW - 2 * 3_600_000 });
    expect(trayTooltip(s, NOW)).toBe('Containerd Desktop\ncontainerd: Running · up 2h');
  });

  it('adds the reason when the daemon needs attention', () => {
    const s = statusOf('failed', { reason: 'containerd not found on PATH' });
    expect(trayTooltip(s, NOW)).toBe(
      'Containerd Desktop\ncontainerd: Failed\ncontainerd not found on PATH',
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

/** The alpha channel of one of our PNGs (8-bit RGBA, filter 0 rows, as make-tray-icons.mjs writes them). */
function alphaMask(file: URL): string {
  const png = readFileSync(file);
  const width = png.readUInt32BE(16);
  const chunks: Buffer[] = [];
  for (let i = 8; i < png.length;) {
    const len = png.readUInt32BE(i);
    if (png.toString('ascii', i + 4, i + 8) === 'IDAT')
      chunks.push(png.subarray(i + 8, i + 8 + len));
    i += 12 + len;
  }
  const raw = inflateSync(Buffer.concat(chunks));
  let bits = '';
  for (let o = 0; o < raw.length; o += 1 + width * 4) {
    for (let x = 0; x < width; x++) bits += (raw[o + 1 + x * 4 + 3] ?? 0) > 127 ? '1' : '0';
  }
  return bits;
}

describe('tray icon shapes', () => {
  const icons = new URL('../../../build/icons/', import.meta.url);

  it.each(['', '@2x'])('differ by shape, not only colour, for every state (%s)', (suffix) => {
    const masks = DAEMON_STATES.map((s) =>
      alphaMask(new URL(trayIconFor(s).replace('.png', `${suffix}.png`), icons)),
    );
    expect(new Set(masks).size).toBe(DAEMON_STATES.length);
  });
});
