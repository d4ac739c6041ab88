// Adopting a containerd an earlier supervisor left running: only one provably ours (pidfile
// identity) that answers health. Apart from launch.ts so the head start, which never adopts, does
// not load the health client before it spawns.
import { adoptDaemon, exitedWithin, type DaemonHandle } from './daemon-process';
import { waitForServing } from './health';
import type { Layout } from './paths';
import { checkIdentity, readPidfile, removePidfile } from './pidfile';

/** How long an adoption candidate gets to answer the health check. */
const ADOPT_HEALTH_BUDGET_MS = 2000;

/**
 * The pidfile's daemon if it is ours and answers health; else null, the pidfile gone when its
 * process is dead, not ours, or ours but hung (then killed). Call only while holding the state
 * dir's lock (Launcher.prepare): it removes files there. `current` false: the launch was
 * cancelled meanwhile; a daemon that did not answer is then left alone.
 */
export async function adoptFromPidfile(
  layout: Layout,
  binary: string,
  configFile: string,
  current: () => boolean,
): Promise<{ daemon: DaemonHandle; latencyMs: number } | null> {
  const entry = await readPidfile(layout.pidFile);
  if (entry === null) return null;
  if (entry === 'corrupt') {
    await removePidfile(layout.pidFile);
    return null;
  }
  if (checkIdentity(entry, { exe: binary, configPath: configFile }) !== 'match') {
    // Dead, or a live process that is not ours (pid reuse): forget it, never signal it.
    await removePidfile(layout.pidFile);
    return null;
  }
  const d = adoptDaemon(entry);
  const r = await waitForServing(layout.socket, {
    budgetMs: ADOPT_HEALTH_BUDGET_MS,
    intervalMs: 10,
    isAlive: () => !d.hasExited(),
  });
  if (r.ok) return { daemon: d, latencyMs: r.latencyMs };
  if (!current()) {
    d.detach();
    return null;
  }
  // Ours but not answering: a hung daemon we own; replace it.
  d.signal('SIGKILL');
  await exitedWithin(d, 5000);
  d.detach();
  await removePidfile(layout.pidFile);
  return null;
}
