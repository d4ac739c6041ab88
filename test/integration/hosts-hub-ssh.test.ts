// The app's own links to saved hosts over real OpenSSH: a local `cdesk serve` whose hosts.json names
// a remote instance behind sshd on 127.0.0.1 lists it (with containerd's version), runs commands
// there, shows it Unknown within 5 s of losing sshd's session, and brings it back with sshd.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnyEvent } from '../../common/contract';
import type { HostView } from '../../common/hosts';
import { connectControl, type ControlClient } from '../../main/control-socket/control-client';
import { startControlServer, type ControlServer } from '../../main/control-socket/control-server';
import { createService, type Service } from '../../main/service/service';
import { createSettingsStore } from '../../main/service/settings-store';
import { headlessInfo } from '../helpers/cli-io';
import { requireContainerd } from '../helpers/engine';
import { removeBuiltImage, startInside, type InsideFixture } from '../helpers/inside-fixture';
import { canRunContainers, ctr } from '../helpers/oci-image';
import { encodeFrame, type ServerFrame } from '../../common/exec-stream';
import { ensureBuilt, startServe, waitFor, type Serve } from '../helpers/serve';
import { requireSshd, startSshd, type Sshd } from '../helpers/sshd';

const have = requireContainerd() && requireSshd();
const can = canRunContainers();
const c1 = `hub-exec-${process.pid}`;

let dir: string;
let remote: InsideFixture;
let remoteService: Service;
let server: ControlServer;
let sshd: Sshd;
let serve: Serve;
let client: ControlClient;
const events: AnyEvent[] = [];

beforeAll(async () => {
  if (!have) return;
  ensureBuilt();
  dir = mkdtempSync('/tmp/cdhub-');
  // The remote instance, where `cdesk dial-stdio` in sshd's sessions finds it.
  const remoteRuntime = join(dir, 'remote-run');
  mkdirSync(join(remoteRuntime, 'containerd-desktop'), { recursive: true, mode: 0o700 });
  remote = await startInside();
  remoteService = createService({
    engine: remote.engine,
    settings: createSettingsStore({ file: join(dir, 'remote-settings.json') }),
    info: headlessInfo,
    inside: remote.inside,
    logInfo: () => undefined,
  });
  server = await startControlServer({
    path: join(remoteRuntime, 'containerd-desktop', 'control.sock'),
    service: remoteService,
  });
  if (can.ok) ctr(remote.socket, 'default', ['run', '-d', remote.img.name, c1]);
  sshd = await startSshd({ XDG_RUNTIME_DIR: remoteRuntime });
  // This machine: a serve whose saved hosts name the remote (as `cdesk host add` writes them).
  const cfg = join(dir, 'local-cfg');
  mkdirSync(join(cfg, 'containerd-desktop'), { recursive: true, mode: 0o700 });
  writeFileSync(
    join(cfg, 'containerd-desktop', 'hosts.json'),
    JSON.stringify({ version: 1, hosts: [{ name: 'r', url: sshd.url, identity: sshd.key }] }),
  );
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    XDG_CONFIG_HOME: cfg,
    CDESK_SSH_CONFIG: sshd.clientConfig,
  };
  delete env.CDESK_HOST;
  serve = await startServe({ env, prefix: '/tmp/cdhs-' });
  client = await connectControl(serve.control);
  await client.events((e) => events.push(e));
}, 120_000);

afterAll(async () => {
  if (!have) return;
  client?.close();
  await serve?.stop();
  serve?.cleanup();
  await sshd?.stop();
  await server?.close();
  remoteService?.dispose();
  await remote?.dispose();
  removeBuiltImage();
  rmSync(dir, { recursive: true, force: true });
});

async function rows(): Promise<HostView[]> {
  const r = await client.invoke('hosts:list', {});
  if (!r.ok) throw new Error(r.error.message);
  return r.value.hosts;
}
let last: HostView[] = [];
const rowR = async () => (last = await rows()).find((h) => h.name === 'r');

describe.skipIf(!have)('the app links to a saved host over real ssh', () => {
  it('hosts:list shows the remote up with its containerd version, and hosts:invoke runs there', async () => {
    await waitFor(async () => (await rowR())?.state === 'running', 30_000, 'r running');
    expect(last.map((h) => h.name)).toEqual(['local', 'r']);
    expect(last[1]).toMatchObject({
      url: sshd.url,
      kind: 'app',
      phase: 'up',
      version: remote.engine.status().version!.version,
      error: null,
      readOnly: null,
    });
    expect(last[1]!.latencyMs).toBeGreaterThan(0);
    const listed = await client.invoke('hosts:invoke', {
      host: 'r',
      cmd: 'containers:list',
      payload: { namespace: 'default' },
    });
    expect(listed).toMatchObject({ ok: true, value: { containers: expect.any(Array) } });
    const status = await client.invoke('hosts:invoke', { host: 'r', cmd: 'daemon:status' });
    expect(status).toMatchObject({ ok: true, value: { pid: remote.engine.status().pid } });
  }, 60_000);

  it("shows Unknown within 5 s of losing sshd's session, and running again when sshd is back", async () => {
    await waitFor(async () => (await rowR())?.state === 'running', 30_000, 'r running');
    const seen = last.find((h) => h.name === 'r')!.lastSeen!;
    const sessions = sshd.sessions();
    expect(sessions.length).toBeGreaterThan(0);
    const from = events.length;
    // sshd goes away entirely: the listener, then the session serving the link.
    await sshd.stopListener();
    const killedAt = Date.now();
    for (const pid of sessions) process.kill(pid, 'SIGKILL');
    try {
      await waitFor(async () => (await rowR())?.state === 'unknown', 5_000, 'r unknown');
      expect(Date.now() - killedAt).toBeLessThan(5_000);
      const r = last.find((h) => h.name === 'r')!;
      expect(r.phase).not.toBe('up');
      expect(r.lastSeen).toBeGreaterThanOrEqual(seen);
      // The window hears it too (row changes go out coalesced, within ~100 ms).
      const told = () =>
        events
          .slice(from)
          .some(
            (e) =>
              e.event === 'hosts:changed' &&
              e.payload.host.name === 'r' &&
              e.payload.host.state === 'unknown',
          );
      await waitFor(async () => told(), 2_000, 'hosts:changed r unknown');
      // A command meanwhile says the link is down, and when it tries again.
      const refused = await client.invoke('hosts:invoke', { host: 'r', cmd: 'daemon:status' });
      expect(refused.ok).toBe(false);
      if (!refused.ok)
        expect(refused.error.message).toMatch(/^r: the link is (down|still connecting)/);
    } finally {
      await sshd.startListener();
    }
    await waitFor(async () => (await rowR())?.state === 'running', 40_000, 'r back');
    expect(last.find((h) => h.name === 'r')!.lastSeen).toBeGreaterThan(seen);
  }, 90_000);

  it.skipIf(!can.ok)(
    "the window's exec reaches a container on the host: output, stdin and the exit code",
    async () => {
      await waitFor(async () => (await rowR())?.state === 'running', 30_000, 'r running');
      const run = (args: string[], input?: string) =>
        new Promise<{ out: string; err: string; end: unknown }>((resolve, reject) => {
          let out = '';
          let err = '';
          const { result, send } = client.openStream(
            'exec:start',
            { host: 'r', namespace: 'default', id: c1, args, stdin: input !== undefined },
            (f: ServerFrame) => {
              if (f.op === 'out') {
                const text = Buffer.from(f.data, 'base64').toString();
                if (f.fd === 1) out += text;
                else err += text;
                send(encodeFrame({ stream: f.stream, op: 'ack', bytes: Buffer.byteLength(text) }));
              } else if (f.op === 'end') resolve({ out, err, end: f.end });
            },
          );
          void result.then((r) => {
            if (!r.ok) return reject(new Error(r.error.message));
            const stream = (r.value as { stream: number }).stream;
            if (input === undefined) return;
            send(encodeFrame({ stream, op: 'in', data: Buffer.from(input).toString('base64') }));
            send(encodeFrame({ stream, op: 'eof' }));
          });
        });
      expect(await run(['sh', '-c', 'echo out; echo err >&2; exit 7'])).toEqual({
        out: 'out\n',
        err: 'err\n',
        end: { kind: 'exit', code: 7 },
      });
      expect(await run(['cat'], 'hi over the link\n')).toEqual({
        out: 'hi over the link\n',
        err: '',
        end: { kind: 'exit', code: 0 },
      });
      // Logged by the transport it came through, with the host.
      expect(serve.stderr()).toMatch(
        new RegExp(`exec via control socket on host r: container default/${c1}: \\["cat"\\]`),
      );
      // A host that is not saved is refused, naming the saved ones.
      const { result } = client.openStream(
        'exec:start',
        { host: 'nope', namespace: 'default', id: c1, args: ['true'] },
        () => undefined,
      );
      expect(await result).toMatchObject({ ok: false, error: { code: 'unknown-host' } });
    },
    60_000,
  );
});
