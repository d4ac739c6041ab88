import * as fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { connectControl } from '../../../main/control-socket/control-client';
import { createAppHost, type AppHost } from '../../../main/host/host';
import { EngineError } from '../../../main/engine/errors';
import { FakeEngine } from '../service/fake-engine';
import { startFixtureHost, writeHostsFile } from '../../helpers/fixture-hosts';

let dir: string;
const hosts: AppHost[] = [];
const quiet = { warn: () => undefined, error: () => undefined };

beforeEach(async () => {
  dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'cdesk-host-'));
});
afterEach(async () => {
  await Promise.all(hosts.splice(0).map((h) => h.dispose({ leaveRunning: false })));
  await fsp.rm(dir, { recursive: true, force: true });
});

async function host(controlSocket: string | null = path.join(dir, 'c.sock')): Promise<AppHost> {
  const h = await createAppHost({
    mode: 'headless',
    settingsFile: path.join(dir, 'settings.json'),
    controlSocket,
    overrides: {
      rootDir: path.join(dir, 'root'),
      stateDir: path.join(dir, 'state'),
      containerdPath: path.join(dir, 'no-containerd'),
    },
    log: quiet,
  });
  hosts.push(h);
  return h;
}

describe('createAppHost (real Supervisor)', () => {
  it('wires settings, engine, service and the control socket', async () => {
    const h = await host();
    expect(h.info()).toMatchObject({
      mode: 'headless',
      controlSocket: path.join(dir, 'c.sock'),
      settingsFile: path.join(dir, 'settings.json'),
      logsDir: path.join(dir, 'state'),
    });
    expect(h.info().appVersion).toMatch(/^\d+\.\d+\.\d+/);
    const c = await connectControl(path.join(dir, 'c.sock'));
    const r = await c.invoke('daemon:status', {});
    expect(r).toMatchObject({
      ok: true,
      value: { state: 'stopped', paths: { root: expect.stringContaining(path.join(dir, 'root')) } },
    });
    c.close();
  });

  it('reports a missing containerd binary as failed with a hint', async () => {
    const h = await host();
    const r = await h.service.handle('daemon:start', {});
    expect(r).toMatchObject({
      ok: true,
      value: { state: 'failed', code: 'binary-missing', hint: expect.stringMatching(/containerd/) },
    });
  });

  it('runs without a control socket when asked', async () => {
    const h = await host(null);
    expect(h.control).toBeNull();
    expect(h.info().controlSocket).toBeNull();
  });

  it('refuses to start a second host on the same control socket', async () => {
    await host();
    await expect(host()).rejects.toMatchObject({ code: 'control-in-use' });
  });

  it('removes the control socket on dispose', async () => {
    const h = await host();
    await h.dispose({ leaveRunning: false });
    await expect(fsp.stat(path.join(dir, 'c.sock'))).rejects.toThrow();
  });

  it('keeps a bad settings file, reporting it as a warning', async () => {
    await fsp.writeFile(path.join(dir, 'settings.json'), '[1,2');
    const h = await host();
    expect(h.warnings[0]).toContain(path.join(dir, 'settings.json'));
    expect(await fsp.readFile(path.join(dir, 'settings.json'), 'utf8')).toBe('[1,2');
  });

  it('with claimStateDir, a state dir another supervisor owns fails with its error and publishes nothing', async () => {
    const engine = new FakeEngine();
    engine.onClaim = async () => {
      throw new EngineError(
        'busy',
        'another Containerd Desktop (pid 1) already supervises this state directory',
        'use it',
      );
    };
    const sock = path.join(dir, 'other.sock');
    await expect(
      createAppHost({
        mode: 'headless',
        settingsFile: path.join(dir, 'settings.json'),
        controlSocket: sock,
        claimStateDir: true,
        createEngine: () => engine,
        log: quiet,
      }),
    ).rejects.toMatchObject({ code: 'busy' });
    await expect(fsp.stat(sock)).rejects.toThrow();
    // Claimed first; then left alone (never stopped, nothing published).
    expect(engine.calls).toEqual(['claim', 'shutdown true']);
  });
});

describe('createAppHost with saved hosts', () => {
  it('lists them from the first hosts:list, reaches them, and closes their links on dispose', async () => {
    const far = await startFixtureHost(dir, 'far');
    const file = path.join(dir, 'cfg', 'hosts.json');
    await writeHostsFile(file, ['far']);
    let open = 0;
    const h = await createAppHost({
      mode: 'headless',
      settingsFile: path.join(dir, 'settings.json'),
      controlSocket: null,
      createEngine: () => new FakeEngine(),
      hostsFile: file,
      connectHost: async () => {
        const c = await connectControl(far.sock);
        open++;
        c.onClose(() => open--);
        return c;
      },
      log: quiet,
    });
    try {
      const first = await h.service.invoke('hosts:list', {});
      expect(first.ok && first.value.hosts.map((x) => x.name)).toEqual(['local', 'far']);
      const until = Date.now() + 5000;
      while (Date.now() < until) {
        const r = await h.service.invoke('hosts:invoke', {
          host: 'far',
          cmd: 'daemon:status',
          payload: {},
        });
        if (r.ok) break;
        await new Promise((res) => setTimeout(res, 20));
      }
      expect(
        await h.service.invoke('hosts:invoke', { host: 'far', cmd: 'daemon:status', payload: {} }),
      ).toMatchObject({ ok: true, value: { state: 'running' } });
      expect(open).toBe(1);
      // Dispose closes the link (the far side still listens: only the app can have closed it).
      await h.dispose({ leaveRunning: true });
      await new Promise((res) => setTimeout(res, 50));
      expect(open).toBe(0);
    } finally {
      await h.dispose({ leaveRunning: true });
      await far.dispose();
    }
  });
});
