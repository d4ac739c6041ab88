// Launching containerd: binary, state-dir lock, directories, config, spawn and pidfile (adoption:
// adopt.ts, kept apart so the head start does not load the health client before the spawn).
import { lstat, readFile, unlink } from '../shared/fs-async';
import { join } from 'node:path';
import type { Settings } from '../../common/settings';
import { resolveContainerdBinary } from './binary';
import { ensureDirs, renderConfigFor } from './config';
import { spawnDaemon, type DaemonHandle } from './daemon-process';
import { EngineError } from './errors';
import { checkSocketPath, type Layout } from './paths';
import { socketAnswers } from '../shared/socket-probe';
import { removePidfile, writePidfile } from './pidfile';
import { acquireSupervisorLock } from './supervisor-lock';
import { writeFileAtomic } from '../shared/write-file-atomic';

/**
 * Everything a launch needs from disk, with what it already did remembered: directories are
 * created once per layout, the config is built once per spawn and written only when it changed,
 * and the state-dir lock is taken once and held until release().
 */
export class Launcher {
  private lock: { stateDir: string; release: () => Promise<void> } | null = null;
  private dirsReady: string | null = null;
  private written: { path: string; toml: string } | null = null;
  /** What the last prepare() found, reused while the settings object is the same one. */
  private prepared: { settings: Settings; binary: string } | null = null;

  constructor(private readonly opts: { appDir: string; env: NodeJS.ProcessEnv }) {}

  /** Whether this process holds the lock of `stateDir` (only then may it touch its files). */
  owns(stateDir: string): boolean {
    return this.lock?.stateDir === stateDir;
  }

  /** Take the state-dir lock (idempotent); throws EngineError 'busy' naming the other owner. */
  async claim(layout: Layout): Promise<void> {
    if (this.owns(layout.stateDir)) return;
    checkSocketPath(layout.socket);
    checkSocketPath(layout.debugSocket);
    await this.ensureDirs(layout);
    // Settings moved the state dir: the old one is no longer ours to guard.
    await this.release();
    const release = await acquireSupervisorLock(join(layout.stateDir, 'supervisor.lock'));
    this.lock = { stateDir: layout.stateDir, release };
  }

  async release(): Promise<void> {
    const l = this.lock;
    this.lock = null;
    await l?.release();
  }

  /** Binary, lock, directories and config: what every spawn or adoption needs. */
  async prepare(layout: Layout, s: Settings): Promise<{ binary: string; configFile: string }> {
    const p = this.prepared;
    const w = this.written;
    if (p?.settings === s && w?.path === layout.configFile && this.owns(layout.stateDir)) {
      // A respawn with unchanged settings: only check that the config on disk is still ours.
      const onDisk = await readFile(w.path, 'utf8').catch(() => null);
      if (onDisk === w.toml) return { binary: p.binary, configFile: w.path };
    }
    this.prepared = null;
    // Finding the binary and rendering the config only read, so they run while the lock is
    // taken (issue 8; measured 1-2 ms less before a spawn). The lock still comes before any
    // write: another supervisor's files must stay untouched. A failing claim is reported first.
    const found = resolveContainerdBinary({
      setting: s.containerdPath,
      pathEnv: this.opts.env.PATH,
      appDir: this.opts.appDir,
    });
    const rendered = renderConfigFor(layout, s);
    found.catch(() => undefined);
    rendered.catch(() => undefined);
    await this.claim(layout);
    await this.ensureDirs(layout);
    const binary = await found;
    const configFile = await this.writeConfig(layout, await rendered);
    this.prepared = { settings: s, binary };
    return { binary, configFile };
  }

  /** Spawn containerd on a free socket (a leftover socket nobody answers on is removed). */
  async spawn(layout: Layout, binary: string, configFile: string): Promise<DaemonHandle> {
    // No socket file (the usual first launch): nothing to probe, and no connect before the spawn.
    const present = await lstat(layout.socket).then(
      () => true,
      () => false,
    );
    if (present && (await socketAnswers(layout.socket, 1000, true))) {
      throw new EngineError(
        'config-invalid',
        `another process is already serving on ${layout.socket}`,
        'stop the other containerd using this state directory, or choose another state directory',
      );
    }
    if (present) await unlink(layout.socket).catch(() => undefined);
    return spawnDaemon({ binary, configFile, logFile: layout.logFile, env: this.opts.env });
  }

  /** Record the daemon's identity (the caller kills the daemon if this throws). */
  async recordPid(layout: Layout, d: DaemonHandle): Promise<void> {
    try {
      await writePidfile(layout.pidFile, d.identity);
    } catch (err) {
      throw new EngineError(
        'pidfile-write',
        `could not write the pidfile ${layout.pidFile}: ${(err as Error).message}`,
        'check that the state directory is writable and has free space, then press Start',
      );
    }
  }

  /** After the daemon is gone: its pidfile and socket, only if this process owns the state dir. */
  async removeFiles(layout: Layout, opts: { socket: boolean }): Promise<void> {
    if (!this.owns(layout.stateDir)) return;
    await removePidfile(layout.pidFile).catch(() => undefined);
    if (opts.socket && !(await socketAnswers(layout.socket, 1000, true))) {
      await unlink(layout.socket).catch(() => undefined);
    }
  }

  private async ensureDirs(layout: Layout): Promise<void> {
    const key = `${layout.rootDir}\0${layout.stateDir}`;
    if (this.dirsReady === key) return;
    await ensureDirs(layout);
    this.dirsReady = key;
  }

  /** Write the config only when it changed (a respawn should not pay a write). */
  private async writeConfig(layout: Layout, toml: string): Promise<string> {
    const w = this.written;
    if (w && w.path === layout.configFile && w.toml === toml) {
      const onDisk = await readFile(w.path, 'utf8').catch(() => null);
      if (onDisk === toml) return w.path;
    }
    // Rebuilt on every launch: no fsync before the spawn (readers still never see half a file).
    await writeFileAtomic(layout.configFile, toml, 0o600, { durable: false });
    this.written = { path: layout.configFile, toml };
    return layout.configFile;
  }
}
