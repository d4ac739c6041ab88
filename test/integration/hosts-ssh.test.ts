// `cdesk -H` over real OpenSSH: a second app instance (its own containerd, state and runtime dirs,
// control socket) plays the remote host behind sshd on 127.0.0.1; the built CLI reaches it with the
// system's ssh running `cdesk dial-stdio` there.
import { execFile, execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startControlServer, type ControlServer } from '../../main/control-socket/control-server';
import { createService, type Service } from '../../main/service/service';
import { createSettingsStore } from '../../main/service/settings-store';
import { headlessInfo } from '../helpers/cli-io';
import { requireContainerd, until } from '../helpers/engine';
import { removeBuiltImage, startInside, type InsideFixture } from '../helpers/inside-fixture';
import { canRunContainers, ctr } from '../helpers/oci-image';
import { CDESK, ensureBuilt, waitFor } from '../helpers/serve';
import { requireSshd, startSshd, type Sshd } from '../helpers/sshd';
import {
  buildLayoutImage,
  canRunRegistry,
  registryManifest,
  startRegistry,
} from '../helpers/registry';
import { connectSsh } from '../../main/control-socket/ssh-link';
import { createHostLinks } from '../../main/hosts/host-links';
import { linkBadge } from '../../main/hosts/link-state';
import { parseHostUrl } from '../../common/hosts';

const have = requireContainerd() && requireSshd();
const can = canRunContainers();

let dir: string;
let remote: InsideFixture;
let service: Service;
let server: ControlServer;
let remoteSock: string;
let sshd: Sshd;
let env: NodeJS.ProcessEnv;
const c1 = `hosts-ssh-${process.pid}`;

beforeAll(async () => {
  if (!have || !can.ok) return;
  ensureBuilt();
  dir = mkdtempSync('/tmp/cdh-');
  // The remote instance: its control socket where `cdesk dial-stdio` looks by default under its
  // own XDG_RUNTIME_DIR (the wrapper sshd's sessions run sets it).
  const remoteRuntime = join(dir, 'remote-run');
  mkdirSync(remoteRuntime, { mode: 0o700 });
  remoteSock = join(remoteRuntime, 'containerd-desktop', 'control.sock');
  mkdirSync(join(remoteRuntime, 'containerd-desktop'), { mode: 0o700 });
  remote = await startInside();
  service = createService({
    engine: remote.engine,
    settings: createSettingsStore({ file: join(dir, 'remote-settings.json') }),
    info: headlessInfo,
    inside: remote.inside,
    logInfo: () => undefined,
  });
  server = await startControlServer({ path: remoteSock, service });
  ctr(remote.socket, 'default', ['run', '-d', remote.img.name, c1]);
  sshd = await startSshd({ XDG_RUNTIME_DIR: remoteRuntime });
  // This machine: its own config dir (hosts.json) and a runtime dir where no app listens.
  env = {
    ...process.env,
    XDG_CONFIG_HOME: join(dir, 'local-cfg'),
    XDG_RUNTIME_DIR: join(dir, 'local-run'),
    CDESK_SSH_CONFIG: sshd.clientConfig,
  };
  delete env.CDESK_HOST;
  const add = await cdesk(['host', 'add', 'r', sshd.url, '--identity', sshd.key]);
  if (add.code !== 0) throw new Error(`host add failed: ${add.stderr}`);
}, 120_000);

afterAll(async () => {
  if (!have || !can.ok) return;
  await sshd?.stop();
  await server?.close();
  service?.dispose();
  await remote?.dispose();
  removeBuiltImage();
  rmSync(dir, { recursive: true, force: true });
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function cdesk(
  args: string[],
  opts: { input?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [CDESK, ...args],
      { timeout: 60_000, env: opts.env ?? env },
      (_err, stdout, stderr) => resolve({ code: child.exitCode, stdout, stderr }),
    );
    child.stdin!.end(opts.input ?? '');
  });
}

describe.skipIf(!have || !can.ok)(
  'cdesk -H over real ssh (sshd on 127.0.0.1, a remote instance)',
  () => {
    it('-H r status, ps and logs answer from the remote instance', async () => {
      const status = await cdesk(['-H', 'r', 'status', '--json']);
      expect(status.stderr).toBe('');
      expect(status.code).toBe(0);
      const s = JSON.parse(status.stdout) as { state: string; pid: number };
      expect(s.state).toBe('running');
      expect(s.pid).toBe(remote.engine.status().pid);
      // Nothing listens locally: the answer can only have come over ssh.
      expect((await cdesk(['status'])).code).toBe(3);

      // `version` names the remote app and its containerd (the one `containerd --version` shows).
      const version = await cdesk(['-H', 'r', 'version']);
      expect(version.code).toBe(0);
      const installed = /containerd (\S+) (\S+) (\S+)/.exec(
        execFileSync('containerd', ['--version'], { encoding: 'utf8' }),
      )!;
      expect(version.stdout).toMatch(/^Client:\n Version: +\d+\.\d+\.\d+\n Protocol: +\d+\n/);
      expect(version.stdout).toContain('Server: Containerd Desktop (headless)');
      expect(version.stdout).toMatch(
        new RegExp(
          ` containerd: ${installed[2]!.replace(/^v/, '').replace(/\./g, '\\.')}.*, running\n`,
        ),
      );

      const ps = await cdesk(['-H', 'r', 'ps']);
      expect(ps.code).toBe(0);
      expect(ps.stdout).toMatch(new RegExp(`^${c1} +.*running`, 'm'));

      const args = ['daemon', 'logs', '-n', '3', '--grep', 'serving'];
      const overSsh = await cdesk(['-H', 'r', ...args]);
      const direct = await cdesk([...args, '--control', remoteSock]);
      expect(overSsh.code).toBe(0);
      expect(overSsh.stdout).toMatch(/serving/);
      expect(overSsh.stdout).toBe(direct.stdout);
    });

    it('-H takes a URL, sits after the command too, and CDESK_HOST does the same', async () => {
      const url = await cdesk(['-H', sshd.url, 'ps', '--json'], {
        env: { ...env, CDESK_SSH_CONFIG: sshd.clientConfig },
      });
      // No identity with a bare URL and the agent is off in the test config: refused, saying which.
      expect(url.code).toBe(1);
      expect(url.stderr).toMatch(/refused every key ssh offered/);
      const ids = (r: Run) =>
        (JSON.parse(r.stdout) as { containers: { id: string }[] }).containers.map((c) => c.id);
      const after = await cdesk(['ps', '-H', 'r', '--json']);
      expect(after.code).toBe(0);
      expect(ids(after)).toEqual([c1]);
      const viaEnv = await cdesk(['ps', '--json'], { env: { ...env, CDESK_HOST: 'r' } });
      expect(ids(viaEnv)).toEqual([c1]);
      // --control names this machine's socket and wins over the variable (no ssh session at all).
      const sessions = sshd.sessions().length;
      const local = await cdesk(['ps', '--json', '--control', remoteSock], {
        env: { ...env, CDESK_HOST: 'nope' },
      });
      expect(ids(local)).toEqual([c1]);
      expect(sshd.sessions().length).toBe(sessions);
      const both = await cdesk(['ps', '-H', 'r', '--control', remoteSock]);
      expect(both.code).toBe(2);
      expect(both.stderr).toMatch(/-H and --control both say where to connect/);
    });

    it('-H r exec runs in the remote container: exit code, stdout/stderr apart, stdin with -i', async () => {
      const r = await cdesk(['-H', 'r', 'exec', c1, 'sh', '-c', 'echo out; echo err >&2; exit 7']);
      expect(r).toEqual({ code: 7, stdout: 'out\n', stderr: 'err\n' });
      const cat = await cdesk(['exec', '-H', 'r', '-i', c1, 'cat'], { input: 'hi over ssh\n' });
      expect(cat).toEqual({ code: 0, stdout: 'hi over ssh\n', stderr: '' });
    });

    it('-H r pull pulls on the remote side, its progress coming back over the link', async () => {
      // The registry is installed wherever containers can run (.ci/run): its absence is a failure.
      const reg = canRunRegistry();
      if (!reg.ok) throw new Error(`-H pull needs ${reg.reason}`);
      const registry = await startRegistry();
      try {
        const img = buildLayoutImage(join(dir, 'img'), { randomLayers: 2, layerBytes: 256 * 1024 });
        registry.push(img.layout, 'x/remote:v1');
        const { digest } = await registryManifest(registry, 'x/remote', 'v1');
        const ns = `hosts-pull-${process.pid}`;
        const ref = `${registry.host}/x/remote:v1`;
        const r = await cdesk(['-H', 'r', 'pull', ref, '-n', ns, '--json']);
        expect(r.stderr).toBe('');
        expect(r.code).toBe(0);
        const lines = r.stdout
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l) as Record<string, unknown>);
        expect(lines.length).toBeGreaterThanOrEqual(4);
        expect(lines.at(-1)).toMatchObject({ status: 'pulled', image: ref, digest });
        // The image is in the remote instance's containerd.
        expect(ctr(remote.socket, ns, ['images', 'ls', '-q']).split('\n')).toContain(ref);
      } finally {
        await registry.stop();
      }
    });

    it('-H r run and logs: the container runs there and its output comes back', async () => {
      const name = `hosts-run-${process.pid}`;
      const run = await cdesk([
        '-H',
        'r',
        'run',
        '-d',
        '--name',
        name,
        remote.img.name,
        'sh',
        '-c',
        'echo hello from the remote; echo oops >&2',
      ]);
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      expect(ctr(remote.socket, 'default', ['containers', 'ls', '-q']).split('\n')).toContain(name);
      let logs = await cdesk(['-H', 'r', 'logs', name]);
      await waitFor(
        async () => {
          logs = await cdesk(['-H', 'r', 'logs', name]);
          return logs.stdout.includes('hello');
        },
        20_000,
        'the output',
      );
      expect(logs).toMatchObject({ code: 0, stdout: 'hello from the remote\n', stderr: 'oops\n' });
    });

    it('host ls shows local and r with their state, containerd state and latency', async () => {
      const ls = await cdesk(['host', 'ls', '--json']);
      expect(ls.code).toBe(0);
      const rows = JSON.parse(ls.stdout) as {
        name: string;
        state: string;
        containerd?: string;
        latencyMs?: number;
        error?: { code: string };
      }[];
      expect(rows[0]).toMatchObject({
        name: 'local',
        state: 'unreachable',
        error: { code: 'no-app' },
      });
      expect(rows[1]).toMatchObject({
        name: 'r',
        url: sshd.url,
        kind: 'app',
        state: 'reachable',
        containerd: 'running',
      });
      expect(rows[1]!.latencyMs).toBeGreaterThan(0);
      const text = await cdesk(['host', 'ls']);
      expect(text.stdout).toMatch(/^r +ssh:\/\/\S+ +app +reachable +running +[\d.]+ ms$/m);
    });

    it('an unknown host key is refused with what to run, and nothing is trusted', async () => {
      const before = readFileSync(sshd.emptyKnownHosts, 'utf8');
      const r = await cdesk(['-H', 'r', 'status'], {
        env: { ...env, CDESK_SSH_CONFIG: sshd.untrustingConfig },
      });
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/does not know this host's key yet, so it refused to connect/);
      expect(r.stderr).toContain(
        `hint: Run \`ssh -p ${sshd.port} -i ${sshd.key} ${sshd.user}@127.0.0.1\` once`,
      );
      expect(readFileSync(sshd.emptyKnownHosts, 'utf8')).toBe(before);
    });

    it('a refused key, a remote without cdesk and a closed port each say what to do', async () => {
      await cdesk(['host', 'add', 'stranger', sshd.url, '--identity', sshd.keyStranger]);
      await cdesk(['host', 'add', 'bare', sshd.url, '--identity', sshd.keyNoCdesk]);
      const refused = await cdesk(['-H', 'stranger', 'status']);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/the server refused the key .*id_stranger/);
      expect(refused.stderr).toMatch(/authorized_keys on 127.0.0.1/);
      const bare = await cdesk(['-H', 'bare', 'ps']);
      expect(bare.code).toBe(1);
      expect(bare.stderr).toMatch(/there is no cdesk on the remote side's PATH/);
      expect(bare.stderr).toMatch(/Install Containerd Desktop on 127.0.0.1/);
      const closed = await cdesk(['-H', `ssh://${sshd.user}@127.0.0.1:1`, 'status']);
      expect(closed.code).toBe(1);
      expect(closed.stderr).toMatch(/connection refused/);
      const unknown = await cdesk(['-H', 'nope', 'status']);
      expect(unknown.code).toBe(1);
      expect(unknown.stderr).toMatch(/no saved host named "nope" \(saved: r, stranger, bare\)/);
    });

    it('no app on the remote side: exit 3 with the remote message', async () => {
      await cdesk(['host', 'add', 'noapp', sshd.url, '--identity', sshd.key]);
      const r = await cdesk(['-H', 'noapp', 'status'], {
        env: { ...env, CDESK_SSH_CONFIG: sshd.clientConfig },
      });
      // Same remote, same socket: it answers. Stop listening to see the no-app path.
      expect(r.code).toBe(0);
      await server.close();
      try {
        const gone = await cdesk(['-H', 'noapp', 'status']);
        expect(gone.code).toBe(3);
        expect(gone.stderr).toMatch(
          /no running Containerd Desktop on noapp \(ssh:\/\/.*\): cdesk dial-stdio: no running Containerd Desktop at .*control\.sock/,
        );
      } finally {
        server = await startControlServer({ path: remoteSock, service });
      }
    });

    it('Ctrl-C at the terminal ends a follower over -H quietly and leaves no ssh behind', async () => {
      const before = new Set(sshd.sessions());
      // Its own process group, as a terminal's foreground job: SIGINT goes to the whole group.
      const child = spawn(
        process.execPath,
        [CDESK, '-H', 'r', 'daemon', 'logs', '-f', '--tail', '0'],
        {
          env,
          stdio: ['ignore', 'pipe', 'pipe'],
          detached: true,
        },
      );
      let stderr = '';
      child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      const exit = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
      await until(() => sshd.sessions().some((p) => !before.has(p)), 15_000, 'the ssh session');
      await new Promise((r) => setTimeout(r, 500));
      process.kill(-child.pid!, 'SIGINT');
      expect({ code: await exit, stderr }).toEqual({ code: 0, stderr: '' });
      await until(
        () => sshd.sessions().every((p) => before.has(p)),
        10_000,
        'the ssh session to end',
      );
    });

    it('killing the sshd session ends a follower with a clear error, not a hang', async () => {
      const before = new Set(sshd.sessions());
      const child = spawn(
        process.execPath,
        [CDESK, '-H', 'r', 'daemon', 'logs', '-f', '--tail', '0'],
        {
          env,
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let stderr = '';
      child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      const exit = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
      await until(() => sshd.sessions().some((p) => !before.has(p)), 15_000, 'the ssh session');
      // Let the follower subscribe before the link drops.
      await new Promise((r) => setTimeout(r, 500));
      for (const pid of sshd.sessions().filter((p) => !before.has(p))) process.kill(pid, 'SIGKILL');
      const code = await Promise.race([
        exit,
        new Promise<'hang'>((r) => setTimeout(() => r('hang'), 10_000)),
      ]);
      if (code === 'hang') child.kill('SIGKILL');
      expect(code).toBe(1);
      expect(stderr).toMatch(
        /the SSH link to r \(ssh:\/\/.*\) closed \(ssh exited with code 255\)/,
      );
    });

    it('a host link shows Unknown within 5 s of losing sshd, and comes back when sshd does', async () => {
      const parsed = parseHostUrl(sshd.url, 'r', sshd.key);
      if (!parsed.ok) throw new Error(parsed.error);
      const links = createHostLinks({
        connect: (t) => connectSsh(t, { env }),
        sampleEveryMs: 1000,
      });
      try {
        const before = new Set(sshd.sessions());
        links.set([parsed.target]);
        const badge = () => linkBadge(links.states().get('r')!);
        await until(() => badge().state === 'running', 20_000, 'r up');
        const seen = badge().lastSeen!;
        const session = sshd.sessions().filter((p) => !before.has(p));
        expect(session.length).toBeGreaterThan(0);
        // sshd goes away entirely: the listener, then the session.
        await sshd.stopListener();
        const killedAt = Date.now();
        for (const pid of session) process.kill(pid, 'SIGKILL');
        await until(() => badge().state === 'unknown', 5_000, 'r unknown');
        expect(Date.now() - killedAt).toBeLessThan(5_000);
        expect(badge().lastSeen).toBeGreaterThanOrEqual(seen);
        // Retries meet a closed port and say so; nothing turns green meanwhile.
        await until(
          () => links.states().get('r')!.error?.code === 'ssh-unreachable',
          10_000,
          'a refused retry',
        );
        expect(badge().state).toBe('unknown');
        await sshd.startListener();
        await until(() => badge().state === 'running', 30_000, 'r back');
        expect(badge().lastSeen).toBeGreaterThan(seen);
      } finally {
        links.dispose();
        if (!sshd.listening()) await sshd.startListener();
      }
    });
  },
);
