// A host whose address refused ssh last time is checked with a TCP connect instead of another ssh
// process until the address accepts (or SSH_RECHECK_MS has passed): stand-ins for the decisions,
// then the real ssh client against a closed port on 127.0.0.1.
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseHostUrl, type SshTarget } from '../../../common/hosts';
import type { ControlClient } from '../../../main/control-socket/control-client';
import { SshUnreachableError, type SshConnectFailure } from '../../../main/control-socket/ssh-link';
import {
  createHostConnector,
  SSH_RECHECK_MS,
  tcpProbe,
  type TcpProbe,
} from '../../../main/hosts/connect-host';
import { AppError } from '../../../main/shared/app-error';

const target = (url: string): SshTarget => {
  const r = parseHostUrl(url, 'box');
  if (!r.ok) throw new Error(r.error);
  return r.target;
};
const refused: SshConnectFailure = { host: '10.0.0.7', port: 2222, how: 'ECONNREFUSED' };
const unreachable = (failure: SshConnectFailure | null) =>
  new SshUnreachableError('box: connection refused', 'check sshd', failure);
const client = { close: () => undefined } as unknown as ControlClient;

/** A connector over stand-ins: `results` are what each ssh attempt does, in order. */
function harness(
  results: (ControlClient | Error)[],
  probeAnswers: Awaited<ReturnType<TcpProbe>>[],
) {
  let clock = 1_000_000;
  const calls = { connect: 0, probes: [] as [string, number, number][] };
  const connect = createHostConnector({
    now: () => clock,
    probe: (host, port, ms) => {
      calls.probes.push([host, port, ms]);
      return Promise.resolve(probeAnswers.shift() ?? 'other');
    },
    connect: () => {
      calls.connect++;
      const r = results.shift();
      return r instanceof Error || r === undefined
        ? Promise.reject(r ?? new Error('no more results'))
        : Promise.resolve(r);
    },
  });
  return { connect, calls, advance: (ms: number) => (clock += ms) };
}

describe('createHostConnector', () => {
  const t = target('ssh://me@box');

  it('skips ssh while the address ssh could not reach still fails the same way', async () => {
    const first = unreachable(refused);
    const h = harness([first, client], ['ECONNREFUSED', 'ECONNREFUSED', 'accepted']);
    await expect(h.connect(t)).rejects.toBe(first);
    await expect(h.connect(t)).rejects.toBe(first);
    await expect(h.connect(t)).rejects.toBe(first);
    expect(h.calls.connect).toBe(1);
    expect(h.calls.probes).toEqual([
      ['10.0.0.7', 2222, 10_000],
      ['10.0.0.7', 2222, 10_000],
    ]);
    // The address accepts: ssh runs again, and its success forgets the address.
    await expect(h.connect(t)).resolves.toBe(client);
    expect(h.calls.connect).toBe(2);
  });

  it('runs ssh when the address fails another way (its own words, not the old ones)', async () => {
    const h = harness([unreachable(refused), unreachable(null)], ['ETIMEDOUT']);
    await expect(h.connect(t)).rejects.toThrow(SshUnreachableError);
    await h.connect(t).catch(() => undefined);
    expect(h.calls.connect).toBe(2);
  });

  it('runs ssh again after SSH_RECHECK_MS whatever the address says (an edited ~/.ssh/config)', async () => {
    const first = unreachable(refused);
    const h = harness([first, first, client], ['ECONNREFUSED']);
    await expect(h.connect(t)).rejects.toBe(first);
    h.advance(SSH_RECHECK_MS - 1);
    await expect(h.connect(t)).rejects.toBe(first);
    expect(h.calls.connect).toBe(1);
    h.advance(1);
    await expect(h.connect(t)).rejects.toBe(first);
    expect(h.calls.connect).toBe(2);
    expect(h.calls.probes).toHaveLength(1);
  });

  it('keeps each saved host apart, even two at one URL: an error names its own host', async () => {
    const mine = unreachable(refused);
    const theirs = unreachable(refused);
    const h = harness([mine, theirs], ['ECONNREFUSED', 'ECONNREFUSED']);
    const other = { ...t, label: 'box2' };
    await expect(h.connect(t)).rejects.toBe(mine);
    await expect(h.connect(other)).rejects.toBe(theirs);
    await expect(h.connect(t)).rejects.toBe(mine);
    await expect(h.connect(other)).rejects.toBe(theirs);
    expect(h.calls.connect).toBe(2);
  });

  it('remembers nothing for other failures: no address, a refused key, another host', async () => {
    const auth = new AppError('ssh-auth', 'refused every key', 'add your key');
    const h = harness([unreachable(null), auth, unreachable(refused), client], []);
    await h.connect(t).catch(() => undefined);
    await h.connect(t).catch(() => undefined);
    await h.connect(t).catch(() => undefined);
    expect(h.calls.probes).toHaveLength(0);
    // Another URL is another host: its first attempt runs ssh.
    await expect(h.connect(target('ssh://me@other'))).resolves.toBe(client);
    expect(h.calls.connect).toBe(4);
  });
});

describe('tcpProbe and the real ssh client', () => {
  const cleanups: (() => void)[] = [];
  afterEach(() => {
    for (const fn of cleanups.splice(0)) fn();
  });
  const listen = async (port = 0): Promise<Server> => {
    const server = createServer((s) => s.destroy());
    await new Promise<void>((res) => server.listen(port, '127.0.0.1', res));
    cleanups.push(() => server.close());
    return server;
  };
  /** A port nothing listens on (taken and given back). */
  const closedPort = async () => {
    const s = await listen();
    const { port } = s.address() as AddressInfo;
    await new Promise((res) => s.close(res));
    return port;
  };

  it('says accepted for a listening port and ECONNREFUSED for a closed one', async () => {
    const open = (await listen()).address() as AddressInfo;
    expect(await tcpProbe('127.0.0.1', open.port, 5000)).toBe('accepted');
    expect(await tcpProbe('127.0.0.1', await closedPort(), 5000)).toBe('ECONNREFUSED');
  });

  it('runs ssh once for a refusing port, then not until the port accepts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cd-reach-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const runs = join(dir, 'runs');
    writeFileSync(runs, '');
    const ssh = join(dir, 'ssh');
    writeFileSync(ssh, `#!/bin/sh\necho run >> '${runs}'\nexec ssh "$@"\n`);
    chmodSync(ssh, 0o755);
    const port = await closedPort();
    const connect = createHostConnector({ ssh, configFile: '/dev/null' });
    const t2 = target(`ssh://dev@127.0.0.1:${port}`);
    const count = () => readFileSync(runs, 'utf8').split('\n').filter(Boolean).length;

    const first = await connect(t2).catch((e: unknown) => e);
    expect(first).toBeInstanceOf(SshUnreachableError);
    expect((first as SshUnreachableError).failure).toEqual({
      host: '127.0.0.1',
      port,
      how: 'ECONNREFUSED',
    });
    expect((first as Error).message).toMatch(/connection refused/);
    expect(count()).toBe(1);
    await expect(connect(t2)).rejects.toBe(first);
    expect(count()).toBe(1);

    // Something listens there now (not sshd: the login fails another way); ssh runs again.
    await listen(port);
    const again = await connect(t2).catch((e: unknown) => e);
    expect(count()).toBe(2);
    expect(again).not.toBeInstanceOf(SshUnreachableError);
  });
});
