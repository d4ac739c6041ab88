// A real OpenSSH server on 127.0.0.1 (random port, generated host key, test keys) whose sessions find a
// `cdesk` wrapper of this worktree: the "other machine" for -H tests, all on this machine.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import net from 'node:net';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { CDESK } from './serve';

export const SSHD = '/usr/sbin/sshd';
export const SSH_KEYGEN = '/usr/bin/ssh-keygen';

/** Skip locally without sshd (saying why); fail when CDESK_REQUIRE_CONTAINERD=1 (CI installs it). */
export function requireSshd(): boolean {
  if (existsSync(SSHD) && existsSync(SSH_KEYGEN)) return true;
  if (process.env.CDESK_REQUIRE_CONTAINERD === '1')
    throw new Error(`${SSHD} is required in CI but missing (apt-get install openssh-server)`);
  console.warn(`skipping: ${SSHD} not installed (apt-get install openssh-server)`);
  return false;
}

export interface Sshd {
  dir: string;
  port: number;
  user: string;
  /** `ssh://USER@127.0.0.1:PORT`. */
  url: string;
  /** Authorized; its sessions have the cdesk wrapper on PATH. */
  key: string;
  /** Authorized; its sessions' PATH has no cdesk. */
  keyNoCdesk: string;
  /** Not authorized. */
  keyStranger: string;
  /** A client config (for CDESK_SSH_CONFIG) trusting this server's host key, agent off. */
  clientConfig: string;
  /** A client config whose known_hosts file (`emptyKnownHosts`) is empty: the key is unknown. */
  untrustingConfig: string;
  emptyKnownHosts: string;
  /** The per-connection sshd processes (children of the listener). */
  sessions(): number[];
  stderr(): string;
  /** Stop the listener only (sessions live on, as with a real sshd restart). */
  stopListener(): Promise<void>;
  listening(): boolean;
  /** Start the listener again: same port, keys and config. */
  startListener(): Promise<void>;
  stop(): Promise<void>;
}

function keygen(file: string, comment: string): string {
  execFileSync(SSH_KEYGEN, ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', file]);
  return readFileSync(`${file}.pub`, 'utf8').trim();
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

const q = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;

/**
 * Start sshd. `remoteEnv` is the environment the remote `cdesk` runs with (e.g. its own
 * XDG_RUNTIME_DIR, so `cdesk dial-stdio` finds the remote instance's control socket).
 */
export async function startSshd(
  remoteEnv: Record<string, string>,
  opts: {
    /** Let clients forward unix sockets (ssh -L LOCAL:REMOTE_SOCKET), as agentless hosts need. */
    streamLocalForwarding?: boolean;
  } = {},
): Promise<Sshd> {
  const dir = mkdtempSync('/tmp/cdssh-');
  const user = userInfo().username;
  // sshd run as root separates privileges into this folder (Debian's service makes it at boot).
  if (process.getuid?.() === 0 && !existsSync('/run/sshd')) mkdirSync('/run/sshd', { mode: 0o755 });

  const bin = join(dir, 'bin');
  mkdirSync(bin);
  const exports = Object.entries(remoteEnv)
    .map(([k, v]) => `export ${k}=${q(v)}\n`)
    .join('');
  writeFileSync(
    join(bin, 'cdesk'),
    `#!/bin/sh\n${exports}exec ${q(process.execPath)} ${q(CDESK)} "$@"\n`,
  );
  chmodSync(join(bin, 'cdesk'), 0o755);

  const hostPub = keygen(join(dir, 'host_ed25519'), 'host');
  const key = join(dir, 'id_cdesk');
  const keyNoCdesk = join(dir, 'id_nocdesk');
  const keyStranger = join(dir, 'id_stranger');
  const pub = keygen(key, 'cdesk');
  const pubNo = keygen(keyNoCdesk, 'nocdesk');
  keygen(keyStranger, 'stranger');
  // Non-interactive sessions get sshd's default PATH; the test keys set their own.
  const basePath = '/usr/local/bin:/usr/bin:/bin';
  writeFileSync(
    join(dir, 'authorized_keys'),
    `environment="PATH=${bin}:${basePath}" ${pub}\nenvironment="PATH=${basePath}" ${pubNo}\n`,
  );

  const port = await freePort();
  const config = join(dir, 'sshd_config');
  writeFileSync(
    config,
    [
      `ListenAddress 127.0.0.1:${port}`,
      `HostKey ${join(dir, 'host_ed25519')}`,
      `PidFile ${join(dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
      'StrictModes no',
      'UsePAM no',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'PubkeyAuthentication yes',
      'PermitRootLogin prohibit-password',
      'PermitUserEnvironment PATH',
      // sshd lets a client reach a socket only when TCP forwarding is allowed too (both set the
      // same "permitted opens"), as on a stock sshd.
      `AllowTcpForwarding ${opts.streamLocalForwarding ? 'local' : 'no'}`,
      `AllowStreamLocalForwarding ${opts.streamLocalForwarding ? 'local' : 'no'}`,
      'X11Forwarding no',
      'PrintMotd no',
      'LogLevel VERBOSE',
      '',
    ].join('\n'),
  );

  const knownHosts = join(dir, 'known_hosts');
  writeFileSync(knownHosts, `[127.0.0.1]:${port} ${hostPub.split(' ').slice(0, 2).join(' ')}\n`);
  const emptyKnownHosts = join(dir, 'known_hosts_empty');
  writeFileSync(emptyKnownHosts, '');
  const clientConf = (known: string) =>
    [
      'Host *',
      `  UserKnownHostsFile ${known}`,
      '  GlobalKnownHostsFile /dev/null',
      '  IdentityAgent none',
      '  IdentitiesOnly yes',
      '  UpdateHostKeys no',
      '',
    ].join('\n');
  const clientConfig = join(dir, 'ssh_config');
  writeFileSync(clientConfig, clientConf(knownHosts));
  const untrustingConfig = join(dir, 'ssh_config_untrusting');
  writeFileSync(untrustingConfig, clientConf(emptyKnownHosts));

  let child: ChildProcess;
  let err = '';
  let exited: Promise<void>;
  const listen = async () => {
    child = spawn(SSHD, ['-D', '-e', '-f', config], { stdio: ['ignore', 'ignore', 'pipe'] });
    const c = child;
    let mine = '';
    exited = new Promise<void>((r) => c.once('exit', () => r()));
    await new Promise<void>((resolve, reject) => {
      c.stderr!.setEncoding('utf8').on('data', (d: string) => {
        err += d;
        mine += d;
        if (mine.includes('Server listening on')) resolve();
      });
      c.once('exit', (code) => reject(new Error(`sshd exited with ${code}: ${mine}`)));
      setTimeout(() => reject(new Error(`sshd did not start within 10 s: ${mine}`)), 10_000);
    });
  };
  const stopListener = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await exited;
    }
  };
  await listen();
  return {
    dir,
    port,
    user,
    url: `ssh://${user}@127.0.0.1:${port}`,
    key,
    keyNoCdesk,
    keyStranger,
    clientConfig,
    untrustingConfig,
    emptyKnownHosts,
    sessions: () => {
      try {
        return execFileSync('pgrep', ['-P', String(child.pid)], { encoding: 'utf8' })
          .split('\n')
          .filter(Boolean)
          .map(Number);
      } catch {
        return [];
      }
    },
    stderr: () => err,
    stopListener,
    startListener: listen,
    listening: () => child.exitCode === null && child.signalCode === null,
    async stop() {
      await stopListener();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
