// Another machine's app over the system's OpenSSH client: `ssh … HOST cdesk dial-stdio`, the envelope over its stdio.
import { spawn, type ChildProcess } from 'node:child_process';
import type { SshTarget } from '../../common/hosts';
import { AppError } from '../shared/app-error';
import { handshake, type ControlClient, type ControlLink } from './control-client';

/** ssh's stderr kept per link: enough for its messages, bounded whatever the remote prints. */
export const MAX_SSH_STDERR_BYTES = 4096;

/** ssh's ConnectTimeout: how long its TCP connect may take before the host counts as unreachable. */
export const SSH_CONNECT_TIMEOUT_S = 10;

/** The command run on the other side; fixed words, never built from input. */
export const REMOTE_COMMAND = ['cdesk', 'dial-stdio'] as const;

/** The environment variable naming an ssh config file to use instead of ~/.ssh/config (ssh -F). */
export const SSH_CONFIG_ENV = 'CDESK_SSH_CONFIG';

/** `user@host:port` as the user would type it to ssh, for messages. */
export function sshCommandLine(t: SshTarget): string {
  const parts = ['ssh'];
  if (t.port !== undefined) parts.push('-p', String(t.port));
  if (t.identity !== undefined) parts.push('-i', t.identity);
  parts.push(t.user !== undefined ? `${t.user}@${t.host}` : t.host);
  return parts.join(' ');
}

/**
 * ssh's argv. BatchMode: never a prompt inside the app (a password, a passphrase, "trust this
 * key?"); host-key checking stays as the user's config has it. The user's config, agent and
 * known_hosts apply unless `configFile` replaces the config (`-F`). `--` ends ssh's options, and
 * names and users are validated to never start with `-` anyway.
 */
export function sshArgv(t: SshTarget, configFile?: string): string[] {
  return [...sshOptions(t, configFile), '--', t.host, ...REMOTE_COMMAND];
}

/** ssh's options up to (not including) `--` and the host: what every link to `t` starts with. */
export function sshOptions(t: SshTarget, configFile?: string): string[] {
  const argv: string[] = [];
  if (configFile) argv.push('-F', configFile);
  argv.push(
    '-T',
    '-o',
    'BatchMode=yes',
    '-o',
    `ConnectTimeout=${SSH_CONNECT_TIMEOUT_S}`,
    // A link that silently died (sleep, network change) ends within ~30 s instead of never.
    '-o',
    'ServerAliveInterval=10',
    '-o',
    'ServerAliveCountMax=3',
  );
  if (t.port !== undefined) argv.push('-p', String(t.port));
  if (t.identity !== undefined) argv.push('-i', t.identity);
  if (t.user !== undefined) argv.push('-l', t.user);
  return argv;
}

/** How an ssh child ended: its exit code, or the signal that ended it. */
export interface SshExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/**
 * Why an ssh child ended, for any kind of link: a failed login first (the same whatever runs once
 * logged in), then what `specific` recognises in what ssh printed, else "the link closed" with
 * ssh's exit and `nextStep` as the hint.
 */
export function classifySshExit(
  t: SshTarget,
  exit: SshExit,
  stderr: string,
  specific: (where: string, saidPart: string) => AppError | null,
  nextStep: string,
): AppError {
  const where = sshWhere(t);
  const saidPart = sshSaid(stderr);
  const known = classifySshLogin(t, stderr) ?? specific(where, saidPart);
  if (known) return known;
  const how =
    exit.signal !== null ? `ssh ended by ${exit.signal}` : `ssh exited with code ${exit.code}`;
  return new AppError(
    'ssh-failed',
    `the SSH link to ${where} closed (${how})${saidPart}`,
    nextStep,
  );
}

/**
 * What went wrong with a `cdesk dial-stdio` link, from ssh's exit and the tail of what it printed:
 * an error saying what to run. Pure: the cases are a table in the tests.
 */
export function classifySshEnd(t: SshTarget, exit: SshExit, stderr: string): AppError {
  const remoteSide = (where: string, saidPart: string): AppError | null => {
    if (exit.code === 127 || /cdesk: (command )?not found/.test(stderr))
      return new AppError(
        'ssh-no-cdesk',
        `${where}: there is no cdesk on the remote side's PATH${saidPart}`,
        `Install Containerd Desktop on ${t.host}, or put its cdesk on the PATH that non-interactive ssh sessions get (check with \`${sshCommandLine(t)} command -v cdesk\`).`,
      );
    if (exit.code === 3)
      return new AppError(
        'no-app',
        `no running Containerd Desktop on ${where}${saidPart}`,
        `Start it there: the desktop app, \`cdesk serve\` or \`cdesk daemon run\` on ${t.host}.`,
      );
    return null;
  };
  return classifySshExit(
    t,
    exit,
    stderr,
    remoteSide,
    `Check that the host is up and try again; \`${sshCommandLine(t)} cdesk status\` shows what the remote side says.`,
  );
}

/** `name (url)`, or the URL alone for `-H ssh://…`: how messages name the host. */
export function sshWhere(t: SshTarget): string {
  return t.label === t.url ? t.url : `${t.label} (${t.url})`;
}

/** `: ` and ssh's last three lines, or nothing when it said nothing. */
export function sshSaid(stderr: string): string {
  const said = stderr.trim().split('\n').filter(Boolean).slice(-3).join(' / ');
  return said ? `: ${said}` : '';
}

/**
 * What ssh said when it could not log in (host key, refused key, unreachable host), or null: the
 * same for every kind of link, whatever runs once logged in.
 */
export function classifySshLogin(t: SshTarget, stderr: string): AppError | null {
  const where = sshWhere(t);
  const saidPart = sshSaid(stderr);
  const dest = `${t.user !== undefined ? `${t.user}@` : ''}${t.host}`;
  if (/REMOTE HOST IDENTIFICATION HAS CHANGED/.test(stderr))
    return new AppError(
      'ssh-host-key',
      `the host key of ${where} has CHANGED since you trusted it (ssh refused to connect)`,
      `Someone may be intercepting the connection, or the host was reinstalled. Check with its owner, then remove the old key (ssh-keygen -R ${t.port ? `'[${t.host}]:${t.port}'` : t.host}) and run \`${sshCommandLine(t)}\` once to trust the new one.`,
    );
  if (/Host key verification failed|No .* host key is known/.test(stderr))
    return new AppError(
      'ssh-host-key',
      `${where}: ssh does not know this host's key yet, so it refused to connect (nothing was trusted)`,
      `Run \`${sshCommandLine(t)}\` once in a terminal, check the key fingerprint it shows, and answer yes to trust it; then try again.`,
    );
  if (/Permission denied \(/.test(stderr))
    return new AppError(
      'ssh-auth',
      `${where}: the server refused ${t.identity ? `the key ${t.identity}` : 'every key ssh offered (your agent and default keys)'}`,
      `Add your public key to ~${t.user ?? ''}/.ssh/authorized_keys on ${t.host} (ssh-copy-id ${t.port ? `-p ${t.port} ` : ''}${dest})${t.identity ? '' : ', or name the key with cdesk host add … --identity FILE'}; \`${sshCommandLine(t)}\` shows what the server accepts.`,
    );
  const failure = sshConnectFailure(stderr);
  if (/Connection refused/.test(stderr))
    return new SshUnreachableError(
      `${where}: connection refused${saidPart}`,
      `Check that sshd runs on ${t.host}${t.port ? ` port ${t.port}` : ''} and that the URL's port is right.`,
      failure,
    );
  if (/timed out|Could not resolve hostname|No route to host|Network is unreachable/.test(stderr))
    return new SshUnreachableError(
      `${where}: cannot reach the host${saidPart}`,
      `Check the host name and your network (try \`${sshCommandLine(t)}\`).`,
      failure,
    );
  return null;
}

/** How ssh's own TCP connect failed (its strerror words, as a probe's errno would say it). */
export type ConnectFailureHow = 'ECONNREFUSED' | 'ETIMEDOUT' | 'EHOSTUNREACH' | 'ENETUNREACH';

/**
 * Where ssh's TCP connect went and how it failed: the address after the user's ssh config (its
 * HostName and Port), or the jump host's when a ProxyJump's ssh could not reach it.
 */
export interface SshConnectFailure {
  host: string;
  port: number;
  how: ConnectFailureHow;
}

const CONNECT_FAILED =
  /ssh: connect to host (\S+) port (\d+): (Connection refused|Connection timed out|No route to host|Network is unreachable)/g;
const HOW: Record<string, ConnectFailureHow> = {
  'Connection refused': 'ECONNREFUSED',
  'Connection timed out': 'ETIMEDOUT',
  'No route to host': 'EHOSTUNREACH',
  'Network is unreachable': 'ENETUNREACH',
};

/** Whether a connect's errno is one of the failures ssh reports by those words. */
export function isConnectFailure(code: string): code is ConnectFailureHow {
  return Object.values(HOW).includes(code as ConnectFailureHow);
}

/** OpenSSH's "ssh: connect to host H port P: …" (the last one printed), or null. */
export function sshConnectFailure(stderr: string): SshConnectFailure | null {
  const last = [...stderr.matchAll(CONNECT_FAILED)].at(-1);
  if (!last) return null;
  const port = Number(last[2]);
  if (!Number.isInteger(port) || port < 1 || port > 65535) return null;
  return { host: last[1]!, port, how: HOW[last[3]!]! };
}

/** ssh could not reach the host; `failure` says where it tried when ssh printed that. */
export class SshUnreachableError extends AppError {
  constructor(
    message: string,
    hint: string,
    readonly failure: SshConnectFailure | null,
  ) {
    super('ssh-unreachable', message, hint);
  }
}

/** The last MAX_SSH_STDERR_BYTES of a child's stderr, as text. */
export function stderrTail(child: ChildProcess): () => string {
  let kept = Buffer.alloc(0);
  child.stderr?.on('data', (d: Buffer) => {
    kept = Buffer.concat([kept, d]);
    if (kept.length > MAX_SSH_STDERR_BYTES)
      kept = kept.subarray(kept.length - MAX_SSH_STDERR_BYTES);
  });
  return () => kept.toString('utf8');
}

export interface SshLinkOptions {
  /** Default: $CDESK_SSH_CONFIG from `env`, else none (ssh's own ~/.ssh/config). */
  configFile?: string;
  env?: NodeJS.ProcessEnv;
  /** The ssh binary (default: `ssh` on PATH). */
  ssh?: string;
}

/** Spawn ssh and wrap its stdio as a ControlLink; the close error explains the end. */
export function sshLink(t: SshTarget, opts: SshLinkOptions = {}): ControlLink {
  const env = opts.env ?? process.env;
  const configFile = opts.configFile ?? (env[SSH_CONFIG_ENV] || undefined);
  const child = spawn(opts.ssh ?? 'ssh', sshArgv(t, configFile), {
    stdio: ['pipe', 'pipe', 'pipe'],
    env,
    // Its own process group, as docker's ssh helper: a Ctrl-C at the terminal reaches cdesk,
    // which ends the command cleanly (a pull's cancel, an exec's clean-up) before closing the
    // link, instead of killing ssh under it. Should cdesk die, ssh sees its stdin close and ends.
    detached: true,
  });
  const tail = stderrTail(child);
  let spawnError: NodeJS.ErrnoException | null = null;
  let closedByUs = false;
  let ended: AppError | null = null;
  const closeFns: ((err: AppError) => void)[] = [];
  const finish = (err: AppError) => {
    if (ended) return;
    ended = err;
    for (const fn of closeFns.splice(0)) fn(err);
  };
  child.on('error', (err: NodeJS.ErrnoException) => {
    spawnError = err;
    if (err.code === 'ENOENT')
      finish(
        new AppError(
          'ssh-failed',
          `cannot reach ${t.label}: the ssh client is not installed (no ssh on PATH)`,
          'Install OpenSSH (apt install openssh-client) and try again.',
        ),
      );
  });
  child.stdin!.on('error', () => undefined);
  // 'close' waits for stdio to end too, so every line ssh printed is in the tail.
  child.on('close', (code, signal) => {
    if (spawnError && spawnError.code !== 'ENOENT')
      return finish(
        new AppError(
          'ssh-failed',
          `cannot start ssh for ${t.label}: ${spawnError.message}`,
          'Check that ssh on PATH is executable.',
        ),
      );
    if (closedByUs)
      return finish(
        new AppError('disconnected', `the SSH link to ${t.label} was closed`, 'Reconnect.'),
      );
    finish(classifySshEnd(t, { code, signal }, tail()));
  });
  return {
    label: `${t.label} (${t.url})`,
    write: (text) => !ended && child.stdin!.writable && child.stdin!.write(text),
    get closed() {
      return ended !== null || !child.stdin!.writable;
    },
    onData: (fn) => void child.stdout!.on('data', fn),
    onClose: (fn) => {
      if (ended) fn(ended);
      else closeFns.push(fn);
    },
    close: () => {
      if (ended || closedByUs) return;
      closedByUs = true;
      child.stdin!.end();
      // ssh may wait on the remote side's output; the link is ours to end now.
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    },
  };
}

/** How long ssh plus the remote app may take to answer the hello (ssh's ConnectTimeout is 10 s of it). */
export const SSH_HELLO_TIMEOUT_MS = 30_000;

/**
 * Reach the app on another machine over ssh and exchange hellos (as connectControl does locally);
 * a remote side that never answers (a `cdesk` that is something else, a hung login script) is
 * given up after `helloTimeoutMs`.
 */
export async function connectSsh(
  t: SshTarget,
  opts: SshLinkOptions & { helloTimeoutMs?: number } = {},
): Promise<ControlClient> {
  const ms = opts.helloTimeoutMs ?? SSH_HELLO_TIMEOUT_MS;
  const link = sshLink(t, opts);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    link.close();
  }, ms);
  try {
    return await handshake(link, (err) =>
      timedOut
        ? new AppError(
            'ssh-failed',
            `${t.label} (${t.url}): no answer from cdesk dial-stdio within ${ms / 1000} s`,
            `Check what \`${sshCommandLine(t)} cdesk dial-stdio\` does there: it should wait silently for input (Ctrl-D ends it).`,
          )
        : err,
    );
  } finally {
    clearTimeout(timer);
  }
}
