// Agentless hosts' pure parts: the socket path in the URL, the read-only answer to every command,
// ssh's argv for the forward, and what each way of failing tells the user.
import { execFileSync, spawn } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { COMMAND_NAMES } from '../../../common/contract';
import {
  AGENTLESS_READ_COMMANDS,
  agentlessReads,
  hostKindOf,
  MAX_SOCKET_PATH_BYTES,
  parseHostUrl,
  preferredNamespace,
  socketPathProblem,
  type SshTarget,
} from '../../../common/hosts';
import { hostsFileProblem } from '../../../common/hosts-schema';
import { answerReadOnly, readOnlyError } from '../../../main/hosts/agentless';
import {
  classifyForwardEnd,
  classifySocketProbe,
  forwardArgv,
  PROBE,
  socketProbeCommand,
  orphanedSsh,
  sweepStale,
} from '../../../main/hosts/agentless-forward';
import { MAX_SSH_STDERR_BYTES, stderrTail } from '../../../main/control-socket/ssh-link';
import type { ControlClient } from '../../../main/control-socket/control-client';
import { namespaceOn } from '../../../main/cli/inside-format';

const SOCK = '/run/containerd/containerd.sock';
const target = (over: Partial<SshTarget> = {}): SshTarget => ({
  label: 'node1',
  url: `ssh://kube@node1${SOCK}`,
  user: 'kube',
  host: 'node1',
  socket: SOCK,
  ...over,
});
const exit = (code: number | null, signal: NodeJS.Signals | null = null) => ({ code, signal });

describe('the socket path in a host URL', () => {
  it.each([
    SOCK,
    '/run/k3s/containerd/containerd.sock',
    '/var/snap/microk8s/common/run/containerd.sock',
    `/${'a'.repeat(MAX_SOCKET_PATH_BYTES - 1)}`,
  ])('takes %s', (path) => {
    expect(socketPathProblem(path)).toBeNull();
    const r = parseHostUrl(`ssh://me@node${path}`);
    expect(r.ok && r.target.socket).toBe(path);
  });

  it.each([
    ['run/containerd.sock', /is not absolute: give an absolute path such as \/run\/containerd/],
    ['/run/../etc/x.sock', /is not normalized \(no "\/\/", "\." or "\.\." parts/],
    ['/run//x.sock', /is not normalized/],
    ['/run/./x.sock', /is not normalized/],
    ['/run/containerd/', /is not normalized.*no trailing "\/"/],
    [`/${'a'.repeat(MAX_SOCKET_PATH_BYTES)}`, /is 101 bytes, longer than a unix socket path/],
    ['/run/x%20y.sock', /has characters other than letters, digits and \. _ - \//],
    ['/run/a:b.sock', /has characters other than/],
  ])('refuses %s, saying why and the form', (path, why) => {
    expect(socketPathProblem(path)).toMatch(why);
  });

  it.each([
    ['ssh://me@node/run/x.sock?mode=ro', /has a query, fragment or spaces/],
    ['ssh://me@node/run/x.sock#a', /has a query, fragment or spaces/],
    ['ssh://me@node/run/../x.sock', /is not normalized/],
    [`ssh://me@node/${'a'.repeat(200)}`, /longer than a unix socket path/],
  ])('parseHostUrl refuses %s with the URL form', (url, why) => {
    const r = parseHostUrl(url);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error).toMatch(why);
      expect(r.error).toMatch(
        /the form is ssh:\/\/user@host\[:port\]\[\/path\/to\/containerd\.sock\]/,
      );
    }
  });

  it('a lone trailing slash names no socket: the host runs the app', () => {
    const r = parseHostUrl('ssh://me@node/');
    expect(r.ok && r.target.socket).toBeUndefined();
    expect(hostKindOf('ssh://me@node/')).toBe('app');
    expect(hostKindOf(`ssh://me@node${SOCK}`)).toBe('agentless');
  });

  it('the hosts file takes an agentless URL and names the field of a bad one', () => {
    const file = (url: string) => ({ version: 1, hosts: [{ name: 'n', url }] });
    expect(hostsFileProblem(file(`ssh://me@node${SOCK}`))).toBeNull();
    expect(hostsFileProblem(file('ssh://me@node/run/../x'))).toMatch(
      /^hosts\[0\]\.url: the socket path "\/run\/\.\.\/x" is not normalized/,
    );
  });
});

describe('the read-only answer', () => {
  const t = target();
  const never = new Proxy(
    {},
    {
      get: () => () => {
        throw new Error('a handler ran for a refused command');
      },
    },
  ) as Parameters<typeof answerReadOnly>[1];

  it('lists only contract commands, none of which changes anything', () => {
    for (const c of AGENTLESS_READ_COMMANDS) expect(COMMAND_NAMES).toContain(c);
    for (const c of [
      'daemon:start',
      'daemon:stop',
      'daemon:restart',
      'settings:set',
      'task:stop',
      'task:kill',
      'container:delete',
      'container:run',
      'container:start',
      'image:delete',
      'image:pull',
      'image:load',
      'image:save',
      'system:prune',
    ])
      expect(agentlessReads(c)).toBe(false);
  });

  // From the contract's own list: a command added later is refused until it is put on the read list.
  const refused = COMMAND_NAMES.filter((c) => !agentlessReads(c));
  it.each(refused)(
    'refuses %s with host-read-only, naming the host and what to install',
    async (cmd) => {
      const r = await answerReadOnly(t, never, cmd, {});
      expect(r.ok).toBe(false);
      if (r.ok) return;
      expect(r.error.code).toBe('host-read-only');
      expect(r.error.message).toContain(
        'node1 (ssh://kube@node1/run/containerd/containerd.sock) is read-only',
      );
      expect(r.error.hint).toMatch(
        /^Install Containerd Desktop on node1 and reach it as ssh:\/\/kube@node1 \(no socket path\)/,
      );
    },
  );

  it('validates a read command payload before reading', async () => {
    const r = await answerReadOnly(t, never, 'containers:list', { namespace: '../x' });
    expect(r.ok ? null : r.error.code).toBe('bad-payload');
  });

  it('answers a read command from its handler, and an unknown command as the app does', async () => {
    const handlers = {
      'namespaces:list': async () => ({ namespaces: [] }),
    } as unknown as Parameters<typeof answerReadOnly>[1];
    expect(await answerReadOnly(t, handlers, 'namespaces:list', {})).toEqual({
      ok: true,
      value: { namespaces: [] },
    });
    const u = await answerReadOnly(t, handlers, 'nope:nope', {});
    expect(u.ok ? null : u.error.code).toBe('unknown-command');
  });

  it('says container logs are files there, with the port in the hint when there is one', () => {
    const e = readOnlyError(target({ port: 2222 }), 'container:logs');
    expect(e.message).toMatch(
      /container logs are files on node1, which its containerd socket does not serve/,
    );
    expect(e.hint).toContain('ssh://kube@node1:2222 (no socket path)');
    expect(e.hint).toContain('ssh -p 2222 kube@node1 ctr -n k8s.io');
  });
});

describe('the namespace shown first', () => {
  it.each([
    [['default', 'k8s.io'], 'agentless', 'k8s.io'],
    [[{ name: 'k8s.io' }, { name: 'moby' }], 'agentless', 'k8s.io'],
    [['default', 'moby'], 'agentless', 'default'],
    [['default', 'k8s.io'], 'app', 'default'],
    [[], 'local', 'default'],
  ] as const)('%j on %s → %s', (list, kind, want) => {
    expect(preferredNamespace(list, kind)).toBe(want);
  });
});

describe('ssh for the forward', () => {
  it('forwards the socket with the user config, BatchMode and host-key checks left alone', () => {
    const argv = forwardArgv(
      target({ port: 2222, identity: '/k/id' }),
      '/run/u/fwd-1/c.sock',
      '/cfg',
    );
    expect(argv.slice(0, 2)).toEqual(['-F', '/cfg']);
    expect(argv).toEqual(
      expect.arrayContaining([
        '-N',
        'ExitOnForwardFailure=yes',
        'StreamLocalBindUnlink=yes',
        'BatchMode=yes',
      ]),
    );
    expect(argv[argv.indexOf('-L') + 1]).toBe(`/run/u/fwd-1/c.sock:${SOCK}`);
    expect(argv.slice(-2)).toEqual(['--', 'node1']);
    expect(argv.join(' ')).not.toMatch(/StrictHostKeyChecking|UserKnownHostsFile/);
  });

  it.each([
    ['Host key verification failed.', 'ssh-host-key', /does not know this host's key/],
    ['kube@node1: Permission denied (publickey).', 'ssh-auth', /refused every key/],
    [
      'ssh: connect to host node1 port 22: Connection refused',
      'ssh-unreachable',
      /connection refused/,
    ],
    [
      'unix_listener: cannot bind to path /run/u/fwd-1/c.sock: No such file or directory\nCould not request local forwarding.',
      'ssh-failed',
      /could not create the local end of the socket forward/,
    ],
    [
      'channel 1: open failed: administratively prohibited: open failed',
      'host-socket',
      /refused to forward the socket \/run\/containerd/,
    ],
    ['', 'ssh-failed', /closed \(ssh exited with code 255\)/],
  ])('ssh ending with %j is %s', (stderr, code, message) => {
    const e = classifyForwardEnd(target(), exit(255), stderr);
    expect(e.code).toBe(code);
    expect(e.message).toMatch(message);
  });
});

describe('why the remote socket could not be opened', () => {
  const t = target();
  it('names a missing socket and where containerd may listen', () => {
    const e = classifySocketProbe(t, { code: PROBE.missing, out: '' });
    expect(e.code).toBe('host-socket');
    expect(e.message).toBe(`node1 (${t.url}): there is no containerd socket at ${SOCK} on node1`);
    expect(e.hint).toMatch(/\[grpc\] address.*k3s/);
  });

  it('names no access, without sudo, with the group the socket has', () => {
    const e = classifySocketProbe(t, {
      code: PROBE.denied,
      out: `srw-rw---- 1 root docker 0 Dec  7 11:00 ${SOCK}\n`,
    });
    expect(e.message).toMatch(
      /kube may not open containerd's socket \/run\/containerd\/containerd\.sock on node1 \(srw-rw---- 1 root docker/,
    );
    expect(e.hint).toMatch(/^cdesk does not use sudo: give kube read and write access/);
    expect(e.hint).toContain('usermod -aG docker kube');
  });

  it('blames sshd when the socket is usable, and names all three causes when the check could not run', () => {
    expect(classifySocketProbe(t, { code: PROBE.usable, out: '' }).hint).toMatch(
      /AllowStreamLocalForwarding and AllowTcpForwarding/,
    );
    expect(classifySocketProbe(t, { code: PROBE.notSocket, out: '' }).message).toMatch(
      /is not a socket/,
    );
    const unknown = classifySocketProbe(t, null);
    expect(unknown.message).toMatch(/ssh could not open the containerd socket/);
    expect(unknown.hint).toMatch(
      /no socket at that path.*may not open it.*AllowStreamLocalForwarding/,
    );
  });

  describe('the remote check, run by a real shell', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cd-probe-'));
    const sock = join(dir, 's.sock');
    const server = net.createServer().listen(sock);
    writeFileSync(join(dir, 'file'), '');
    afterAll(() => {
      server.close();
      rmSync(dir, { recursive: true, force: true });
    });
    const run = (path: string, argv: string[] = []) =>
      new Promise<number | null>((resolve) => {
        const [cmd, ...pre] = argv.length ? argv : ['sh'];
        const c = spawn(cmd!, [...pre, '-c', socketProbeCommand(path)], { stdio: 'ignore' });
        c.on('close', resolve);
      });

    it('tells a missing path, a file and a socket apart', async () => {
      expect(await run(join(dir, 'none.sock'))).toBe(PROBE.missing);
      expect(await run(join(dir, 'file'))).toBe(PROBE.notSocket);
      expect(await run(sock)).toBe(PROBE.usable);
    });

    it.runIf(process.getuid?.() === 0 && existsSync('/usr/sbin/runuser'))(
      'tells a socket another user may not open',
      async () => {
        execFileSync('chmod', ['755', dir]);
        execFileSync('chmod', ['600', sock]);
        expect(await run(sock, ['/usr/sbin/runuser', '-u', 'nobody', '--', 'sh'])).toBe(
          PROBE.denied,
        );
      },
    );
  });
});

describe('ssh stderr', () => {
  it('keeps only the last bytes of what ssh prints', async () => {
    const child = spawn(process.execPath, [
      '-e',
      "process.stderr.write('x'.repeat(200000)); process.stderr.write('\\nthe last line')",
    ]);
    const tail = stderrTail(child);
    await new Promise((r) => child.on('close', r));
    expect(Buffer.byteLength(tail())).toBeLessThanOrEqual(MAX_SSH_STDERR_BYTES);
    expect(tail().endsWith('\nthe last line')).toBe(true);
  });
});

describe('forward folders left by a killed process', () => {
  it('go when old and silent; a live forward and one being set up stay', async () => {
    const base = mkdtempSync(join(tmpdir(), 'cd-sweep-'));
    const make = (name: string, ageMs: number) => {
      const d = join(base, name);
      mkdirSync(d, { mode: 0o700 });
      const t = (Date.now() - ageMs) / 1000;
      return { d, age: () => utimesSync(d, t, t) };
    };
    const dead = make('fwd-dead', 120_000);
    writeFileSync(join(dead.d, 'c.sock'), '');
    dead.age();
    const live = make('fwd-live', 120_000);
    const server = net.createServer().listen(join(live.d, 'c.sock'));
    await new Promise((r) => server.once('listening', r));
    live.age();
    make('fwd-young', 1_000).age();
    make('other', 120_000).age();
    try {
      await sweepStale(base);
      expect(readdirSync(base).sort()).toEqual(['fwd-live', 'fwd-young', 'other']);
    } finally {
      server.close();
      rmSync(base, { recursive: true, force: true });
    }
  });
});

describe('an ssh left forwarding by an owner that was killed', () => {
  // A stand-in for `ssh -N -L SOCK:REMOTE`: argv names the folder's socket, and it answers there.
  const fakeSsh = (dir: string, detached: boolean) => {
    const sock = join(dir, 'c.sock');
    const child = spawn(
      process.execPath,
      [
        '-e',
        'require("net").createServer().listen(process.argv[1])',
        '--',
        sock,
        '-L',
        `${sock}:/run/containerd/containerd.sock`,
      ],
      { stdio: 'ignore', detached },
    );
    return child;
  };
  const listening = async (sock: string) => {
    for (let i = 0; i < 200; i++) {
      const ok = await new Promise<boolean>((resolve) => {
        const s = net.connect(sock, () => {
          s.destroy();
          resolve(true);
        });
        s.once('error', () => resolve(false));
      });
      if (ok) return;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(`${sock} never answered`);
  };
  const exited = (pid: number) => {
    try {
      process.kill(pid, 0);
      return readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z ');
    } catch {
      return true;
    }
  };

  it('is ended and its folder removed; the forward of a live owner stays', async () => {
    const base = mkdtempSync(join(tmpdir(), 'cd-orphan-'));
    const folder = (name: string) => {
      const d = join(base, name);
      mkdirSync(d, { mode: 0o700 });
      return d;
    };
    const orphanDir = folder('fwd-orphan');
    const liveDir = folder('fwd-live');
    const orphan = fakeSsh(orphanDir, true);
    const live = fakeSsh(liveDir, false);
    try {
      // The orphan's recorded owner is not its parent (as after the owner died and init took it).
      writeFileSync(join(orphanDir, 'ssh.pids'), `${orphan.pid} ${2 ** 22 + 1}\n`);
      writeFileSync(join(liveDir, 'ssh.pids'), `${live.pid} ${process.pid}\n`);
      await listening(join(orphanDir, 'c.sock'));
      await listening(join(liveDir, 'c.sock'));
      expect(orphanedSsh(orphanDir)).toBe(orphan.pid);
      expect(orphanedSsh(liveDir)).toBeNull();
      await sweepStale(base, Date.now() + 120_000);
      for (let i = 0; i < 200 && !exited(orphan.pid!); i++)
        await new Promise((r) => setTimeout(r, 25));
      expect(exited(orphan.pid!)).toBe(true);
      expect(exited(live.pid!)).toBe(false);
      expect(readdirSync(base)).toEqual(['fwd-live']);
    } finally {
      orphan.kill();
      live.kill();
      rmSync(base, { recursive: true, force: true });
    }
  });

  it('is never a process whose argv does not forward to that folder', async () => {
    const base = mkdtempSync(join(tmpdir(), 'cd-orphan-'));
    const dir = join(base, 'fwd-x');
    mkdirSync(dir, { mode: 0o700 });
    const other = spawn('sleep', ['30'], { stdio: 'ignore', detached: true });
    try {
      writeFileSync(join(dir, 'ssh.pids'), `${other.pid} ${2 ** 22 + 1}\n`);
      expect(orphanedSsh(dir)).toBeNull();
      writeFileSync(join(dir, 'ssh.pids'), 'not pids');
      expect(orphanedSsh(dir)).toBeNull();
      await sweepStale(base, Date.now() + 120_000);
      expect(exited(other.pid!)).toBe(false);
    } finally {
      other.kill();
      rmSync(base, { recursive: true, force: true });
    }
  });
});

describe('the CLI namespace without -n', () => {
  const client = (readOnly: string | undefined, names: string[]) => {
    const asked: string[] = [];
    const c = {
      readOnly,
      invoke: async (name: string) => {
        asked.push(name);
        return { ok: true, value: { namespaces: names.map((n) => ({ name: n })) } };
      },
    } as unknown as ControlClient;
    return { c, asked };
  };

  it('is k8s.io on an agentless host that has it, default on one that does not', async () => {
    expect(await namespaceOn({}, client('read-only', ['default', 'k8s.io']).c)).toBe('k8s.io');
    expect(await namespaceOn({}, client('read-only', ['default']).c)).toBe('default');
  });

  it('is what -n says, and default on an app host without asking it', async () => {
    const agentless = client('read-only', ['k8s.io']);
    expect(await namespaceOn({ namespace: 'moby' }, agentless.c)).toBe('moby');
    const app = client(undefined, ['k8s.io']);
    expect(await namespaceOn({}, app.c)).toBe('default');
    expect([...agentless.asked, ...app.asked]).toEqual([]);
  });
});
