// The tray's hosts: a submenu with each host's state (Unknown with when it was last seen), each
// opening the window on that host.
import { describe, expect, it } from 'vitest';
import {
  hostLine,
  hostRoute,
  TRAY_MAX_HOSTS,
  trayMenuTemplate,
  type MenuItemSpec,
  type TrayHost,
} from '../../../main/electron/tray-menu';
import { statusOf } from './status-fixture';

const NOW = 1_700_000_000_000;
const local: TrayHost = { name: 'local', phase: 'up', state: 'running', lastSeen: NOW };

function hostsMenu(items: MenuItemSpec[]) {
  const m = items.find((i) => i.type === 'submenu' && i.id === 'hosts');
  return m && m.type === 'submenu' ? m : null;
}

describe('tray hosts', () => {
  it('says each host state: containerd state while up, Unknown with the last answer when not', () => {
    expect(hostLine(local, NOW)).toBe('local — Running');
    expect(
      hostLine({ name: 'far', phase: 'down', state: 'unknown', lastSeen: NOW - 125_000 }, NOW),
    ).toBe('far — Unknown (last seen 2m ago)');
    expect(
      hostLine({ name: 'new', phase: 'connecting', state: 'unknown', lastSeen: null }, NOW),
    ).toBe('new — Unknown (connecting)');
    expect(hostLine({ name: 'bad', phase: 'down', state: 'unknown', lastSeen: null }, NOW)).toBe(
      'bad — Unknown (not reached yet)',
    );
    expect(hostLine({ name: 'b', phase: 'up', state: 'backoff', lastSeen: NOW }, NOW)).toBe(
      'b — Backing off',
    );
  });

  it('lists the hosts in a submenu, each opening the window on it, only when hosts are saved', () => {
    const far: TrayHost = { name: 'far', phase: 'down', state: 'unknown', lastSeen: NOW - 5000 };
    expect(hostsMenu(trayMenuTemplate(statusOf('running'), false, NOW, [], [local]))).toBeNull();
    const menu = hostsMenu(trayMenuTemplate(statusOf('running'), false, NOW, [], [local, far]));
    expect(menu?.label).toBe('Hosts');
    expect(menu?.items).toEqual([
      {
        type: 'normal',
        id: 'host-local',
        label: 'local — Running',
        enabled: true,
        action: 'open-host',
        host: 'local',
      },
      {
        type: 'normal',
        id: 'host-far',
        label: 'far — Unknown (last seen 5s ago)',
        enabled: true,
        action: 'open-host',
        host: 'far',
      },
    ]);
  });

  it('caps the list and counts the rest, which open the overview', () => {
    const many: TrayHost[] = [local];
    for (let i = 0; i < 30; i++)
      many.push({ name: `h${i}`, phase: 'up', state: 'running', lastSeen: NOW });
    const items = hostsMenu(trayMenuTemplate(statusOf('running'), false, NOW, [], many))!.items;
    expect(items).toHaveLength(TRAY_MAX_HOSTS + 1);
    expect(items.at(-1)).toEqual({
      type: 'normal',
      id: 'hosts-more',
      label: `… and ${31 - TRAY_MAX_HOSTS} more hosts`,
      enabled: true,
      action: 'open-host',
    });
  });

  it('routes a host to its pages, this machine to the status page, none to the overview', () => {
    expect(hostRoute('far')).toBe('#/@far');
    expect(hostRoute('a+b')).toBe('#/@a%2Bb');
    expect(hostRoute('local')).toBe('#/');
    expect(hostRoute()).toBe('#/overview');
  });
});
