// Container networks against a real containerd and Debian's CNI plugins: the default bridge with a
// published port that answers, --net none, nothing left after rm or a containerd restart, bad input.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { bridgeNetworkFor } from '../../main/containerd/cni';
import { detachNetwork } from '../../main/containerd/container-network';
import { requireContainerd, until } from '../helpers/engine';
import { removeBuiltImage, startInside, type InsideFixture } from '../helpers/inside-fixture';
import { canRunContainers, ctr, ctrList, ctrTasks } from '../helpers/oci-image';

const have = requireContainerd();
const can = canRunContainers();
if (have && !can.ok) console.warn(`skipping container network tests: ${can.reason}`);

let f: InsideFixture | null = null;
let seq = 0;
const uid = () => `net-${process.pid}-${++seq}`;

afterEach(async () => {
  await f?.dispose();
  f = null;
});
afterAll(() => removeBuiltImage());

const h = () => f!.inside.handlers;
const iptables = () => execFileSync('iptables-save', { encoding: 'utf8' });

/** A port nothing listens on right now. */
async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

async function eventually(cond: () => Promise<boolean>, timeoutMs: number, what: string) {
  const end = Date.now() + timeoutMs;
  while (!(await cond().catch(() => false))) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** What the app set up for a container on the bridge, as the host shows it. */
function traces(id: string) {
  const state = f!.engine.status().paths.state;
  const n = bridgeNetworkFor(state);
  const veths = (() => {
    try {
      return execFileSync('ip', ['-o', 'link', 'show', 'master', n.bridge], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      });
    } catch {
      return '';
    }
  })();
  const leases = existsSync(join(n.ipamDir, n.name))
    ? readdirSync(join(n.ipamDir, n.name)).filter((x) => /^\d+\.\d+\.\d+\.\d+$/.test(x))
    : [];
  return {
    rules: iptables().includes(`default-${id}`),
    veths: veths.trim().split('\n').filter(Boolean).length,
    leases,
    netns: existsSync(join(state, 'netns', 'default', id)),
  };
}

const httpd = [
  'sh',
  '-c',
  'mkdir -p /www && echo hello-$HOSTNAME > /www/index.html && exec httpd -f -p 8080 -h /www',
];

describe.skipIf(!have || !can.ok)('container networks', () => {
  it('bridge by default: -p 127.0.0.1:PORT:8080 answers on the host; rm leaves no rule, veth, lease or netns', async () => {
    f = await startInside();
    const id = uid();
    const port = await freePort();
    const r = await h()['container:run']({
      namespace: 'default',
      image: f.img.name,
      name: id,
      ports: [{ hostIp: '127.0.0.1', hostPort: port, containerPort: 8080, protocol: 'tcp' }],
      args: httpd,
    });
    expect(r.net).toBe('bridge');
    const n = bridgeNetworkFor(f.engine.status().paths.state);
    expect(r.ip).toMatch(new RegExp(`^${n.subnet.split('.').slice(0, 3).join('\\.')}\\.\\d+$`));
    let body = '';
    await eventually(
      async () => {
        body = await (await fetch(`http://127.0.0.1:${port}/`)).text();
        return true;
      },
      10_000,
      'httpd answering on the published port',
    );
    expect(body.trim()).toBe(`hello-${id}`);
    expect(traces(id)).toEqual({ rules: true, veths: 1, leases: [r.ip], netns: true });
    const ins = await h()['container:inspect']({ namespace: 'default', id });
    expect(ins.labels['containerd-desktop/ip']).toBe(r.ip);

    await h()['task:stop']({ namespace: 'default', id, graceMs: 100 });
    await h()['container:delete']({ namespace: 'default', id });
    expect(traces(id)).toEqual({ rules: false, veths: 0, leases: [], netns: false });
  });

  it('--restart always on the bridge: the restarted task is in the same netns, its port answers again', async () => {
    f = await startInside();
    const id = uid();
    const port = await freePort();
    const r = await h()['container:run']({
      namespace: 'default',
      image: f.img.name,
      name: id,
      restart: 'always',
      ports: [{ hostIp: '127.0.0.1', hostPort: port, containerPort: 8080, protocol: 'tcp' }],
      args: httpd,
    });
    const get = async () => (await (await fetch(`http://127.0.0.1:${port}/`)).text()).trim();
    await eventually(async () => (await get()) === `hello-${id}`, 10_000, 'first answer');
    await h()['task:kill']({ namespace: 'default', id, signal: 'SIGKILL' });
    await until(
      () => {
        const t = ctrTasks(f!.socket, 'default').get(id);
        return t?.status === 'running' && t.pid !== r.pid;
      },
      5_000,
      'restarted',
    );
    await eventually(async () => (await get()) === `hello-${id}`, 10_000, 'answer after restart');
    expect(traces(id)).toMatchObject({ rules: true, veths: 1, leases: [r.ip] });
  });

  it('start after the netns is gone (a reboot empties the state dir) joins the bridge again', async () => {
    f = await startInside();
    const id = uid();
    await h()['container:run']({
      namespace: 'default',
      image: f.img.name,
      name: id,
      net: 'bridge',
      args: ['sleep', '1000'],
    });
    await h()['task:stop']({ namespace: 'default', id, graceMs: 100 });
    // Two at once (a removal and the sweep of gone containers' networks can meet): the second
    // finds nothing left to do, not a half-removed netns.
    const ctx = { stateDir: f.engine.status().paths.state };
    await Promise.all([detachNetwork(ctx, 'default', id), detachNetwork(ctx, 'default', id)]);
    expect(traces(id)).toEqual({ rules: false, veths: 0, leases: [], netns: false });
    await h()['container:start']({ namespace: 'default', id });
    expect(ctrTasks(f.socket, 'default').get(id)?.status).toBe('running');
    const t = traces(id);
    expect(t).toMatchObject({ rules: true, veths: 1, netns: true });
    const ins = await h()['container:inspect']({ namespace: 'default', id });
    expect(t.leases).toEqual([ins.labels['containerd-desktop/ip']]);
  });

  it('an "always" bridge container whose netns was lost runs again once containerd restarts', async () => {
    f = await startInside();
    const id = uid();
    await h()['container:run']({
      namespace: 'default',
      image: f.img.name,
      name: id,
      net: 'bridge',
      restart: 'always',
      args: ['sleep', '1000'],
    });
    // As after a reboot: no task, no netns, the monitor told to keep it running.
    await h()['task:stop']({ namespace: 'default', id, graceMs: 100 });
    await detachNetwork({ stateDir: f.engine.status().paths.state }, 'default', id);
    ctr(f.socket, 'default', ['containers', 'label', id, 'containerd.io/restart.status=running']);
    await f.engine.restart();
    await until(() => f!.inside.status().state === 'connected', 20_000, 'reconnected');
    await until(
      () => ctrTasks(f!.socket, 'default').get(id)?.status === 'running',
      10_000,
      'the monitor started it',
    );
    expect(traces(id)).toMatchObject({ rules: true, veths: 1, netns: true });
  });

  it('rm with the saved CNI result lost still removes the masquerade rule, veth and lease', async () => {
    f = await startInside();
    const id = uid();
    await h()['container:run']({
      namespace: 'default',
      image: f.img.name,
      name: id,
      net: 'bridge',
      args: ['sleep', '1000'],
    });
    const state = f.engine.status().paths.state;
    rmSync(join(state, 'cni', 'containers', 'default', `${id}.json`));
    await h()['task:stop']({ namespace: 'default', id, graceMs: 100 });
    await h()['container:delete']({ namespace: 'default', id });
    expect(traces(id)).toEqual({ rules: false, veths: 0, leases: [], netns: false });
  });

  it('--net none has only lo', async () => {
    f = await startInside();
    const id = uid();
    await h()['container:run']({
      namespace: 'default',
      image: f.img.name,
      name: id,
      net: 'none',
      args: ['sh', '-c', "tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' '"],
    });
    await h()['task:wait']({ namespace: 'default', id, timeoutMs: 20_000 });
    let lines: string[] = [];
    await eventually(
      async () => {
        lines = (await h()['container:logs']({ namespace: 'default', id })).lines.map(
          (l) => l.text,
        );
        return lines.length > 0;
      },
      5_000,
      'output',
    );
    expect(lines).toEqual(['lo']);
  });

  it('a container removed behind our back loses its network when containerd restarts', async () => {
    f = await startInside();
    const id = uid();
    await h()['container:run']({
      namespace: 'default',
      image: f.img.name,
      name: id,
      net: 'bridge',
      args: ['sleep', '1000'],
    });
    expect(traces(id).rules).toBe(true);
    ctr(f.socket, 'default', ['tasks', 'delete', '-f', id]);
    ctr(f.socket, 'default', ['containers', 'rm', id]);
    await f.engine.restart();
    await until(() => f!.inside.status().state === 'connected', 20_000, 'reconnected');
    expect(traces(id)).toEqual({ rules: false, veths: 0, leases: [], netns: false });
  });

  it('a host port in use is refused, nothing created', async () => {
    f = await startInside();
    const port = await freePort();
    const busy: Server = createServer();
    await new Promise<void>((r) => busy.listen(port, '127.0.0.1', r));
    try {
      const id = uid();
      await expect(
        h()['container:run']({
          namespace: 'default',
          image: f.img.name,
          name: id,
          ports: [{ hostIp: '127.0.0.1', hostPort: port, containerPort: 80, protocol: 'tcp' }],
          args: ['sleep', '1'],
        }),
      ).rejects.toMatchObject({
        code: 'bad-payload',
        message: `host port 127.0.0.1:${port}/tcp is already in use`,
      });
      expect(ctrList(f.socket, 'default', 'containers')).not.toContain(id);
      expect(traces(id).netns).toBe(false);
    } finally {
      busy.close();
    }
  });

  it('without the CNI plugins: bridge names the Debian package; the default is host', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'cd-nocni-'));
    try {
      f = await startInside(undefined, { cniBinDirs: [empty] });
      const id = uid();
      await expect(
        h()['container:run']({
          namespace: 'default',
          image: f.img.name,
          name: id,
          net: 'bridge',
          args: ['true'],
        }),
      ).rejects.toMatchObject({
        code: 'failed-precondition',
        hint: expect.stringContaining('apt install containernetworking-plugins'),
      });
      expect(ctrList(f.socket, 'default', 'containers')).not.toContain(id);
      const r = await h()['container:run']({
        namespace: 'default',
        image: f.img.name,
        name: id,
        args: ['sleep', '1000'],
      });
      expect(r.net).toBe('host');
      expect(ctrTasks(f.socket, 'default').get(id)?.status).toBe('running');
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
