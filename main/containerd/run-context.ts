// Where the containers this app runs keep their runc state and logs.
import { join } from 'node:path';
import type { DaemonStatus } from '../../common/states';
import type { RunContext } from './run';

const DEFAULT_LOG_MAX_BYTES = 10 * 1024 * 1024;
const DEFAULT_LOG_KEEP = 3;

/**
 * runc's root sits in the app's state dir (runtime state, like /run/containerd/runc) so another
 * containerd running the same namespace and id never shares it; logs sit in the root dir, which
 * outlives a reboot.
 */
export function runContextFor(
  paths: DaemonStatus['paths'],
  s: { containerLogMaxBytes?: number; containerLogKeep?: number },
  cniBinDirs?: string[],
): RunContext {
  return {
    ...(cniBinDirs ? { cniBinDirs } : {}),
    runcRoot: join(paths.state, 'runc'),
    logDir: join(paths.root, 'containers'),
    binDir: join(paths.state, 'bin'),
    stateDir: paths.state,
    logMaxBytes: s.containerLogMaxBytes ?? DEFAULT_LOG_MAX_BYTES,
    logKeep: s.containerLogKeep ?? DEFAULT_LOG_KEEP,
  };
}
