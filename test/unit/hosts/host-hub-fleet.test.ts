// A fleet of 50 hosts (50 fixture control servers speaking the real protocol) behind one hub and
// the real service: all up in hosts:list, one host's change reaches hosts:changed, and dispose
// leaves no timer or socket behind.
import * as fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnyEvent } from '../../../common/contract';
import type { HostView } from '../../../common/hosts';
import { createHostHub } from '../../../main/hosts/host-hub';
import { createService } from '../../../main/service/service';
import { createSettingsStore } from '../../../main/service/settings-store';
import { headlessInfo } from '../../helpers/cli-io';
import {
  connectFixtures,
  startFixtureHost,
  writeHostsFile,
  type FixtureHost,
} from '../../helpers/fixture-hosts';
import { FakeEngine } from '../service/fake-engine';

const FLEET = 50;
let dir: string;
const fixtures = new Map<string, FixtureHost>();

beforeAll(async () => {
  dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'cdesk-fleet-'));
  for (let i = 0; i < FLEET; i++) {
    const name = `h${String(i).padStart(2, '0')}`;
    fixtures.set(name, await startFixtureHost(dir, name));
  }
});
afterAll(async () => {
  await Promise.all([...fixtures.values()].map((f) => f.dispose()));
  await fsp.rm(dir, { recursive: true, force: true });
});

/** Handles the hub may hold: timers and the client ends of its sockets. */
function handles(): { timers: number; sockets: number } {
  const info = process.getActiveResourcesInfo();
  return {
    timers: info.filter((t) => t === 'Timeout').length,
    sockets: info.filter((t) => t === 'PipeWrap').length,
  };
}

describe('a fleet of 50 hosts', () => {
  it('all 50 up in hosts:list within seconds; a change on one reaches hosts:changed; dispose cleans up', async () => {
    const file = path.join(dir, 'cfg', 'hosts.json');
    await writeHostsFile(file, [...fixtures.keys()]);
    const before = handles();
    const hub = createHostHub({
      file,
      connect: connectFixtures(fixtures),
      logError: () => undefined,
    });
    const service = createService({
      engine: new FakeEngine(),
      settings: createSettingsStore({ file: path.join(dir, 'local-settings.json') }),
      info: headlessInfo,
      hosts: hub,
    });
    const events: AnyEvent[] = [];
    service.subscribe((e) => events.push(e));
    const list = async (): Promise<HostView[]> => {
      const r = await service.invoke('hosts:list', {});
      if (!r.ok) throw new Error(r.error.message);
      return r.value.hosts;
    };
    try {
      const t0 = Date.now();
      for (;;) {
        const rows = await list();
        if (rows.filter((h) => h.state === 'running').length === FLEET) break;
        if (Date.now() - t0 > 5000)
          throw new Error(`after 5 s: ${rows.filter((h) => h.state === 'running').length} up`);
        await new Promise((r) => setTimeout(r, 20));
      }
      const rows = await list();
      expect(rows).toHaveLength(FLEET + 1);
      expect(rows[0]!.name).toBe('local');
      expect(rows.slice(1).map((h) => h.name)).toEqual([...fixtures.keys()]);
      // What dispose must release: a socket and a sampling timer per link (at least).
      expect(handles().sockets).toBeGreaterThanOrEqual(before.sockets + FLEET);
      // (Timers of the test's own that were pending before may have fired since: count the links'.)
      expect(handles().timers).toBeGreaterThanOrEqual(FLEET);

      // One remote's containerd stops: its row changes, and only its row.
      await new Promise((r) => setTimeout(r, 200));
      const from = events.length;
      fixtures.get('h17')!.engine.transition('stopped');
      const t1 = Date.now();
      const seen = () =>
        events
          .slice(from)
          .some(
            (e) =>
              e.event === 'hosts:changed' &&
              e.payload.host.name === 'h17' &&
              e.payload.host.state === 'stopped',
          );
      while (!seen()) {
        if (Date.now() - t1 > 2000) throw new Error('no hosts:changed for h17 within 2 s');
        await new Promise((r) => setTimeout(r, 10));
      }
      const changed = events
        .slice(from)
        .flatMap((e) => (e.event === 'hosts:changed' ? [e.payload.host.name] : []));
      expect(new Set(changed)).toEqual(new Set(['h17']));
      // The remote's own event came along as host:event.
      expect(
        events
          .slice(from)
          .some(
            (e) =>
              e.event === 'host:event' &&
              e.payload.host === 'h17' &&
              e.payload.event === 'daemon:state',
          ),
      ).toBe(true);
    } finally {
      service.dispose();
      hub.dispose();
    }
    // Every link's socket closes and every timer is cleared (the servers' ends close with them).
    const t2 = Date.now();
    while (Date.now() - t2 < 3000) {
      const now = handles();
      if (now.timers <= before.timers && now.sockets <= before.sockets) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(handles().timers).toBeLessThanOrEqual(before.timers);
    expect(handles().sockets).toBeLessThanOrEqual(before.sockets);
  }, 20_000);
});
