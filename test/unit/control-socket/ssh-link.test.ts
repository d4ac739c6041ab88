// The ssh transport's pure parts: the argv it runs and what each way ssh can end tells the user.
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseHostUrl, type SshTarget } from '../../../common/hosts';
import {
  classifySshEnd,
  connectSsh,
  sshArgv,
  sshConnectFailure,
  SshUnreachableError,
} from '../../../main/control-socket/ssh-link';

const target = (url: string, identity?: string, label = 'r'): SshTarget => {
  const r = parseHostUrl(url, label, identity);
  if (!r.ok) throw new Error(r.error);
  return r.target;
};
const exit = (code: number | null) => ({ code, signal: null });

describe('sshArgv', () => {
  it('runs cdesk dial-stdio in batch mode, with port, identity and user as separate words', () => {
    expect(sshArgv(target('ssh://me@box:2222', '/home/me/.ssh/k'))).toEqual([
      '-T',
      '-o',
      'BatchMode=yes',
      '-o',
      'ConnectTimeout=10',
      '-o',
      'ServerAliveInterval=10',
      '-o',
      'ServerAliveCountMax=3',
      '-p',
      '2222',
      '-i',
      '/home/me/.ssh/k',
      '-l',
      'me',
      '--',
      'box',
      'cdesk',
      'dial-stdio',
    ]);
  });
  it('leaves the user, port and key to ssh config when the URL names none; -F only when asked', () => {
    const argv = sshArgv(target('ssh://box'));
    expect(argv).not.toContain('-p');
    expect(argv).not.toContain('-l');
    expect(argv).not.toContain('-F');
    expect(argv.slice(-4)).toEqual(['--', 'box', 'cdesk', 'dial-stdio']);
    expect(sshArgv(target('ssh://box'), '/tmp/cfg').slice(0, 2)).toEqual(['-F', '/tmp/cfg']);
  });
  it('never turns off host-key checking', () => {
    expect(sshArgv(target('ssh://box')).join(' ')).not.toMatch(/StrictHostKeyChecking|KnownHosts/);
  });
});

describe('classifySshEnd', () => {
  const t = target('ssh://me@127.0.0.1:2222');
  it.each([
    [
      255,
      'No ED25519 host key is known for [127.0.0.1]:2222 and you have requested strict checking.\r\nHost key verification failed.\r\n',
      'ssh-host-key',
      /does not know this host's key/,
      /Run `ssh -p 2222 me@127.0.0.1` once.*fingerprint/,
    ],
    [
      255,
      '@@@ WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED! @@@\nHost key verification failed.\n',
      'ssh-host-key',
      /has CHANGED/,
      /ssh-keygen -R '\[127.0.0.1\]:2222'/,
    ],
    [
      255,
      'me@127.0.0.1: Permission denied (publickey).\r\n',
      'ssh-auth',
      /refused every key ssh offered/,
      /authorized_keys on 127.0.0.1.*--identity/,
    ],
    [
      127,
      'sh: 1: cdesk: not found\n',
      'ssh-no-cdesk',
      /no cdesk on the remote side's PATH/,
      /Install Containerd Desktop on 127.0.0.1.*command -v cdesk/,
    ],
    [
      3,
      'cdesk dial-stdio: no running Containerd Desktop at /run/x (ENOENT)\n',
      'no-app',
      /no running Containerd Desktop on r \(ssh:\/\/me@127.0.0.1:2222\)/,
      /Start it there/,
    ],
    [
      255,
      'ssh: connect to host 127.0.0.1 port 2222: Connection refused\r\n',
      'ssh-unreachable',
      /connection refused/,
      /sshd runs on 127.0.0.1 port 2222/,
    ],
    [
      255,
      'ssh: connect to host 10.1.1.1 port 22: Connection timed out\r\n',
      'ssh-unreachable',
      /cannot reach the host/,
      /network/,
    ],
    [
      255,
      'Connection to 127.0.0.1 closed by remote host.\r\n',
      'ssh-failed',
      /the SSH link to r \(ssh:\/\/me@127.0.0.1:2222\) closed \(ssh exited with code 255\): Connection to 127.0.0.1 closed by remote host./,
      /Check that the host is up/,
    ],
  ])('exit %i: %j', (code, stderr, errCode, message, hint) => {
    const e = classifySshEnd(t, exit(code), stderr);
    expect(e.code).toBe(errCode);
    expect(e.message).toMatch(message);
    expect(e.hint).toMatch(hint);
  });
  it('names the identity file when one was refused', () => {
    const e = classifySshEnd(
      target('ssh://me@box', '/k/id'),
      exit(255),
      'Permission denied (publickey).',
    );
    expect(e.message).toMatch(/refused the key \/k\/id/);
  });
});

describe('sshConnectFailure', () => {
  it.each([
    [
      'ssh: connect to host 127.0.0.1 port 2222: Connection refused\r\n',
      { host: '127.0.0.1', port: 2222, how: 'ECONNREFUSED' },
    ],
    [
      'ssh: connect to host vm.lan port 22: Connection timed out\r\n',
      { host: 'vm.lan', port: 22, how: 'ETIMEDOUT' },
    ],
    [
      'ssh: connect to host fe80::1%eth0 port 22: No route to host\n',
      { host: 'fe80::1%eth0', port: 22, how: 'EHOSTUNREACH' },
    ],
    [
      'ssh: connect to host 10.9.9.9 port 22: Network is unreachable\n',
      { host: '10.9.9.9', port: 22, how: 'ENETUNREACH' },
    ],
    // A ProxyJump whose jump host refuses: the inner ssh's line names the jump host.
    [
      'ssh: connect to host jump port 2200: Connection refused\r\nkex_exchange_identification: Connection closed by remote host\r\nConnection closed by UNKNOWN port 65535\r\n',
      { host: 'jump', port: 2200, how: 'ECONNREFUSED' },
    ],
    // TCP was open; the banner never came: not an address a connect can check.
    [
      'Connection timed out during banner exchange\r\nConnection to 10.1.1.1 port 22 timed out\r\n',
      null,
    ],
    ['ssh: Could not resolve hostname nowhere: Name or service not known\r\n', null],
    ['ssh: connect to host x port 99999: Connection refused\n', null],
  ])('%j', (stderr, failure) => {
    expect(sshConnectFailure(stderr)).toEqual(failure);
  });
  it('rides on the unreachable error, so the next attempt knows where ssh tried', () => {
    const e = classifySshEnd(
      target('ssh://me@box'),
      exit(255),
      'ssh: connect to host 10.0.0.7 port 22: Connection refused\r\n',
    );
    expect(e).toBeInstanceOf(SshUnreachableError);
    expect((e as SshUnreachableError).failure).toEqual({
      host: '10.0.0.7',
      port: 22,
      how: 'ECONNREFUSED',
    });
  });
});

describe('connectSsh', () => {
  it('gives up on a remote side that never answers the hello', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cd-ssh-'));
    try {
      // Stands in for ssh: reads nothing, answers nothing.
      const silent = join(dir, 'ssh');
      writeFileSync(silent, '#!/bin/sh\nexec sleep 30\n');
      chmodSync(silent, 0o755);
      await expect(
        connectSsh(target('ssh://me@box'), { ssh: silent, helloTimeoutMs: 300 }),
      ).rejects.toThrow(/r \(ssh:\/\/me@box\): no answer from cdesk dial-stdio within 0.3 s/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('says to install OpenSSH when there is no ssh', async () => {
    await expect(connectSsh(target('ssh://me@box'), { ssh: '/nonexistent/ssh' })).rejects.toThrow(
      /the ssh client is not installed/,
    );
  });
});
