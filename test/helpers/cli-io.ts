// CLI command tests: an in-memory CliIo that captures output, and a real service behind a real
// control socket in a fresh temp dir.
import * as fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { AppInfo } from '../../common/contract';
import type { CliIo } from '../../main/cli/common';
import { startControlServer, type ControlServer } from '../../main/control-socket/control-server';
import { createService, type Service, type ServiceOptions } from '../../main/service/service';
import { createSettingsStore, type SettingsStore } from '../../main/service/settings-store';

/** A CliIo whose out/err land in stdout/stderr; abort() fires its signal. */
export interface CapturedIo extends CliIo {
  stdout: string;
  stderr: string;
  abort(): void;
}

export function captureIo(): CapturedIo {
  const ac = new AbortController();
  const c: CapturedIo = {
    stdout: '',
    stderr: '',
    out: (t) => void (c.stdout += t),
    err: (t) => void (c.stderr += t),
    env: {},
    signal: ac.signal,
    abort: () => ac.abort(),
  };
  return c;
}

/** The AppInfo of a headless instance with nothing on disk. */
export const headlessInfo = (): AppInfo => ({
  appVersion: 't',
  controlSocket: null,
  logsDir: '/',
  settingsFile: '/s',
  mode: 'headless',
});

export interface ControlHarness {
  dir: string;
  /** The control socket path (`<dir>/control.sock`). */
  sock: string;
  /** The settings file (`<dir>/settings.json`). */
  settingsFile: string;
  store: SettingsStore;
  service: Service;
  server: ControlServer;
  /** Close the server, dispose the service, remove the dir. */
  close(): Promise<void>;
}

/** A temp dir, a settings store in it, a service over `engine` and a control server on `<dir>/control.sock`. */
export async function startControlHarness(opts: {
  prefix: string;
  engine: ServiceOptions['engine'];
  inside?: ServiceOptions['inside'];
  logInfo?: ServiceOptions['logInfo'];
}): Promise<ControlHarness> {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), opts.prefix));
  const sock = path.join(dir, 'control.sock');
  const settingsFile = path.join(dir, 'settings.json');
  const store = createSettingsStore({ file: settingsFile });
  const service = createService({
    engine: opts.engine,
    settings: store,
    info: headlessInfo,
    ...(opts.inside ? { inside: opts.inside } : {}),
    ...(opts.logInfo ? { logInfo: opts.logInfo } : {}),
  });
  const server = await startControlServer({ path: sock, service });
  return {
    dir,
    sock,
    settingsFile,
    store,
    service,
    server,
    close: async () => {
      await server.close();
      service.dispose();
      await fsp.rm(dir, { recursive: true, force: true });
    },
  };
}
