// cdesk pull / login / logout end to end: a real registry on 127.0.0.1 (docker-registry, pushed to
// with skopeo), the app's service behind a real control socket, and real containerd checked with ctr.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../main/cli/args';
import { hostPlatform } from '../../main/containerd/image-size';
import { run as login, runLogout as logout } from '../../main/cli/cmd-login';
import { run as pull } from '../../main/cli/cmd-pull';
import { captureIo, startControlHarness, type ControlHarness } from '../helpers/cli-io';
import { requireContainerd, until } from '../helpers/engine';
import { removeBuiltImage, startInside, type InsideFixture } from '../helpers/inside-fixture';
import { canRunContainers, ctr } from '../helpers/oci-image';
import { CDESK, ensureBuilt } from '../helpers/serve';
import {
  buildLayoutImage,
  canRunRegistry,
  registryManifest,
  slowProxy,
  startRegistry,
  type LayoutImage,
  type TestRegistry,
} from '../helpers/registry';

const have = requireContainerd();
const can = canRunContainers();
const reg = canRunRegistry();
if (have && !can.ok) console.warn(`skipping cdesk pull tests: ${can.reason}`);
// The registry is installed wherever containers can run (.ci/run): its absence is a failure.
if (have && can.ok && !reg.ok) throw new Error(`cdesk pull tests need ${reg.reason}`);
const on = have && can.ok;

let f: InsideFixture;
let h: ControlHarness;
let r: TestRegistry;
let dir: string;
let multi: LayoutImage;
let appDockerConfig: string;
const savedDockerConfig = process.env.DOCKER_CONFIG;
let uniq = 0;
const ns = () => `pullcli-${process.pid}-${++uniq}`;

/** A CliIo whose docker config is a fresh temp dir (no credentials unless a test logs in). */
function io() {
  const o = captureIo();
  o.env = { DOCKER_CONFIG: mkdtempSync(join(dir, 'dc-')) };
  return o;
}

const images = (n: string) => ctr(f.socket, n, ['images', 'ls', '-q']).split('\n').filter(Boolean);
const content = (n: string) =>
  ctr(f.socket, n, ['content', 'ls', '-q']).split('\n').filter(Boolean);
const activeIngests = (n: string) =>
  ctr(f.socket, n, ['content', 'active']).split('\n').slice(1).filter(Boolean);
const snapshots = (n: string) =>
  ctr(f.socket, n, ['snapshots', 'ls']).split('\n').slice(1).filter(Boolean);

beforeAll(async () => {
  if (!on) return;
  dir = mkdtempSync(join(tmpdir(), 'cd-pullcli-'));
  // The app's own docker config (its fallback when the CLI sends no login): empty.
  appDockerConfig = mkdtempSync(join(dir, 'app-dc-'));
  process.env.DOCKER_CONFIG = appDockerConfig;
  f = await startInside(undefined, { importImage: false });
  h = await startControlHarness({ prefix: 'cd-pullcli-', engine: f.engine, inside: f.inside });
  r = await startRegistry();
  multi = buildLayoutImage(join(dir, 'multi'), { randomLayers: 3, layerBytes: 1 << 20 });
  r.push(multi.layout, 'x/multi:v1');
}, 120_000);

afterAll(async () => {
  if (!on) return;
  if (savedDockerConfig === undefined) delete process.env.DOCKER_CONFIG;
  else process.env.DOCKER_CONFIG = savedDockerConfig;
  await h.close();
  await r.stop();
  await f.dispose();
  rmSync(dir, { recursive: true, force: true });
  removeBuiltImage();
});

describe.skipIf(!on)('cdesk pull', () => {
  it('pulls a multi-layer image: --json progress per layer, the registry digest in ctr, runs unpacked', async () => {
    const n = ns();
    const { digest } = await registryManifest(r, 'x/multi', 'v1');
    const o = io();
    expect(await pull([`${r.host}/x/multi:v1`, '-n', n, '--json', '--control', h.sock], o)).toBe(0);
    const lines = o.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const progress = lines.slice(0, -1);
    expect(progress.length).toBeGreaterThanOrEqual(4);
    for (const p of progress) {
      expect(Object.keys(p).sort()).toEqual(['current', 'digest', 'status', 'total']);
      expect(p.digest).toMatch(/^sha256:[a-f0-9]{64}$/);
    }
    // Every layer reaches done with all its bytes.
    const layerDigests = new Set(progress.map((p) => p.digest));
    expect(layerDigests.size).toBe(4);
    for (const d of layerDigests) {
      const last = progress.filter((p) => p.digest === d).pop()!;
      expect(last.status).toBe('done');
      expect(last.current).toBe(last.total);
    }
    expect(lines.at(-1)).toMatchObject({
      status: 'pulled',
      image: `${r.host}/x/multi:v1`,
      digest,
      namespace: n,
    });

    const ls = ctr(f.socket, n, ['images', 'ls']);
    expect(ls).toContain(`${r.host}/x/multi:v1`);
    expect(ls).toContain(digest);
    // Unpacked: ctr runs it without unpacking (the snapshots by chain id are committed).
    expect(ctr(f.socket, n, ['images', 'check'])).toMatch(/complete/);
    expect(ctr(f.socket, n, ['run', '--rm', `${r.host}/x/multi:v1`, `c-${n}`])).toContain(
      'pulled-ok',
    );
    // Garbage-collection labels as ctr's pull sets them: the manifest names config and layers.
    const labels = ctr(f.socket, n, ['content', 'ls']);
    expect(labels).toMatch(/containerd\.io\/gc\.ref\.content\.config=sha256:/);
    expect(labels).toMatch(/containerd\.io\/gc\.ref\.content\.l\.3=sha256:/);
    expect(labels).toMatch(/containerd\.io\/gc\.ref\.snapshot\.overlayfs=sha256:/);
    expect(labels).toMatch(/containerd\.io\/uncompressed=sha256:/);

    // A second pull finds everything there: nothing is downloaded, every layer "exists".
    const again = io();
    expect(
      await pull([`${r.host}/x/multi:v1`, '-n', n, '--json', '--control', h.sock], again),
    ).toBe(0);
    const last = JSON.parse(again.stdout.trim().split('\n').at(-1)!) as { downloaded: number };
    expect(last.downloaded).toBe(0);
    expect(again.stdout).toContain('"status":"exists"');
  }, 120_000);

  it('takes the host platform from a multi-platform index, and names the platforms it lacks', async () => {
    const img = buildLayoutImage(join(dir, 'index'), {
      otherPlatforms: ['linux/s390x', 'linux/arm/v7'],
    });
    r.push(img.layout, 'x/multiarch:v1', { all: true });
    const { digest, body } = await registryManifest(r, 'x/multiarch', 'v1');
    const index = JSON.parse(body.toString('utf8')) as {
      manifests: { digest: string; platform: { architecture: string } }[];
    };
    expect(index.manifests).toHaveLength(3);
    const n = ns();
    const o = io();
    expect(await pull([`${r.host}/x/multiarch:v1`, '-n', n, '--control', h.sock], o)).toBe(0);
    expect(o.stdout).toMatch(new RegExp(`pulled ${r.host}/x/multiarch:v1 ${digest} \\(linux/`));
    expect(ctr(f.socket, n, ['images', 'ls'])).toContain(digest);
    const have = content(n);
    const arch = hostPlatform().architecture;
    for (const m of index.manifests)
      expect(have.includes(m.digest), m.platform.architecture).toBe(
        m.platform.architecture === arch,
      );
    expect(ctr(f.socket, n, ['run', '--rm', `${r.host}/x/multiarch:v1`, `c-${n}`])).toContain(
      'pulled-ok',
    );

    const none = io();
    const n2 = ns();
    expect(
      await pull(
        [`${r.host}/x/multiarch:v1`, '-n', n2, '--platform', 'linux/riscv64', '--control', h.sock],
        none,
      ),
    ).toBe(1);
    expect(none.stderr).toMatch(
      /no image for linux\/riscv64; it has linux\/s390x, linux\/.*arm\/v7/,
    );
    expect(images(n2)).toEqual([]);
  }, 120_000);

  it('a malformed reference is a usage error; an unknown tag says not found and leaves nothing', async () => {
    await expect(pull(['Bad:Ref:x', '--control', h.sock], io())).rejects.toThrow(UsageError);
    await expect(pull(['UPPER/case', '--control', h.sock], io())).rejects.toThrow(
      /must be lowercase/,
    );
    await expect(pull(['127.0.0.1:99999/x/y', '--control', h.sock], io())).rejects.toThrow(
      /port 99999 is not between 1 and 65535/,
    );
    await expect(
      pull(['alpine', '--platform', 'amd64', '--control', h.sock], io()),
    ).rejects.toThrow(/os\/architecture/);
    const n = ns();
    const o = io();
    expect(await pull([`${r.host}/x/multi:nope`, '-n', n, '--control', h.sock], o)).toBe(1);
    expect(o.stderr).toMatch(/manifest .*x\/multi:nope not found/);
    expect(o.stderr).toMatch(/hint: Check the repository name and the tag/);
    const blocked = io();
    expect(await pull(['127.0.0.1:6000/x/y:1', '-n', n, '--control', h.sock], blocked)).toBe(1);
    expect(blocked.stderr).toMatch(/Node refuses to connect to port 6000 .*\n.*another port/);
    expect(images(n)).toEqual([]);
    expect(content(n)).toEqual([]);
  }, 60_000);

  it('a tampered blob fails with digest-mismatch and leaves no image, content or snapshot', async () => {
    const img = buildLayoutImage(join(dir, 'tamper'), { randomLayers: 2, layerBytes: 256 * 1024 });
    r.push(img.layout, 'x/tamper:v1');
    const { body } = await registryManifest(r, 'x/tamper', 'v1');
    const m = JSON.parse(body.toString('utf8')) as { layers: { digest: string }[] };
    const victim = m.layers.at(-1)!.digest;
    const file = r.blobPath(victim);
    const bytes = readFileSync(file);
    const mid = bytes.length >> 1;
    bytes[mid] = bytes[mid]! ^ 0xff;
    writeFileSync(file, bytes);

    const n = ns();
    const o = io();
    expect(await pull([`${r.host}/x/tamper:v1`, '-n', n, '--json', '--control', h.sock], o)).toBe(
      1,
    );
    expect(o.stderr).toContain(`blob ${victim}`);
    expect(o.stdout).toContain('"code":"digest-mismatch"');
    expect(images(n)).toEqual([]);
    expect(content(n)).toEqual([]);
    expect(snapshots(n)).toEqual([]);
    expect(ctr(f.socket, n, ['leases', 'ls', '-q']).trim()).toBe('');
    expect(activeIngests(n)).toEqual([]);
  }, 60_000);

  it('a truncated blob fails naming the bytes missing and leaves no image, content or snapshot', async () => {
    const img = buildLayoutImage(join(dir, 'trunc'), { randomLayers: 2, layerBytes: 256 * 1024 });
    r.push(img.layout, 'x/trunc:v1');
    const { body } = await registryManifest(r, 'x/trunc', 'v1');
    const m = JSON.parse(body.toString('utf8')) as { layers: { digest: string }[] };
    const victim = m.layers.at(-1)!.digest;
    const file = r.blobPath(victim);
    writeFileSync(file, readFileSync(file).subarray(0, 100_000));

    const n = ns();
    const o = io();
    expect(await pull([`${r.host}/x/trunc:v1`, '-n', n, '--json', '--control', h.sock], o)).toBe(1);
    expect(o.stderr).toMatch(new RegExp(`blob ${victim}: .*(truncated|of its)`));
    expect(images(n)).toEqual([]);
    expect(content(n)).toEqual([]);
    expect(snapshots(n)).toEqual([]);
    expect(ctr(f.socket, n, ['leases', 'ls', '-q']).trim()).toBe('');
    expect(activeIngests(n)).toEqual([]);
  }, 60_000);
});

describe.skipIf(!on)('cdesk login / logout and a registry with basic auth', () => {
  let authReg: TestRegistry;
  beforeAll(async () => {
    authReg = await startRegistry({ auth: true });
    authReg.push(multi.layout, 'private/img:v1');
  }, 60_000);
  afterAll(async () => authReg?.stop());

  it('401 without credentials names cdesk login; after login the pull succeeds; logout removes it', async () => {
    const n = ns();
    const o = io();
    const env = o.env;
    expect(await pull([`${authReg.host}/private/img:v1`, '-n', n, '--control', h.sock], o)).toBe(1);
    expect(o.stderr).toMatch(/refused access \(401\); no credentials are stored for it/);
    expect(o.stderr).toContain(`cdesk login ${authReg.host}`);
    expect(images(n)).toEqual([]);

    const stdin = (text: string) => ({ readAll: async () => text, ask: async () => null });
    const wrong = captureIo();
    wrong.env = env;
    expect(
      await login([authReg.host, '-u', 'tester', '--password-stdin'], wrong, stdin('nope\n')),
    ).toBe(1);
    expect(wrong.stderr).toMatch(/refused the user name or password; nothing was stored/);
    // Refused credentials are not stored.
    expect(() => statSync(join(env.DOCKER_CONFIG!, 'config.json'))).toThrow(/ENOENT/);

    const li = captureIo();
    li.env = env;
    expect(
      await login(
        [authReg.host, '-u', authReg.auth!.username, '--password-stdin'],
        li,
        stdin(`${authReg.auth!.password}\n`),
      ),
    ).toBe(0);
    const file = join(env.DOCKER_CONFIG!, 'config.json');
    expect(li.stdout).toContain(`Login Succeeded: ${authReg.host}`);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const cfg = JSON.parse(readFileSync(file, 'utf8')) as {
      auths: Record<string, { auth: string }>;
    };
    expect(Buffer.from(cfg.auths[authReg.host]!.auth, 'base64').toString()).toBe(
      `${authReg.auth!.username}:${authReg.auth!.password}`,
    );

    const ok = captureIo();
    ok.env = env;
    expect(await pull([`${authReg.host}/private/img:v1`, '-n', n, '--control', h.sock], ok)).toBe(
      0,
    );
    expect(images(n)).toEqual([`${authReg.host}/private/img:v1`]);

    // Other keys survive login and logout.
    writeFileSync(file, JSON.stringify({ ...cfg, credsStore: '', psFormat: 'x' }), { mode: 0o600 });
    const lo = captureIo();
    lo.env = env;
    expect(await logout([authReg.host], lo)).toBe(0);
    expect(lo.stdout).toContain(`Removed the login for ${authReg.host}`);
    const after = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    expect(after).toMatchObject({ psFormat: 'x', auths: {} });
  }, 120_000);

  it('on a terminal, Ctrl-C at either question exits 130 and Ctrl-D ends the answer; nothing is stored', async () => {
    ensureBuilt();
    const cases: [string[], number, RegExp][] = [
      [['\u0003'], 130, /Username: \r?\n?$/],
      [['u\r', '\u0003'], 130, /Password: /],
      [['\u0004'], 2, /the user name is empty/],
      [['u\r', '\u0004'], 2, /the password is empty/],
      [['u\u007fv\r', 'p\u0004'], -1, /Password: /],
    ];
    for (const [keys, code, says] of cases) {
      const dc = mkdtempSync(join(dir, 'dc-tty-'));
      // script(1) gives the CLI a real terminal; -e passes its exit code on.
      const cmd = [process.execPath, CDESK, 'login', '127.0.0.1:9'].map((a) => `'${a}'`).join(' ');
      const child = spawn('script', ['-qec', cmd, '/dev/null'], {
        stdio: ['pipe', 'pipe', 'pipe'],
        env: { ...process.env, DOCKER_CONFIG: dc },
      });
      let out = '';
      child.stdout.on('data', (b: Buffer) => (out += b.toString('utf8')));
      const exit = new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
      for (const [i, k] of keys.entries()) {
        await until(
          () => out.includes(i === 0 ? 'Username:' : 'Password:'),
          30_000,
          `question ${i + 1}`,
        );
        child.stdin.write(k);
      }
      const got = await Promise.race([
        exit,
        new Promise((r) => setTimeout(() => r('hung'), 10_000)),
      ]);
      if (got === 'hung') child.kill('SIGKILL');
      // The last case types a user (with a backspace) and a password, then Ctrl-D: it goes on
      // to the registry (nothing listens on port 9: stored unchecked).
      if (code === -1) {
        expect(got, out).toBe(0);
        expect(out).toContain('Username: u\b \bv');
        expect(JSON.parse(readFileSync(join(dc, 'config.json'), 'utf8')).auths).toEqual({
          '127.0.0.1:9': { auth: Buffer.from('v:p').toString('base64') },
        });
        continue;
      }
      expect([got, out]).toEqual([code, expect.stringMatching(says)]);
      expect(out).not.toMatch(/no terminal to ask on/);
      expect(existsSync(join(dc, 'config.json'))).toBe(false);
    }
  }, 90_000);

  it('login refuses a missing user or a malformed registry as usage errors', async () => {
    const o = io();
    const noTty = { readAll: async () => 'pw', ask: async () => null };
    await expect(login(['127.0.0.1:5000', '--password-stdin'], o, noTty)).rejects.toThrow(
      /--password-stdin needs --username/,
    );
    await expect(login(['bad host!'], o, noTty)).rejects.toThrow(/is not a registry/);
    const pw = { readAll: async () => 'pw', ask: async () => null };
    await expect(login(['127.0.0.1:99999', '-u', 'x', '--password-stdin'], o, pw)).rejects.toThrow(
      /port 99999 is not between 1 and 65535/,
    );
    await expect(logout(['127.0.0.1:0'], o)).rejects.toThrow(/port 0 is not between/);
    await expect(login(['127.0.0.1:5000'], o, noTty)).rejects.toThrow(/no terminal/);
  });
});

describe.skipIf(!on)('cancel', () => {
  it('Ctrl-C mid-download exits 130, leaves no image; pulling again succeeds', async () => {
    const big = buildLayoutImage(join(dir, 'big'), { randomLayers: 3, layerBytes: 2 << 20 });
    r.push(big.layout, 'x/big:v1');
    const proxy = await slowProxy(r.host);
    try {
      const n = ns();
      const o = io();
      const running = pull([`${proxy.host}/x/big:v1`, '-n', n, '--json', '--control', h.sock], o);
      await until(
        () => /"current":[1-9]\d*,"total":\d+,"status":"downloading"/.test(o.stdout),
        30_000,
        'a layer downloading',
      );
      o.abort();
      expect(await running).toBe(130);
      expect(o.stderr).toMatch(/cancelled/);
      expect(images(n)).toEqual([]);
      expect(ctr(f.socket, n, ['leases', 'ls', '-q']).trim()).toBe('');
      expect(activeIngests(n)).toEqual([]);

      proxy.release();
      const again = io();
      expect(await pull([`${proxy.host}/x/big:v1`, '-n', n, '--control', h.sock], again)).toBe(0);
      expect(images(n)).toEqual([`${proxy.host}/x/big:v1`]);
      expect(ctr(f.socket, n, ['run', '--rm', `${proxy.host}/x/big:v1`, `c-${n}`])).toContain(
        'pulled-ok',
      );
    } finally {
      proxy.release();
      await proxy.close();
    }
  }, 120_000);

  it('a cdesk pull killed mid-download (its connection closed) is cancelled in the app', async () => {
    ensureBuilt();
    const big = buildLayoutImage(join(dir, 'killed'), { randomLayers: 3, layerBytes: 2 << 20 });
    r.push(big.layout, 'x/killed:v1');
    const proxy = await slowProxy(r.host);
    try {
      const n = ns();
      const child = spawn(
        process.execPath,
        [CDESK, 'pull', `${proxy.host}/x/killed:v1`, '-n', n, '--json', '--control', h.sock],
        { env: { ...process.env, DOCKER_CONFIG: mkdtempSync(join(dir, 'dc-')) } },
      );
      let out = '';
      child.stdout.on('data', (b: Buffer) => (out += b.toString('utf8')));
      const exit = new Promise((res) => child.once('exit', res));
      await until(
        () => /"current":[1-9]\d*,"total":\d+,"status":"downloading"/.test(out),
        30_000,
        'a layer downloading',
      );
      child.kill('SIGKILL');
      await exit;
      await until(
        () => ctr(f.socket, n, ['leases', 'ls', '-q']).trim() === '',
        15_000,
        'the pull lease gone',
      );
      expect(images(n)).toEqual([]);
      expect(activeIngests(n)).toEqual([]);
    } finally {
      proxy.release();
      await proxy.close();
    }
  }, 120_000);
});

describe.skipIf(!on)('the same image pulled twice at once', () => {
  it('both succeed: the second waits for the layer the first is writing instead of failing on its lock', async () => {
    const img = buildLayoutImage(join(dir, 'twice'), { randomLayers: 2, layerBytes: 2 << 20 });
    r.push(img.layout, 'x/twice:v1');
    const proxy = await slowProxy(r.host);
    try {
      const n = ns();
      const a = io();
      const b = io();
      const ref = `${proxy.host}/x/twice:v1`;
      const first = pull([ref, '-n', n, '--json', '--control', h.sock], a);
      await until(
        () => /"current":[1-9]\d*,"total":\d+,"status":"downloading"/.test(a.stdout),
        30_000,
        'the first pull downloading',
      );
      const second = pull([ref, '-n', n, '--json', '--control', h.sock], b);
      // containerd refuses the second writer of a ref at once; give it the time to ask.
      await new Promise((res) => setTimeout(res, 1000));
      proxy.release();
      expect([await first, await second, a.stderr + b.stderr]).toEqual([0, 0, '']);
      expect(images(n)).toEqual([ref]);
      expect(ctr(f.socket, n, ['leases', 'ls', '-q']).trim()).toBe('');
      expect(activeIngests(n)).toEqual([]);
    } finally {
      proxy.release();
      await proxy.close();
    }
  }, 120_000);
});

describe.skipIf(!on)('a registry that serves malformed manifests', () => {
  it('each is a registry error naming the field, not an internal error, and leaves nothing', async () => {
    const cfg = {
      mediaType: 'application/vnd.oci.image.config.v1+json',
      digest: `sha256:${'0'.repeat(64)}`,
      size: 10,
    };
    const M = 'application/vnd.oci.image.manifest.v1+json';
    const layer = (digest: string, size: number) => ({
      mediaType: 'application/vnd.oci.image.layer.v1.tar',
      digest,
      size,
    });
    const served: Record<string, { mediaType: string } & Record<string, unknown>> = {
      notarray: { schemaVersion: 2, mediaType: M, config: cfg, layers: 'x' },
      traversal: { schemaVersion: 2, mediaType: M, config: cfg, layers: [layer('sha256:../x', 5)] },
      negative: { schemaVersion: 2, mediaType: M, config: cfg, layers: [layer(cfg.digest, -5)] },
      huge: { schemaVersion: 2, mediaType: M, config: cfg, layers: [layer(cfg.digest, 1e300)] },
      index: {
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.index.v1+json',
        manifests: 'x',
      },
      nullentry: {
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.index.v1+json',
        manifests: [null],
      },
    };
    const server = http.createServer((req, res) => {
      const m = /^\/v2\/x\/(\w+)\/manifests\//.exec(req.url ?? '');
      const doc = m ? served[m[1]!] : undefined;
      if (req.url === '/v2/') return void res.writeHead(200).end('{}');
      // An error whose text would set the terminal's clipboard (OSC 52) and colour it.
      if (m?.[1] === 'ansi')
        return void res.writeHead(500).end(
          JSON.stringify({
            errors: [{ code: 'X', message: '\u001b]52;c;ZXZpbA==\u0007\u001b[31mpwned\u009b' }],
          }),
        );
      if (!doc) return void res.writeHead(404).end();
      res.writeHead(200, { 'Content-Type': doc.mediaType }).end(JSON.stringify(doc));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const host = `127.0.0.1:${(server.address() as net.AddressInfo).port}`;
    try {
      for (const [name, field] of [
        ['notarray', /layers: .*array/],
        ['traversal', /layers\.0\.digest/],
        ['negative', /layers\.0\.size/],
        ['huge', /layers\.0\.size/],
        ['index', /manifests: .*array/],
        ['nullentry', /manifests\.0/],
      ] as const) {
        const n = ns();
        const o = io();
        expect(await pull([`${host}/x/${name}:1`, '-n', n, '--control', h.sock], o)).toBe(1);
        expect(o.stderr, name).toMatch(/is malformed/);
        expect(o.stderr, name).toMatch(field);
        expect(o.stderr, name).not.toMatch(/internal error|bug in Containerd Desktop/);
        expect(images(n)).toEqual([]);
        expect(ctr(f.socket, n, ['leases', 'ls', '-q']).trim()).toBe('');
      }
      // What the registry says reaches the terminal with its control characters escaped.
      const o = io();
      expect(await pull([`${host}/x/ansi:1`, '--control', h.sock], o)).toBe(1);
      expect(o.stderr).toContain('\\x1b]52;c;ZXZpbA==\\x07\\x1b[31mpwned\\x9b');
      // eslint-disable-next-line no-control-regex
      expect(o.stderr).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f-\x9f]/);
    } finally {
      await new Promise((r) => server.close(r));
    }
  }, 120_000);
});
