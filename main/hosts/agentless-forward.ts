// A bare containerd's socket on another machine, made a local socket by OpenSSH stream-local forwarding
// (`ssh -N -L LOCAL:REMOTE`), in a private folder that goes when the forward does.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as fsp from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { SshTarget } from '../../common/hosts';
import { ensureControlDir, defaultControlPath } from '../control-socket/control-paths';
import {
  classifySshExit,
  sshCommandLine,
  sshOptions,
  sshSaid,
  sshWhere,
  SSH_CONFIG_ENV,
  stderrTail,
  type SshExit,
  type SshLinkOptions,
} from '../control-socket/ssh-link';
import { AppError } from '../shared/app-error';

/** The longest local socket path we bind (a unix socket path is at most 107 bytes). */
const MAX_LOCAL_SOCKET = 100;
/** How long ssh may take to log in and bind the local end (its ConnectTimeout is 10 s of it). */
export const FORWARD_READY_TIMEOUT_MS = 30_000;
/** How often the local end is looked for while ssh logs in. */
const POLL_MS = 20;
/** How long the diagnostic login may take before the generic explanation is given. */
const PROBE_TIMEOUT_MS = 15_000;

/** The remote check prints one `ls -l` line; more is not it. */
const MAX_PROBE_OUTPUT = 4096;
/** A forward folder this old whose socket nobody answers on was left by an ssh that was killed. */
const STALE_AFTER_MS = 60_000;

/** What ssh prints (client side) when sshd could not open the remote socket: missing, no access, or refused. */
export const OPEN_FAILED = /open failed/;

/**
 * ssh's argv for the forward. -N: no remote command, so no shell is needed there (an account that
 * may only forward works). ExitOnForwardFailure: a local end that cannot be bound ends ssh at once.
 * StreamLocalBindUnlink: a stale socket of a killed ssh is replaced, never a reason to fail.
 */
export function forwardArgv(t: SshTarget, local: string, configFile?: string): string[] {
  if (t.socket === undefined) throw new Error(`${t.url} names no socket to forward`);
  return [
    ...sshOptions(t, configFile),
    '-N',
    '-o',
    'ExitOnForwardFailure=yes',
    '-o',
    'StreamLocalBindUnlink=yes',
    '-L',
    `${local}:${t.socket}`,
    '--',
    t.host,
  ];
}

/**
 * Why ssh ended before the forward was up, from what it printed: login failures as for every
 * link, a local end that cannot be bound, else the exit. Pure: the cases are a table in the tests.
 */
export function classifyForwardEnd(t: SshTarget, exit: SshExit, stderr: string): AppError {
  const forwardSide = (where: string, saidPart: string): AppError | null => {
    if (/Could not request local forwarding|cannot bind|unix_listener/.test(stderr))
      return new AppError(
        'ssh-failed',
        `${where}: ssh could not create the local end of the socket forward${saidPart}`,
        'Check that $XDG_RUNTIME_DIR (or /tmp) is writable and not full, then try again.',
      );
    if (/forwarding (is )?disabled|administratively prohibited/i.test(stderr))
      return forwardRefused(t);
    return null;
  };
  return classifySshExit(
    t,
    exit,
    stderr,
    forwardSide,
    `Check that the host is up and try again (\`${sshCommandLine(t)}\` shows what ssh says).`,
  );
}

function forwardRefused(t: SshTarget): AppError {
  return new AppError(
    'host-socket',
    `${sshWhere(t)}: sshd on ${t.host} refused to forward the socket ${t.socket}`,
    `Allow it in ${t.host}'s /etc/ssh/sshd_config (AllowStreamLocalForwarding and AllowTcpForwarding both yes or local: sshd checks both for a socket; no DisableForwarding, and no restrict or no-port-forwarding on your key in authorized_keys), then reload sshd; or install Containerd Desktop there and use ssh://${t.user ? `${t.user}@` : ''}${t.host} without a path.`,
  );
}

/**
 * Exit codes of the remote check (`socketProbeCommand`): what is wrong with the socket there.
 * 40 = a socket we may open (so sshd is what refused).
 */
export const PROBE = { usable: 40, missing: 41, notSocket: 42, denied: 43 } as const;

/**
 * A POSIX shell command (run by the remote login shell) telling, by its exit code, why the socket
 * could not be opened; for "denied" it prints `ls -l` of the socket (owner, group, mode). The path
 * was validated (letters, digits, `. _ - /`), and is quoted anyway.
 */
export function socketProbeCommand(socket: string): string {
  const p = `'${socket}'`;
  return `if [ ! -e ${p} ]; then exit ${PROBE.missing}; elif [ ! -S ${p} ]; then exit ${PROBE.notSocket}; elif [ ! -r ${p} ] || [ ! -w ${p} ]; then ls -l ${p}; exit ${PROBE.denied}; else exit ${PROBE.usable}; fi`;
}

/**
 * The error for "ssh could not open the remote socket", from the remote check's exit code and
 * output (null when the check itself could not run: then all three reasons are named).
 */
export function classifySocketProbe(
  t: SshTarget,
  probe: { code: number | null; out: string } | null,
): AppError {
  const where = sshWhere(t);
  const socket = t.socket ?? '';
  const user = t.user ?? 'your user';
  const fixUrl = `cdesk host rm NAME, then cdesk host add NAME ssh://${t.user ? `${t.user}@` : ''}${t.host}${t.port ? `:${t.port}` : ''}/PATH`;
  switch (probe?.code) {
    case PROBE.missing:
      return new AppError(
        'host-socket',
        `${where}: there is no containerd socket at ${socket} on ${t.host}`,
        `Check where containerd listens there (the [grpc] address in its config; k3s uses /run/k3s/containerd/containerd.sock) and give that path in the URL (${fixUrl}).`,
      );
    case PROBE.notSocket:
      return new AppError(
        'host-socket',
        `${where}: ${socket} on ${t.host} is not a socket`,
        `Give the path of containerd's gRPC socket (the [grpc] address in its config) in the URL (${fixUrl}).`,
      );
    case PROBE.denied: {
      const ls = probe.out.trim().split('\n')[0]?.slice(0, 200) ?? '';
      const group = ls.split(/\s+/)[3];
      return new AppError(
        'host-socket',
        `${where}: ${user} may not open containerd's socket ${socket} on ${t.host}${ls ? ` (${ls})` : ''}`,
        `cdesk does not use sudo: give ${user} read and write access to the socket there, e.g. through a group (sudo groupadd containerd; set [grpc] gid to it in containerd's config and restart containerd; sudo usermod -aG ${group && group !== 'root' ? group : 'containerd'} ${user}), then log in again.`,
      );
    }
    case PROBE.usable:
      return forwardRefused(t);
    default:
      return new AppError(
        'host-socket',
        `${where}: ssh could not open the containerd socket ${socket} on ${t.host}`,
        `Either there is no socket at that path, ${user} may not open it (cdesk does not use sudo: give the user access, e.g. through the socket's group), or sshd forbids forwarding it (AllowStreamLocalForwarding); \`${sshCommandLine(t)} ls -l ${socket}\` shows which.`,
      );
  }
}

export interface ForwardOptions extends SshLinkOptions {
  /** Where the private folder of the local end goes (default: the app's runtime dir). */
  runtimeDir?: string;
  readyTimeoutMs?: number;
}

/** An open forward: connect to `localSocket` to reach the remote containerd. */
export interface SocketForward {
  readonly localSocket: string;
  /** ssh's stderr so far (its last few KiB). */
  stderr(): string;
  /** Whether ssh has ended. */
  readonly ended: boolean;
  /** Once, when ssh ends (by itself: the error says why; after close(): 'disconnected'). */
  onEnd(fn: (err: AppError) => void): void;
  /** End ssh and remove the local socket and its folder; resolves once both are gone. */
  close(): Promise<void>;
  /** Run the remote socket check over a second login (for a clear error when opening it failed). */
  diagnose(): Promise<AppError>;
}

/** A private 0700 folder for the local end: under the app's runtime dir when the path fits, else the temp dir. */
async function privateDir(env: NodeJS.ProcessEnv, runtimeDir?: string): Promise<string> {
  const base = runtimeDir ?? path.dirname(defaultControlPath(env));
  const fits = (dir: string) =>
    Buffer.byteLength(path.join(dir, 'fwd-XXXXXX', 'c.sock')) <= MAX_LOCAL_SOCKET &&
    !dir.includes(':');
  if (fits(base)) {
    try {
      // Made 0700 and checked like the control socket's folder: nobody else may swap our socket.
      await ensureControlDir(path.join(base, 'c.sock'));
      await sweepStale(base);
      return await fsp.mkdtemp(path.join(base, 'fwd-'));
    } catch {
      // not usable: the temp dir below
    }
  }
  return fsp.mkdtemp(path.join(os.tmpdir(), 'cdesk-fwd-'));
}

/** In a forward's folder: `SSH_PID OWNER_PID`, so a later sweep can end an ssh whose owner died. */
const PIDS_FILE = 'ssh.pids';

/**
 * The pid of an ssh left running by an owner that died (SIGKILLed: it could not end its ssh), or
 * null. It is ours only if its argv forwards to this very folder's socket (the folder's name is
 * random), and orphaned only if its parent is no longer the owner that wrote the file: a child
 * whose parent dies is handed to init, so a reused owner pid cannot fool this.
 */
export function orphanedSsh(dir: string): number | null {
  let pids: number[];
  try {
    pids = readFileSync(path.join(dir, PIDS_FILE), 'utf8').trim().split(' ').map(Number);
  } catch {
    return null;
  }
  const [ssh, owner] = pids;
  if (!Number.isInteger(ssh) || !Number.isInteger(owner) || ssh! <= 0) return null;
  try {
    const forward = `${path.join(dir, 'c.sock')}:`;
    const argv = readFileSync(`/proc/${ssh}/cmdline`, 'utf8').split('\0');
    if (!argv.some((a) => a.startsWith(forward))) return null;
    const ppid = /^PPid:\s*(\d+)$/m.exec(readFileSync(`/proc/${ssh}/status`, 'utf8'))?.[1];
    return ppid !== undefined && Number(ppid) !== owner ? ssh! : null;
  } catch {
    return null;
  }
}

/**
 * Remove the forward folders of processes that died without closing (a crashed app, a SIGKILLed
 * CLI): older than a minute (a forward being set up right now is younger) with nothing answering
 * on their socket, or with an ssh answering whose owner died (that ssh is ended first). A live
 * forward of a running app keeps its folder.
 */
export async function sweepStale(base: string, now = Date.now()): Promise<void> {
  const names = await fsp.readdir(base).catch(() => [] as string[]);
  for (const name of names) {
    if (!name.startsWith('fwd-')) continue;
    const dir = path.join(base, name);
    const st = await fsp.lstat(dir).catch(() => null);
    if (!st?.isDirectory() || now - st.mtimeMs < STALE_AFTER_MS) continue;
    const orphan = orphanedSsh(dir);
    if (orphan !== null) {
      try {
        process.kill(orphan, 'SIGTERM');
      } catch {
        // gone meanwhile
      }
    }
    const alive =
      orphan === null &&
      (await new Promise<boolean>((resolve) => {
        const sock = net.connect(path.join(dir, 'c.sock'));
        sock.once('connect', () => {
          sock.destroy();
          resolve(true);
        });
        sock.once('error', () => resolve(false));
      }));
    if (!alive) await fsp.rm(dir, { recursive: true, force: true }).catch(() => undefined);
  }
}

/** Spawn `ssh -N -L` and resolve once the local end exists; a failure says what to do and leaves nothing behind. */
export async function openForward(t: SshTarget, opts: ForwardOptions = {}): Promise<SocketForward> {
  const env = opts.env ?? process.env;
  const configFile = opts.configFile ?? (env[SSH_CONFIG_ENV] || undefined);
  const dir = await privateDir(env, opts.runtimeDir);
  const localSocket = path.join(dir, 'c.sock');
  let child: ChildProcess;
  try {
    // Not detached: a Ctrl-C at the terminal ends this ssh with cdesk (with -N it has no stdin to
    // notice cdesk going away by).
    child = spawn(opts.ssh ?? 'ssh', forwardArgv(t, localSocket, configFile), {
      stdio: ['ignore', 'ignore', 'pipe'],
      env,
    });
  } catch (err) {
    await fsp.rm(dir, { recursive: true, force: true });
    throw err;
  }
  if (child.pid !== undefined) {
    try {
      writeFileSync(path.join(dir, PIDS_FILE), `${child.pid} ${process.pid}\n`, { mode: 0o600 });
    } catch {
      // Only a later sweep needs it; the forward works without.
    }
  }
  const tail = stderrTail(child);
  let closedByUs = false;
  let ended: AppError | null = null;
  const endFns: ((err: AppError) => void)[] = [];
  let spawnError: NodeJS.ErrnoException | null = null;
  const exited = new Promise<void>((resolve) => {
    child.on('error', (err: NodeJS.ErrnoException) => {
      spawnError = err;
      // No 'close' follows a failed spawn with no stdio opened; make sure we still end.
      if (child.pid === undefined) resolve();
    });
    child.on('close', () => resolve());
  });
  // Synchronous, so a CLI exiting right after close() leaves nothing behind: ssh, once signalled,
  // never binds again (and never removes its socket itself).
  const removeDirNow = () => {
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch {
      // already gone
    }
  };
  void exited.then(() => {
    removeDirNow();
    let err: AppError;
    const se = spawnError as NodeJS.ErrnoException | null;
    if (se)
      err = new AppError(
        'ssh-failed',
        se.code === 'ENOENT'
          ? `cannot reach ${t.label}: the ssh client is not installed (no ssh on PATH)`
          : `cannot start ssh for ${t.label}: ${se.message}`,
        'Install OpenSSH (apt install openssh-client) and try again.',
      );
    else if (closedByUs)
      err = new AppError('disconnected', `the SSH link to ${t.label} was closed`, 'Reconnect.');
    else err = classifyForwardEnd(t, { code: child.exitCode, signal: child.signalCode }, tail());
    ended = err;
    for (const fn of endFns.splice(0)) fn(err);
  });

  const fwd: SocketForward = {
    localSocket,
    stderr: tail,
    get ended() {
      return ended !== null;
    },
    onEnd(fn) {
      if (ended) fn(ended);
      else endFns.push(fn);
    },
    async close() {
      if (!ended && !closedByUs) {
        closedByUs = true;
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      }
      // Now, whether or not ssh has ended yet (a Ctrl-C reaches it first, and the CLI exits
      // right after closing): ssh leaves its socket behind when killed.
      removeDirNow();
      await exited;
    },
    async diagnose() {
      const probe = await runProbe(t, configFile, env, opts.ssh);
      return classifySocketProbe(t, probe);
    },
  };

  // Up once ssh has logged in and bound the local end (it does both before serving the forward).
  const gone = new Promise<void>((resolve) => fwd.onEnd(() => resolve()));
  const deadline = Date.now() + (opts.readyTimeoutMs ?? FORWARD_READY_TIMEOUT_MS);
  for (;;) {
    if (ended) throw ended;
    const st = await fsp.stat(localSocket).catch(() => null);
    if (st?.isSocket()) return fwd;
    if (Date.now() > deadline) {
      await fwd.close();
      throw new AppError(
        'ssh-failed',
        `${sshWhere(t)}: ssh did not set up the socket forward within ${(opts.readyTimeoutMs ?? FORWARD_READY_TIMEOUT_MS) / 1000} s${sshSaid(tail())}`,
        `Check what \`${sshCommandLine(t)}\` does: it must log in without a prompt.`,
      );
    }
    await Promise.race([gone, new Promise<void>((resolve) => setTimeout(resolve, POLL_MS))]);
  }
}

/** One short login running socketProbeCommand; null when it could not tell (no shell there, a timeout…). */
async function runProbe(
  t: SshTarget,
  configFile: string | undefined,
  env: NodeJS.ProcessEnv,
  ssh = 'ssh',
): Promise<{ code: number | null; out: string } | null> {
  if (t.socket === undefined) return null;
  const argv = [...sshOptions(t, configFile), '--', t.host, socketProbeCommand(t.socket)];
  return new Promise((resolve) => {
    const child = spawn(ssh, argv, { stdio: ['ignore', 'pipe', 'ignore'], env });
    let out = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      if (out.length < MAX_PROBE_OUTPUT) out = (out + d).slice(0, MAX_PROBE_OUTPUT);
    });
    const timer = setTimeout(() => child.kill('SIGTERM'), PROBE_TIMEOUT_MS);
    child.on('error', () => resolve(null));
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve(code !== null && code >= PROBE.usable && code <= PROBE.denied ? { code, out } : null);
    });
  });
}
