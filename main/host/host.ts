// Composes one app instance (settings, engine, service, control socket) for the Electron shell and headless mode.
import path from 'node:path';
import type { AppInfo } from '../../common/contract';
import type { Settings, SettingsPatch } from '../../common/settings';
import { Supervisor } from '../engine/supervisor';
import type { Engine } from '../engine/types';
import { defaultControlPath } from '../control-socket/control-paths';
import { startControlServer, type ControlServer } from '../control-socket/control-server';
import { createInside, type Inside } from '../containerd/index';
import { createService, type Service } from '../service/service';
import type { SshTarget } from '../../common/hosts';
import type { ControlClient } from '../control-socket/control-client';
import { createHostConnector } from '../hosts/connect-host';
import { createHostHub, type HostHub } from '../hosts/host-hub';
import { createSettingsStore, type SettingsStore } from '../service/settings-store';
import { version as packageVersion } from '../../package.json';

export interface AppHostOptions {
  mode: 'electron' | 'headless';
  settingsFile?: string;
  /** Control socket path; undefined = the default path, null = no control socket. */
  controlSocket?: string | null;
  /** Session-only settings from CLI flags (--root, --state, --backoff-max…); never saved. */
  overrides?: SettingsPatch;
  appDir?: string;
  appVersion?: string;
  /** Where warnings (a bad settings file) and unexpected errors go; defaults to console. */
  log?: {
    warn(msg: string): void;
    error(msg: string, err: unknown): void;
    info?(msg: string): void;
  };
  /**
   * Take the state dir's supervisor lock before anything is published (control socket, token):
   * a second supervisor on the same state dir then fails cleanly and touches nothing (`cdesk serve`).
   */
  claimStateDir?: boolean;
  /**
   * The saved hosts (hosts.json, as `cdesk host add` writes it): the app keeps a link to each and
   * lists them in hosts:list. Undefined = none (only this machine).
   */
  hostsFile?: string;
  /** How to reach a saved host; default ssh (createHostConnector). Tests pass fixture sockets. */
  connectHost?: (t: SshTarget) => Promise<ControlClient>;
  /** Only for tests: build the engine from the loaded settings instead of the Supervisor. */
  createEngine?: (settings: Settings) => Engine;
}

export interface AppHost {
  engine: Engine;
  settings: SettingsStore;
  service: Service;
  /** The saved hosts' links, when hostsFile was given. */
  hosts: HostHub | null;
  /** What runs inside containerd (its API client); e.g. the quit notice about running containers. */
  inside: Inside;
  control: ControlServer | null;
  /** Problems found while loading (e.g. an invalid settings file); already logged. */
  warnings: string[];
  info(): AppInfo;
  /** Close the control socket, then shut the engine down (stop containerd unless leaveRunning). */
  dispose(opts: { leaveRunning: boolean }): Promise<void>;
}

export async function createAppHost(opts: AppHostOptions): Promise<AppHost> {
  const log = opts.log ?? {
    warn: (m: string) => console.warn(m),
    error: (m: string, e: unknown) => console.error(m, e),
  };
  const settings = createSettingsStore({ file: opts.settingsFile, overrides: opts.overrides });
  const { warnings } = await settings.load();
  for (const w of warnings) log.warn(w);
  const engine =
    opts.createEngine?.(settings.get()) ??
    new Supervisor({ settings: settings.get(), appDir: opts.appDir });
  const controlPath = opts.controlSocket === undefined ? defaultControlPath() : opts.controlSocket;
  const info = (): AppInfo => ({
    appVersion: opts.appVersion ?? packageVersion,
    controlSocket: controlPath,
    logsDir: path.dirname(engine.status().paths.log),
    settingsFile: settings.file,
    mode: opts.mode,
  });
  if (opts.claimStateDir) {
    try {
      await engine.claim();
    } catch (err) {
      // Another supervisor owns the state dir: leave it and its files alone.
      await engine.shutdown({ leaveRunning: true }).catch(() => undefined);
      throw err;
    }
  }
  // Reads what runs inside containerd over its API (lazily: no gRPC loading before it runs).
  const inside = createInside({ engine, settings: () => settings.get(), logError: log.error });
  const hosts =
    opts.hostsFile === undefined
      ? null
      : createHostHub({
          file: opts.hostsFile,
          connect: opts.connectHost ?? createHostConnector(),
          logError: log.error,
          logWarn: log.warn,
        });
  const service = createService({
    engine,
    settings,
    info,
    inside,
    ...(hosts ? { hosts } : {}),
    logError: log.error,
    // Every exec is recorded with its transport, container and command.
    logInfo: log.info ? (m) => log.info!(m) : (m) => console.log(m),
  });
  // The first hosts:list already has the saved hosts (connecting), not an empty list.
  await hosts?.ready;
  let control: ControlServer | null = null;
  if (controlPath !== null) {
    try {
      control = await startControlServer({ path: controlPath, service, logError: log.error });
    } catch (err) {
      // Nothing was started yet; leave any adoptable daemon alone.
      service.dispose();
      hosts?.dispose();
      inside.dispose();
      await engine.shutdown({ leaveRunning: true });
      throw err;
    }
  }
  let disposed: Promise<void> | null = null;
  return {
    engine,
    settings,
    service,
    hosts,
    inside,
    control,
    warnings,
    info,
    dispose(o) {
      disposed ??= (async () => {
        await control?.close();
        // The links first: nothing should reconnect while the engine shuts down.
        hosts?.dispose();
        try {
          await engine.shutdown(o);
        } finally {
          service.dispose();
          inside.dispose();
        }
      })();
      return disposed;
    },
  };
}
