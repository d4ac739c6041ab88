// One containerd process, spawned or adopted: exit watching and ownership-checked signalling.
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import type { ExitInfo } from '../../common/states';
import { EngineError } from './errors';
import { identityOf, type PidfileEntry } from './pidfile';
import { isAlive, readStartTime, readState } from './proc';

/** A daemon we own: either our child or an adopted process whose identity matched. */
export interface DaemonHandle {
  readonly pid: number;
  readonly adopted: boolean;
  readonly identity: PidfileEntry;
  /** Resolves once, when the process is gone. */
  readonly exited: Promise<ExitInfo>;
  hasExited(): boolean;
  /** Signal the process if it is still the one we own; false when it is gone or not ours. */
  signal(sig: NodeJS.Signals): boolean;
  /** Stop watching and let our process exit without it (it stays adoptable). */
  detach(): void;
}

/** The environment containerd gets: ours minus NOTIFY_SOCKET (we are not its systemd). */
export function daemonEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(env))
    if (k !== 'NOTIFY_SOCKET' && v !== undefined) out[k] = v;
  return out;
}

function stillOurs(identity: PidfileEntry): boolean {
  const st = readState(identity.pid);
  return st !== null && st !== 'Z' && readStartTime(identity.pid) === identity.startTime;
}

function makeSignal(identity: PidfileEntry, exitedFlag: () => boolean) {
  return (sig: NodeJS.Signals): boolean => {
    // Re-check identity right before signalling: a recycled pid must never be hit.
    if (exitedFlag() || !stillOurs(identity)) return false;
    try {
      process.kill(identity.pid, sig);
      return true;
    } catch {
      return false;
    }
  };
}

/**
 * Spawn `containerd --config FILE` with argv only, in its own process group, stdout and stderr
 * appended to the log file (so a full pipe can never block it and logs outlive us).
 */
export async function spawnDaemon(opts: {
  binary: string;
  configFile: string;
  logFile: string;
  env: NodeJS.ProcessEnv;
}): Promise<DaemonHandle> {
  const fd = openSync(opts.logFile, 'a', 0o600);
  let child;
  try {
    child = spawn(opts.binary, ['--config', opts.configFile], {
      detached: true,
      stdio: ['ignore', fd, fd],
      env: daemonEnv(opts.env),
    });
    await new Promise<void>((resolve, reject) => {
      child!.once('spawn', resolve);
      child!.once('error', reject);
    });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const hint =
      e.code === 'ENOENT'
        ? 'install containerd (apt install containerd) or set its path in Settings / --containerd'
        : e.code === 'EACCES'
          ? `make ${opts.binary} executable (chmod +x) or choose another binary`
          : 'check the containerd binary and the app log';
    throw new EngineError(
      'spawn-failed',
      `could not start ${opts.binary}: ${e.code ?? e.message}`,
      hint,
      {
        cause: err,
      },
    );
  } finally {
    closeSync(fd);
  }
  const pid = child.pid!;
  const identity = identityOf(pid, opts.configFile) ?? {
    pid,
    startTime: '',
    exe: opts.binary,
    configPath: opts.configFile,
    writtenAt: Date.now(),
  };
  let done = false;
  const exited = new Promise<ExitInfo>((resolve) => {
    child.once('exit', (code, signal) => {
      done = true;
      resolve({ code, signal, at: Date.now() });
    });
  });
  return {
    pid,
    adopted: false,
    identity,
    exited,
    hasExited: () => done,
    signal: makeSignal(identity, () => done),
    detach: () => {
      child.removeAllListeners('exit');
      child.unref();
    },
  };
}

/** Watch a process we did not spawn (identity already checked) by polling /proc. */
export function adoptDaemon(identity: PidfileEntry, pollMs = 100): DaemonHandle {
  let done = false;
  let timer: NodeJS.Timeout | undefined;
  const exited = new Promise<ExitInfo>((resolve) => {
    timer = setInterval(() => {
      if (isAlive(identity.pid) && stillOurs(identity)) return;
      done = true;
      clearInterval(timer);
      // Not our child: the exit status belongs to whoever reaps it.
      resolve({ code: null, signal: null, at: Date.now() });
    }, pollMs);
  });
  return {
    pid: identity.pid,
    adopted: true,
    identity,
    exited,
    hasExited: () => done,
    signal: makeSignal(identity, () => done),
    detach: () => clearInterval(timer),
  };
}

/** Whether the daemon exits within `ms`; the timer is cleared so it never holds the process. */
export function exitedWithin(d: DaemonHandle, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((r) => (timer = setTimeout(() => r(false), ms)));
  return Promise.race([d.exited.then(() => true), timeout]).finally(() => clearTimeout(timer));
}

/** SIGTERM (+SIGCONT so a stopped process can act on it), grace, then SIGKILL. */
export async function terminate(d: DaemonHandle, graceMs: number): Promise<void> {
  d.signal('SIGTERM');
  d.signal('SIGCONT');
  if (await exitedWithin(d, graceMs)) return;
  d.signal('SIGKILL');
  await exitedWithin(d, 5000);
}

/**
 * A hung daemon: SIGUSR1 so containerd dumps its goroutine stacks into the log (SIGCONT lets a
 * stopped one do it), then SIGKILL once `dumped` resolves, or after `waitMs` at most.
 */
export async function killHung(
  d: DaemonHandle,
  waitMs: number,
  dumped: (waitMs: number) => Promise<unknown>,
): Promise<void> {
  const done = dumped(waitMs);
  d.signal('SIGUSR1');
  d.signal('SIGCONT');
  await Promise.race([exitedWithin(d, waitMs), done]);
  d.signal('SIGKILL');
}
