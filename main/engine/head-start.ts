// `cdesk daemon run`'s head start: containerd spawned before the rest of the engine is even loaded.
import { dirname } from 'node:path';
import { stat } from 'node:fs/promises';
import type { Settings } from '../../common/settings';
import type { DaemonHandle } from './daemon-process';
import { Launcher } from './launch';
import { readPidfile } from './pidfile';
import { resolveLayout, type Layout } from './paths';

/**
 * What a head start leaves for the Supervisor: the launcher (holding the state-dir lock) and,
 * when the launch got that far, the containerd it spawned. The Supervisor takes the daemon over
 * as its first run's spawn; nothing here writes the pidfile, follows the log or probes health.
 */
export interface HeadStart {
  launcher: Launcher;
  /** The settings object the launch used; the Supervisor uses the spawn only with these. */
  settings: Settings;
  spawned: {
    layout: Layout;
    binary: string;
    daemon: DaemonHandle;
    /** containerd.log's size before the spawn: the lines after it are this run's. */
    logOffset: number;
    /** performance.now() at the spawn (minimum uptime counts from here). */
    now: number;
  } | null;
}

/**
 * Claims the state directory, then spawns containerd if nothing is there to adopt. Only the lock
 * can fail here (EngineError 'busy', like Supervisor.claim): any other failure — no binary, a bad
 * overrides file, a pidfile naming a daemon that may be adoptable — leaves `spawned` null, and the
 * Supervisor's own launch meets and reports the same condition through the lifecycle.
 */
export async function headStart(opts: {
  settings: Settings;
  env?: NodeJS.ProcessEnv;
  appDir?: string;
}): Promise<HeadStart> {
  const env = opts.env ?? process.env;
  const launcher = new Launcher({ appDir: opts.appDir ?? dirname(process.execPath), env });
  const layout = resolveLayout(opts.settings, env);
  const out: HeadStart = { launcher, settings: opts.settings, spawned: null };
  let prepared: { binary: string; configFile: string };
  try {
    // prepare() claims the lock first (and meanwhile finds the binary and renders the config).
    prepared = await launcher.prepare(layout, opts.settings);
  } catch (err) {
    // Not even the lock: reported by `run` as before. Anything after it: by the Supervisor.
    if (!launcher.owns(layout.stateDir)) throw err;
    return out;
  }
  try {
    const { binary, configFile } = prepared;
    const [entry, logOffset] = await Promise.all([
      readPidfile(layout.pidFile),
      stat(layout.logFile).then(
        (st) => st.size,
        () => 0,
      ),
    ]);
    if (entry !== null) return out;
    const daemon = await launcher.spawn(layout, binary, configFile);
    out.spawned = { layout, binary, daemon, logOffset, now: performance.now() };
  } catch {
    // Reported by the Supervisor's launch, which meets the same condition.
  }
  return out;
}
