// Launching containerd: binary, state-dir lock, directories, config, spawn and pidfile (adoption:
// adopt.ts, kept apart so the head start does not load the health client before the spawn).
import { lstat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Settings } from '../../common/settings';
import { resolveContainerdBinary } from './binary';
import { ensureDirs, writeConfigFile } from './config';
import { spawnDaemon, type DaemonHandle } from './daemon-process';
import { EngineError } from './errors';
import { checkSocketPath, type Layout } from './paths';
import { socketAnswers } from '../shared/socket-probe';
import { removePidfile, writePidfile } from './pidfile';
import { acquireSupervisorLock } from './supervisor-lock';

/** Everything a launch needs from disk; the state-dir lock is taken once and held until release(). */
export class Launcher {
  private lock: { stateDir: string; release: () => Promise<void> } | null = null;

  constructor(private readonly opts: { appDir: string; env: NodeJS.ProcessEnv }) {}

  /** Whether this process holds the lock of `stateDir` (only then may it touch its files). */
  owns(stateDir: string): boolean {
    return this.lock?.stateDir === stateDir;
  }

  /** Take the state-dir lock (idempotent); throws EngineError 'busy' naming the other owner. */
  async claim(layout: Layout): Promise<void> {
    checkSocketPath(layout.socket);
    checkSocketPath(layout.debugSocket);
    // Every time, not only the first: the directories may have been removed meanwhile.
    await ensureDirs(layout);
    if (this.owns(layout.stateDir)) return;
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
    // The lock before any write: another supervisor's files must stay untouched.
    await this.claim(layout);
    const [binary] = await Promise.all([
      resolveContainerdBinary({
        setting: s.containerdPath,
        pathEnv: this.opts.env.PATH,
        appDir: this.opts.appDir,
      }),
      writeConfigFile(layout, s),
    ]);
    return { binary, configFile: layout.configFile };
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
        'check that the state directory is writable and has free space, then start containerd again',
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
}
