// The tray's pull lines: tracked from progress events, labelled with the percent, gone when done.
import { describe, expect, it } from 'vitest';
import type { PullProgress } from '../../../common/containerd';
import {
  pullLabel,
  trackPull,
  TRAY_MAX_PULLS,
  trayMenuTemplate,
  trayTooltip,
  type TrayPull,
} from '../../../main/electron/tray-menu';
import { statusOf } from './status-fixture';

const NOW = 1_700_000_000_000;

function progress(over: Partial<PullProgress> = {}): PullProgress {
  return {
    pullId: 'p1',
    namespace: 'default',
    ref: 'docker.io/library/alpine:3.20',
    phase: 'downloading',
    layers: [],
    current: 42,
    total: 100,
    bytesPerSecond: 10,
    ...over,
  };
}

describe('tray pulls', () => {
  it('a running pull reads "Pulling alpine:3.20 — 42%" under the state line and opens the window', () => {
    const pulls = [...trackPull(new Map(), progress()).values()];
    const items = trayMenuTemplate(statusOf('running'), false, NOW, pulls);
    const i = items.findIndex((x) => x.type === 'normal' && x.id === 'pull-p1');
    expect(i).toBe(1);
    expect(items[i]).toEqual({
      type: 'normal',
      id: 'pull-p1',
      label: 'Pulling alpine:3.20 — 42%',
      enabled: true,
      action: 'open-window',
    });
    expect(trayTooltip(statusOf('running'), NOW, pulls)).toContain('Pulling alpine:3.20 — 42%');
  });

  it('says resolving before the size is known and extracting while it unpacks', () => {
    const base: TrayPull = {
      pullId: 'x',
      ref: '127.0.0.1:5000/a/b:1',
      percent: null,
      phase: 'resolving',
    };
    expect(pullLabel(base)).toBe('Pulling 127.0.0.1:5000/a/b:1 — resolving');
    expect(pullLabel({ ...base, percent: 100, phase: 'unpacking' })).toBe(
      'Pulling 127.0.0.1:5000/a/b:1 — extracting',
    );
  });

  it.each(['done', 'failed', 'cancelled'] as const)('a %s pull leaves the menu', (phase) => {
    let m = trackPull(new Map(), progress());
    m = trackPull(m, progress({ phase }));
    expect(m.size).toBe(0);
    const labels = trayMenuTemplate(statusOf('running'), false, NOW, [...m.values()]).map((x) =>
      x.type === 'normal' ? x.label : '-',
    );
    expect(labels.some((l) => l.startsWith('Pulling'))).toBe(false);
  });

  it('lists at most a few pulls and counts the rest', () => {
    let m: ReadonlyMap<string, TrayPull> = new Map();
    for (let i = 0; i < TRAY_MAX_PULLS + 2; i++) m = trackPull(m, progress({ pullId: `p${i}` }));
    const items = trayMenuTemplate(statusOf('running'), false, NOW, [...m.values()]);
    const pullLines = items.filter((x) => x.type === 'normal' && x.id.startsWith('pull-'));
    expect(pullLines).toHaveLength(TRAY_MAX_PULLS);
    expect(items.find((x) => x.type === 'normal' && x.id === 'pulls-more')).toMatchObject({
      label: '… and 2 more pulls',
    });
    expect(trayTooltip(statusOf('running'), NOW, [...m.values()])).toContain(
      `Pulling ${TRAY_MAX_PULLS + 2} images`,
    );
  });
});
