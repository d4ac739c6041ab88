// Agentless hosts over real OpenSSH: a bare containerd (no app on the "remote" side) whose socket the
// built CLI forwards with `ssh -N -L`; reading works, every change is refused, nothing is left behind.
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import type { AnyEvent } from '../../common/contract';
import { parseHostUrl } from '../../common/hosts';
import { connectAgentless } from '../../main/hosts/agentless';
import { alive, removeTree, requireContainerd, tempDir, until } from '../helpers/engine';
import { removeBuiltImage, startInside, type InsideFixture } from '../helpers/inside-fixture';
import { canRunContainers, ctr, ctrList, importImage } from '../helpers/oci-image';
import { CDESK, cdesk as runCdesk, ensureBuilt, startServe, waitFor } from '../helpers/serve';
import { connectControl } from '../../main/control-socket/control-client';
import type { HostView } from '../../common/hosts';
import { requireSshd, startSshd, type Sshd } from '../helpers/sshd';

const have = requireContainerd() && requireSshd();
const can = canRunContainers();

let dir: { dir: string; cleanup: () => void };
let bare: InsideFixture;
let sshd: Sshd;
let env: NodeJS.ProcessEnv;
let url: string;
let fwdRoot: string;
let untrusting: string;
const cDefault = `agentless-d-${process.pid}`;
const cK8s = `agentless-k-${process.pid}`;

const cdesk = (args: string[]) => runCdesk(args, 60_000, env);

/** What the forward could leave: its private folders, and ssh processes forwarding this socket. */
function leftovers(): { dirs: string[]; ssh: number[] } {
  let dirs: string[] = [];
  try {
    dirs = readdirSync(fwdRoot).filter((f) => f.startsWith('fwd-'));
  } catch {
    // never made: nothing left
  }
  return { dirs, ssh: sshForwarding(`:${bare.socket}`) };
}

/** Live ssh processes whose -L argument ends in `suffix`. */
function sshForwarding(suffix: string): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const argv = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0');
      if (argv[0]?.endsWith('ssh') && argv.some((a) => a.endsWith(suffix)) && alive(Number(name)))
        out.push(Number(name));
    } catch {
      // raced with an exit
    }
  }
  return out;
}

beforeAll(async () => {
  if (!have || !can.ok) return;
  ensureBuilt();
  dir = tempDir('cdal-');
  // The "node": a containerd with a container in default and one in k8s.io, no app serving it.
  bare = await startInside();
  importImage(bare.socket, 'k8s.io', bare.img);
  ctr(bare.socket, 'default', ['containers', 'create', bare.img.name, cDefault]);
  ctr(bare.socket, 'k8s.io', ['containers', 'create', bare.img.name, cK8s]);
  sshd = await startSshd({}, { streamLocalForwarding: true });
  // -H URL has no --identity: the key comes from the ssh config, as it would from ~/.ssh/config.
  const config = join(dir.dir, 'ssh_config');
  writeFileSync(config, `IdentityFile ${sshd.key}\n${readConfig(sshd.clientConfig)}`);
  untrusting = join(dir.dir, 'ssh_config_untrusting');
  writeFileSync(untrusting, `IdentityFile ${sshd.key}\n${readConfig(sshd.untrustingConfig)}`);
  fwdRoot = join(dir.dir, 'run', 'containerd-desktop');
  env = {
    ...process.env,
    XDG_CONFIG_HOME: join(dir.dir, 'cfg'),
    XDG_RUNTIME_DIR: join(dir.dir, 'run'),
    CDESK_SSH_CONFIG: config,
  };
  delete env.CDESK_HOST;
  url = `${sshd.url}${bare.socket}`;
}, 120_000);

function readConfig(file: string): string {
  return readFileSync(file, 'utf8');
}

afterAll(async () => {
  if (!have || !can.ok) return;
  await sshd?.stop();
  await bare?.dispose();
  removeBuiltImage();
  if (dir) removeTree(dir.dir);
});

describe.runIf(have && can.ok)('cdesk -H ssh://user@host/SOCKET (agentless)', () => {
  it('ps -a lists the node containers, in k8s.io by default there, and leaves nothing behind', async () => {
    const k8s = await cdesk(['-H', url, 'ps', '-a']);
    expect(k8s.stderr).toBe('');
    expect(k8s.code).toBe(0);
    expect(k8s.stdout).toContain(cK8s);
    expect(k8s.stdout).not.toContain(cDefault);

    const def = await cdesk(['-H', url, 'ps', '-a', '-n', 'default', '--json']);
    expect(def.code).toBe(0);
    const v = JSON.parse(def.stdout) as { namespace: string; containers: { id: string }[] };
    expect(v.namespace).toBe('default');
    expect(v.containers.map((c) => c.id)).toContain(cDefault);
    expect(leftovers()).toEqual({ dirs: [], ssh: [] });
  });

  it('images lists the image; status and plugins answer from containerd itself', async () => {
    const images = await cdesk(['-H', url, 'images', '-n', 'default']);
    expect(images.code).toBe(0);
    expect(images.stdout).toContain(bare.img.name);

    const status = await cdesk(['-H', url, 'status', '--json']);
    expect(status.code).toBe(0);
    const s = JSON.parse(status.stdout) as {
      state: string;
      version: { version: string } | null;
      containers: { total: number };
      paths: { socket: string };
    };
    expect(s.state).toBe('running');
    expect(s.version?.version).toMatch(/\d+\.\d+/);
    expect(s.containers.total).toBeGreaterThanOrEqual(2);
    expect(s.paths.socket).toBe(bare.socket);

    const plugins = await cdesk(['-H', url, 'plugins']);
    expect(plugins.code).toBe(0);
    expect(plugins.stdout).toContain('overlayfs');
    expect(leftovers()).toEqual({ dirs: [], ssh: [] });
  });

  it('refuses a change with exit 1 and the read-only reason, and changes nothing', async () => {
    const rm = await cdesk(['-H', url, 'rm', '-n', 'default', cDefault]);
    expect(rm.code).toBe(1);
    expect(rm.stderr).toMatch(/read-only \(agentless/);
    expect(rm.stderr).toMatch(/hint: Install Containerd Desktop on 127\.0\.0\.1/);
    expect(ctrList(bare.socket, 'default', 'containers')).toContain(cDefault);

    const stop = await cdesk(['-H', url, 'daemon', 'stop']);
    expect(stop.code).toBe(1);
    expect(stop.stderr).toMatch(/read-only/);
    expect(bare.engine.status().state).toBe('running');

    // run and exec (their own local bundle) answer the same, whether -H comes first or from the
    // environment, and start nothing there.
    for (const [args, extra] of [
      [['-H', url, 'run', '-d', bare.img.name, 'true'], {}],
      [['run', '-d', bare.img.name, 'true'], { CDESK_HOST: url }],
      [['exec', cDefault, 'true'], { CDESK_HOST: url }],
    ] as const) {
      const r = await runCdesk([...args], 60_000, { ...env, ...extra });
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toMatch(/read-only \(agentless/);
    }
    expect(ctrList(bare.socket, 'default', 'containers')).toEqual([cDefault]);
    expect(leftovers()).toEqual({ dirs: [], ssh: [] });
  });

  it('a saved agentless host shows as such in host ls and works by name', async () => {
    const add = await cdesk(['host', 'add', 'node', url, '--identity', sshd.key]);
    expect(add.code).toBe(0);
    const ls = await cdesk(['host', 'ls']);
    expect(ls.stdout).toMatch(/node +ssh:\/\/\S+ +agentless \(read-only\) +reachable +running/);
    const ps = await cdesk(['-H', 'node', 'ps', '-a']);
    expect(ps.code).toBe(0);
    expect(ps.stdout).toContain(cK8s);
    expect(leftovers()).toEqual({ dirs: [], ssh: [] });
  });

  it('events follows the node live; Ctrl-C at the terminal ends it and the forward quietly', async () => {
    // Its own process group, as a terminal's foreground job: SIGINT reaches cdesk and its ssh.
    const child = spawn(process.execPath, [CDESK, '-H', url, 'events', '-n', 'default'], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    const exit = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    onTestFinished(() => {
      if (child.exitCode === null) process.kill(-child.pid!, 'SIGKILL');
    });
    await until(() => err.includes('watching namespace default'), 20_000, 'events to start');
    // No "subscribed" signal from containerd: one of a few creates must show.
    const line = (id: string) => new RegExp(`  default  /containers/create  container=${id}[ \n]`);
    let id = '';
    for (let i = 0; i < 5 && !(id && line(id).test(out)); i++) {
      if (id) ctr(bare.socket, 'default', ['containers', 'rm', id]);
      id = `agentless-cli-ev-${process.pid}-${i}`;
      ctr(bare.socket, 'default', ['containers', 'create', bare.img.name, id]);
      await until(() => line(id).test(out), 2_000, 'the event line').catch(() => undefined);
    }
    expect(out).toMatch(line(id));
    process.kill(-child.pid!, 'SIGINT');
    expect(await exit).toBe(0);
    expect(err).not.toMatch(/closed|error/i);
    await until(() => leftovers().ssh.length === 0, 5_000, 'ssh to exit');
    expect(leftovers()).toEqual({ dirs: [], ssh: [] });
    ctr(bare.socket, 'default', ['containers', 'rm', id]);
  });

  it('an unknown host key is refused with what to run, and nothing is left', async () => {
    const r = await runCdesk(['-H', url, 'ps'], 60_000, {
      ...env,
      CDESK_SSH_CONFIG: untrusting,
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/ssh does not know this host's key yet, so it refused to connect/);
    expect(leftovers()).toEqual({ dirs: [], ssh: [] });
  });

  it('a wrong socket path is a clear error naming it', async () => {
    const missing = '/run/no-such-containerd/containerd.sock';
    const r = await cdesk(['-H', `${sshd.url}${missing}`, 'ps']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`there is no containerd socket at ${missing} on 127.0.0.1`);
    expect(r.stderr).toMatch(/hint: Check where containerd listens there/);
    expect(leftovers().dirs).toEqual([]);

    const ttrpc = await cdesk(['-H', `${url}.ttrpc`, 'ps']);
    expect(ttrpc.code).toBe(1);
    expect(ttrpc.stderr).toContain(
      `${bare.socket}.ttrpc on 127.0.0.1 did not answer as containerd's gRPC API`,
    );
    expect(leftovers().dirs).toEqual([]);
  });
});

describe.runIf(have && can.ok)('connectAgentless (in process)', () => {
  it('streams containerd events and answers the read commands; close removes ssh and the socket', async () => {
    const r = parseHostUrl(url, 'node', sshd.key);
    if (!r.ok) throw new Error(r.error);
    const client = await connectAgentless(r.target, { env, batchMs: 5 });
    const seen: AnyEvent[] = [];
    await client.events((e) => seen.push(e));
    // containerd never says when a subscription is live (and nothing is published to find out):
    // the first create may come before it; one of a few must arrive.
    const created = (id: string) =>
      seen.some(
        (e) =>
          e.event === 'containerd:events' &&
          e.payload.events.some((x) => x.topic === '/containers/create' && x.containerId === id),
      );
    let id = '';
    for (let i = 0; i < 5 && !(id && created(id)); i++) {
      if (id) ctr(bare.socket, 'default', ['containers', 'rm', id]);
      id = `agentless-ev-${process.pid}-${i}`;
      ctr(bare.socket, 'default', ['containers', 'create', bare.img.name, id]);
      await until(() => created(id), 2_000, 'the /containers/create event').catch(() => undefined);
    }
    expect(created(id)).toBe(true);
    const ns = await client.invoke('namespaces:list', {});
    expect(ns.ok && ns.value.namespaces.map((n) => n.name)).toEqual(
      expect.arrayContaining(['default', 'k8s.io']),
    );
    const inspect = await client.invoke('container:inspect', { namespace: 'default', id });
    expect(inspect.ok && inspect.value.image).toBe(bare.img.name);
    const del = await client.invoke('container:delete', { namespace: 'default', id });
    expect(del.ok ? null : del.error.code).toBe('host-read-only');
    const exec = client.openStream('exec:start', {}, () => undefined);
    expect(((await exec.result) as { ok: boolean }).ok).toBe(false);
    expect(client.readOnly).toMatch(/only reading works there/);

    const closed = new Promise((resolve) => client.onClose(resolve));
    client.close();
    await closed;
    await until(() => leftovers().ssh.length === 0, 5_000, 'ssh to exit');
    expect(leftovers()).toEqual({ dirs: [], ssh: [] });
    ctr(bare.socket, 'default', ['containers', 'rm', id]);
  });

  it('ends the client with a clear error when ssh goes away', async () => {
    const r = parseHostUrl(url, 'node', sshd.key);
    if (!r.ok) throw new Error(r.error);
    const client = await connectAgentless(r.target, { env });
    const ended = new Promise<{ code: string; message: string }>((resolve) =>
      client.onClose(resolve),
    );
    for (const pid of leftovers().ssh) process.kill(pid, 'SIGKILL');
    const err = await ended;
    expect(err.code).toBe('ssh-failed');
    expect(err.message).toMatch(/SSH link to node/);
    const after = await client.invoke('daemon:status', {});
    expect(after.ok).toBe(false);
    await until(() => leftovers().dirs.length === 0, 5_000, 'the forward folder to go');
  });

  it('ends the client when containerd goes away under a live link', async () => {
    const r = parseHostUrl(url, 'node', sshd.key);
    if (!r.ok) throw new Error(r.error);
    const client = await connectAgentless(r.target, { env });
    const ended = new Promise<{ code: string; message: string }>((resolve) =>
      client.onClose(resolve),
    );
    const restarted = await bare.engine.restart();
    expect(restarted.state).toBe('running');
    const err = await ended;
    expect(err.code).toBe('containerd-api-unavailable');
    expect(err.message).toContain(`stopped answering at ${bare.socket}`);
    await until(() => leftovers().ssh.length === 0, 5_000, 'ssh to exit');
    expect(leftovers()).toEqual({ dirs: [], ssh: [] });
  });
});

describe.runIf(have && can.ok)('the app with an agentless host saved', () => {
  it('lists it read-only and running, reads its k8s.io containers, refuses a change', async () => {
    const cfg = join(dir.dir, 'app-cfg', 'containerd-desktop');
    mkdirSync(cfg, { recursive: true, mode: 0o700 });
    writeFileSync(
      join(cfg, 'hosts.json'),
      JSON.stringify({ version: 1, hosts: [{ name: 'node', url, identity: sshd.key }] }),
    );
    const serve = await startServe({
      env: { ...env, XDG_CONFIG_HOME: join(dir.dir, 'app-cfg') },
      prefix: '/tmp/cdals-',
    });
    const client = await connectControl(serve.control);
    try {
      let row: HostView | undefined;
      await waitFor(
        async () => {
          const r = await client.invoke('hosts:list', {});
          row = r.ok ? r.value.hosts.find((h) => h.name === 'node') : undefined;
          return row?.state === 'running';
        },
        30_000,
        'node running',
      );
      expect(row).toMatchObject({ kind: 'agentless', phase: 'up', error: null });
      expect(row!.readOnly).toContain('only reading works there');
      const listed = await client.invoke('hosts:invoke', {
        host: 'node',
        cmd: 'containers:list',
        payload: { namespace: 'k8s.io' },
      });
      expect(listed.ok).toBe(true);
      const ids = listed.ok ? (listed.value as { containers: { id: string }[] }).containers : [];
      expect(ids.map((c) => c.id)).toContain(cK8s);
      const refused = await client.invoke('hosts:invoke', {
        host: 'node',
        cmd: 'container:delete',
        payload: { namespace: 'k8s.io', id: cK8s },
      });
      expect(refused).toMatchObject({ ok: false, error: { code: 'host-read-only' } });
      expect(ctrList(bare.socket, 'k8s.io', 'containers')).toContain(cK8s);
    } finally {
      client.close();
      await serve.stop();
      serve.cleanup();
    }
    // The app's forward went with it.
    await until(() => sshForwarding(`:${bare.socket}`).length === 0, 10_000, 'no ssh forward left');
  }, 90_000);
});
