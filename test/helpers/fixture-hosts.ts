// Stand-in remote hosts: each a real control server (the real protocol over a unix socket) serving
// the real service over a FakeEngine, so a hub's links, samples, commands and events are the real ones.
import * as fsp from 'node:fs/promises';
import path from 'node:path';
import type { SshTarget } from '../../common/hosts';
import { connectControl, type ControlClient } from '../../main/control-socket/control-client';
import { startControlServer, type ControlServer } from '../../main/control-socket/control-server';
import type { InsideProvider } from '../../main/containerd/provider';
import { createService, type HostsProvider, type Service } from '../../main/service/service';
import { createSettingsStore } from '../../main/service/settings-store';
import { FakeEngine, status } from '../unit/service/fake-engine';
import { headlessInfo } from './cli-io';

export interface FixtureHost {
  name: string;
  sock: string;
  engine: FakeEngine;
  service: Service;
  /** Stop answering: clients are dropped and new connections refused. */
  stop(): Promise<void>;
  /** Listen again on the same socket. */
  start(): Promise<void>;
  dispose(): Promise<void>;
}

/** containerd's version the fixtures report. */
export const FIXTURE_VERSION = '1.7.99-fixture';

export async function startFixtureHost(
  dir: string,
  name: string,
  opts: { hosts?: HostsProvider; inside?: InsideProvider } = {},
): Promise<FixtureHost> {
  const engine = new FakeEngine();
  engine.current = status('running', {
    version: { version: FIXTURE_VERSION, revision: 'abc' },
  });
  const service = createService({
    engine,
    settings: createSettingsStore({ file: path.join(dir, `${name}-settings.json`) }),
    info: headlessInfo,
    ...(opts.hosts ? { hosts: opts.hosts } : {}),
    ...(opts.inside ? { inside: opts.inside } : {}),
    logInfo: () => undefined,
  });
  const sock = path.join(dir, 'run', `${name}.sock`);
  await fsp.mkdir(path.dirname(sock), { recursive: true, mode: 0o700 });
  let server: ControlServer | null = null;
  const h: FixtureHost = {
    name,
    sock,
    engine,
    service,
    async stop() {
      await server?.close();
      server = null;
    },
    async start() {
      server ??= await startControlServer({ path: sock, service });
    },
    async dispose() {
      await h.stop();
      service.dispose();
    },
  };
  await h.start();
  return h;
}

/** A hub's `connect` that reaches each fixture by the saved name (the URL is never dialled). */
export function connectFixtures(
  hosts: Map<string, FixtureHost>,
): (t: SshTarget) => Promise<ControlClient> {
  return async (t) => {
    const h = hosts.get(t.label);
    if (!h) throw new Error(`no fixture named ${t.label}`);
    return connectControl(h.sock);
  };
}

/** hosts.json naming these hosts (URLs are never dialled by connectFixtures). */
export async function writeHostsFile(file: string, names: string[]): Promise<void> {
  await fsp.mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp`;
  await fsp.writeFile(
    tmp,
    JSON.stringify({
      version: 1,
      hosts: names.map((n) => ({ name: n, url: `ssh://me@${n}.example` })),
    }),
  );
  // A rename, as `cdesk host add` writes it.
  await fsp.rename(tmp, file);
}
