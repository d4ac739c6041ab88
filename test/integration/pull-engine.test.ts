// The pull engine against a real registry (docker-registry on 127.0.0.1) and real containerd.
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { PullProgress } from '../../common/containerd';
import { ContainerdClient } from '../../main/containerd/client';
import { blobThread } from '../../main/containerd/pull/blob-thread';
import { WRITE_MESSAGE_BYTES, writeBlob } from '../../main/containerd/pull/content-write';
import { pullImage } from '../../main/containerd/pull/pull';
import { LeasesService } from '../../main/shared/api/services/leases/v1/leases';
import { DaemonChannel } from '../../main/shared/daemon-channel';
import { requireContainerd, until } from '../helpers/engine';
import { startInside, removeBuiltImage, type InsideFixture } from '../helpers/inside-fixture';
import { canRunContainers, ctr } from '../helpers/oci-image';
import {
  buildLayoutImage,
  canRunRegistry,
  registryManifest,
  slowProxy,
  startRegistry,
  type TestRegistry,
} from '../helpers/registry';

const have = requireContainerd();
const can = canRunContainers();
const reg = canRunRegistry();
if (have && !can.ok) console.warn(`skipping pull tests: ${can.reason}`);
if (have && !reg.ok) throw new Error(`pull tests need a registry: ${reg.reason}`);

let f: InsideFixture;
let r: TestRegistry;
let client: ContainerdClient;
let dir: string;
let uniq = 0;
const ns = () => `pull-${process.pid}-${++uniq}`;
/**
 * The two ways a pull writes its blobs: from the pulls' thread (a big pull) and from the calling
 * thread (a small one). The tests that stream blobs run both ways.
 */
const PATHS = [
  { path: "the pulls' thread", threadPullBytes: 0 },
  { path: 'the calling thread', threadPullBytes: Number.MAX_SAFE_INTEGER },
];

beforeAll(async () => {
  if (!have || !can.ok) return;
  dir = mkdtempSync(join(tmpdir(), 'cd-pull-'));
  f = await startInside(undefined, { importImage: false });
  r = await startRegistry();
  client = new ContainerdClient(new DaemonChannel(f.socket));
}, 60_000);
afterAll(async () => {
  if (!have || !can.ok) return;
  client.channel.close();
  await r.stop();
  await f.dispose();
  rmSync(dir, { recursive: true, force: true });
  removeBuiltImage();
});

describe.skipIf(!have || !can.ok).each(PATHS)(
  'pullImage, writing from $path',
  ({ threadPullBytes }) => {
    it('pulls, unpacks and runs a multi-layer image', async () => {
      const img = buildLayoutImage(join(dir, `multi-${threadPullBytes}`), {
        randomLayers: 3,
        layerBytes: 1 << 20,
      });
      r.push(img.layout, 'x/multi:v1');
      const { digest } = await registryManifest(r, 'x/multi', 'v1');
      const n = ns();
      const events: PullProgress[] = [];
      const opened = vi.spyOn(blobThread, 'open');
      const res = await pullImage(client, {
        threadPullBytes,
        namespace: n,
        ref: `${r.host}/x/multi:v1`,
        pullId: 'p1',
        insecureRegistries: [],
        credentials: null,
        signal: new AbortController().signal,
        onProgress: (p) => events.push(p),
      });
      expect(opened).toHaveBeenCalledTimes(threadPullBytes === 0 ? 1 : 0);
      opened.mockRestore();
      expect(res.digest).toBe(digest);
      const ls = ctr(f.socket, n, ['images', 'ls']);
      expect(ls).toContain(`${r.host}/x/multi:v1`);
      expect(ls).toContain(digest);
      const out = ctr(f.socket, n, ['run', '--rm', `${r.host}/x/multi:v1`, `run-${n}`]);
      expect(out).toContain('pulled-ok');
      const last = events[events.length - 1]!;
      expect(last.phase).toBe('done');
      expect(last.layers).toHaveLength(4);
      expect(last.layers.every((l) => l.status === 'done' && l.current === l.total)).toBe(true);
    }, 120_000);
  },
);

describe.skipIf(!have || !can.ok)('pullImage by default', () => {
  it("writes a small image's blobs itself and leaves a big one's to the pulls' thread", async () => {
    const pull = async (name: string, layerBytes: number) => {
      const img = buildLayoutImage(join(dir, `default-${name}`), { randomLayers: 2, layerBytes });
      r.push(img.layout, `x/${name}:v1`);
      const opened = vi.spyOn(blobThread, 'open');
      try {
        await pullImage(client, {
          namespace: ns(),
          ref: `${r.host}/x/${name}:v1`,
          pullId: name,
          insecureRegistries: [],
          credentials: null,
          signal: new AbortController().signal,
          onProgress: () => undefined,
        });
        return {
          bytes: img.layers.reduce((a, l) => a + l.size, 0),
          opened: opened.mock.calls.length,
        };
      } finally {
        opened.mockRestore();
      }
    };
    // Starting the thread (~100 ms) would take longer than such a download; 8 MiB is the line.
    const small = await pull('small', 2 << 20);
    expect(small.bytes).toBeLessThan(8 << 20);
    expect(small.opened).toBe(0);
    const big = await pull('big', 5 << 20);
    expect(big.bytes).toBeGreaterThan(8 << 20);
    expect(big.opened).toBe(1);
  }, 120_000);
});

describe.skipIf(!have || !can.ok)('writeBlob', () => {
  // Each test its own bytes: containerd answers a digest it holds already in any namespace.
  const fresh = () => {
    const bytes = randomBytes(2 * WRITE_MESSAGE_BYTES + 12_345);
    return { bytes, digest: `sha256:${createHash('sha256').update(bytes).digest('hex')}` };
  };
  /** The blob in chunks of odd sizes (one far larger than a message), as a registry may send it. */
  const chunks = (bytes: Buffer) => {
    const out: Buffer[] = [];
    const sizes = [1, 65_535, 3 * WRITE_MESSAGE_BYTES, 7];
    for (let at = 0, i = 0; at < bytes.length; i++) {
      const n = sizes[i % sizes.length]!;
      out.push(bytes.subarray(at, at + n));
      at += n;
    }
    return out;
  };
  const write = async (body: Buffer[], expected: string, size: number, inFlight = 1) => {
    const n = ns();
    const lease = `lease-${n}`;
    await client.call(LeasesService.create, { id: lease, labels: {} }, { namespace: n });
    const done: number[] = [];
    const err = await writeBlob(
      client,
      { namespace: n, lease, signal: new AbortController().signal, inFlight: () => inFlight },
      { digest: expected, size, ref: `ref-${n}`, labels: {} },
      async () => ({ body, resumed: false }),
      (d) => done.push(d),
    ).then(
      () => null,
      (e: unknown) => e as Error & { code?: string },
    );
    return { n, err, done };
  };

  it.each([1, 4])(
    'writes the bytes it was given across message boundaries, whatever the chunks, with %i message(s) in flight',
    async (inFlight) => {
      const { bytes: blob, digest } = fresh();
      const { n, err, done } = await write(chunks(blob), digest, blob.length, inFlight);
      expect(err).toBeNull();
      const stored = execFileSync('ctr', ['-a', f.socket, '-n', n, 'content', 'get', digest], {
        maxBuffer: 64 << 20,
      });
      expect(Buffer.compare(stored, blob)).toBe(0);
      expect(done[done.length - 1]).toBe(blob.length);
    },
  );

  it('refuses a body that is short, long, or not the digest, and keeps nothing', async () => {
    const { bytes: blob, digest } = fresh();
    const short = await write(chunks(blob.subarray(0, blob.length - 1)), digest, blob.length);
    expect(short.err?.code).toBe('digest-mismatch');
    expect(short.err?.message).toMatch(/truncated/);
    const long = await write(chunks(Buffer.concat([blob, Buffer.from('x')])), digest, blob.length);
    expect(long.err?.code).toBe('digest-mismatch');
    expect(long.err?.message).toMatch(/more than/);
    // The right size, other bytes: containerd's commit refuses them.
    const other = Buffer.from(blob);
    other.writeUInt8(other.readUInt8(WRITE_MESSAGE_BYTES + 1) ^ 0xff, WRITE_MESSAGE_BYTES + 1);
    const wrong = await write(chunks(other), digest, blob.length);
    expect(wrong.err?.code).toBe('digest-mismatch');
    expect(wrong.err?.message).toMatch(/do not match/);
    for (const { n } of [short, long, wrong]) {
      expect(ctr(f.socket, n, ['content', 'ls', '-q']).trim()).toBe('');
      expect(ctr(f.socket, n, ['content', 'active']).trim().split('\n').slice(1)).toEqual([]);
    }
  });
});

describe.skipIf(!have || !can.ok).each(PATHS)(
  'pullImage after a crash, writing from $path',
  ({ threadPullBytes }) => {
    it("reuses the blobs written and resumes a partial one from containerd's offset with Range", async () => {
      const img = buildLayoutImage(join(dir, `resume-${threadPullBytes}`), {
        randomLayers: 2,
        layerBytes: 2 << 20,
      });
      r.push(img.layout, 'x/resume:v1');
      // Past the first 1 MiB write, so containerd has recorded an offset.
      const proxy = await slowProxy(r.host, 1536 * 1024);
      const n = ns();
      const ref = `${proxy.host}/x/resume:v1`;
      const base = {
        namespace: n,
        ref,
        insecureRegistries: [],
        credentials: null,
        signal: new AbortController().signal,
      };
      try {
        // The app dies mid-download: its connection to containerd drops and nothing cleans up.
        const doomed = new ContainerdClient(new DaemonChannel(f.socket));
        const events: PullProgress[] = [];
        const first = pullImage(doomed, {
          threadPullBytes,
          ...base,
          pullId: 'crash',
          progressIntervalMs: 20,
          onProgress: (p) => events.push(p),
        }).catch((err: unknown) => err);
        await until(
          () =>
            events.some((e) =>
              e.layers.some((l) => l.status === 'downloading' && l.current >= 1536 * 1024),
            ),
          30_000,
          'a layer downloading',
        );
        await new Promise((res) => setTimeout(res, 300));
        doomed.channel.close();
        // Its downloads end once the registry sends again; they cannot reach containerd any more.
        const held = ctr(f.socket, n, ['content', 'active']);
        proxy.release();
        expect(await first).toBeInstanceOf(Error);
        expect(ctr(f.socket, n, ['leases', 'ls', '-q']).trim()).not.toBe('');
        expect(held).toMatch(/layer-sha256:/);

        const seen: PullProgress[] = [];
        const res = await pullImage(client, {
          threadPullBytes,
          ...base,
          pullId: 'again',
          onProgress: (p) => seen.push(p),
        });
        expect(res.name).toBe(ref);
        // The partial layers continued where containerd had stopped: a Range from past 0.
        expect(proxy.ranges.some((h) => /^bytes=[1-9]\d*-$/.test(h))).toBe(true);
        expect(res.downloaded).toBeLessThan(img.layers.reduce((a, l) => a + l.size, 0));
        // What was resumed from is not counted as downloaded again (nor in the speed): at most the
        // layers and the (small) config, less every Range's offset.
        const resumedBytes = proxy.ranges
          .map((h) => Number(/^bytes=(\d+)-$/.exec(h)?.[1] ?? 0))
          .reduce((a, b) => a + b, 0);
        expect(res.downloaded).toBeLessThanOrEqual(
          img.layers.reduce((a, l) => a + l.size, 0) + 4096 - resumedBytes,
        );
        expect(ctr(f.socket, n, ['run', '--rm', ref, `run-${n}`])).toContain('pulled-ok');
      } finally {
        proxy.release();
        await proxy.close();
      }
    }, 120_000);
  },
);

describe.skipIf(!have || !can.ok).each(PATHS)(
  'pullImage from a stalled registry, writing from $path',
  ({ threadPullBytes }) => {
    it('fails naming the stall, and leaves no image, content or lease', async () => {
      const img = buildLayoutImage(join(dir, `stall-${threadPullBytes}`), {
        randomLayers: 1,
        layerBytes: 1 << 20,
      });
      r.push(img.layout, 'x/stall:v1');
      const proxy = await slowProxy(r.host);
      const n = ns();
      try {
        const err = await pullImage(client, {
          threadPullBytes,
          namespace: n,
          ref: `${proxy.host}/x/stall:v1`,
          pullId: 'stall',
          insecureRegistries: [],
          credentials: null,
          signal: new AbortController().signal,
          onProgress: () => undefined,
          stallTimeoutMs: 500,
        }).catch((e: unknown) => e);
        expect(err).toMatchObject({ code: 'registry-unreachable' });
        expect((err as Error).message).toMatch(/the registry sent nothing for 1 s/);
        expect(ctr(f.socket, n, ['images', 'ls', '-q']).trim()).toBe('');
        expect(ctr(f.socket, n, ['content', 'ls', '-q']).trim()).toBe('');
        expect(ctr(f.socket, n, ['leases', 'ls', '-q']).trim()).toBe('');
      } finally {
        proxy.release();
        await proxy.close();
      }
    }, 60_000);
  },
);

/** A bearer-token front for the registry, as Docker Hub works: /v2/ wants a token from /token. */
async function bearerFront(target: string, user: string, password: string) {
  const tokenQueries: URLSearchParams[] = [];
  const sockets = new Set<import('node:net').Socket>();
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/token') {
      tokenQueries.push(url.searchParams);
      const basic = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
      if (req.headers.authorization !== basic) {
        res.writeHead(401).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ token: 'good-token' }));
      return;
    }
    if (req.headers.authorization !== 'Bearer good-token') {
      const realm = `http://${req.headers.host}/token`;
      res.writeHead(401, {
        'www-authenticate': `Bearer realm="${realm}",service="cdesk-test",scope="repository:x/bearer:pull"`,
      });
      res.end();
      return;
    }
    const headers = { ...req.headers };
    delete headers.authorization;
    const up = http.request(
      {
        host: '127.0.0.1',
        port: Number(target.split(':')[1]),
        path: req.url,
        method: req.method,
        headers,
      },
      (upRes) => {
        res.writeHead(upRes.statusCode ?? 502, upRes.headers);
        upRes.pipe(res);
      },
    );
    req.pipe(up);
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    host: `127.0.0.1:${(server.address() as import('node:net').AddressInfo).port}`,
    tokenQueries,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/**
 * A basic-auth front for the registry that sends blobs to another origin (as registries send them
 * to their storage), where a recorder passes them on and notes the authorization each carried.
 */
async function redirectingFront(target: string, user: string, password: string) {
  const storage: { url: string; authorization?: string }[] = [];
  const sockets = new Set<import('node:net').Socket>();
  const pass = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const headers = { ...req.headers };
    delete headers.authorization;
    const up = http.request(
      { host: '127.0.0.1', port: Number(target.split(':')[1]), path: req.url, headers },
      (upRes) => {
        res.writeHead(upRes.statusCode ?? 502, upRes.headers);
        upRes.pipe(res);
      },
    );
    req.pipe(up);
  };
  const store = http.createServer((req, res) => {
    storage.push({ url: req.url ?? '', authorization: req.headers.authorization });
    pass(req, res);
  });
  const front = http.createServer((req, res) => {
    const basic = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
    if (req.headers.authorization !== basic) {
      res.writeHead(401, { 'www-authenticate': 'Basic realm="cdesk-test"' }).end();
      return;
    }
    if (/\/blobs\//.test(req.url ?? '')) {
      const port = (store.address() as import('node:net').AddressInfo).port;
      res.writeHead(307, { location: `http://localhost:${port}${req.url}` }).end();
      return;
    }
    pass(req, res);
  });
  for (const s of [store, front]) {
    s.on('connection', (c) => {
      sockets.add(c);
      c.on('close', () => sockets.delete(c));
    });
    await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  }
  return {
    host: `127.0.0.1:${(front.address() as import('node:net').AddressInfo).port}`,
    storage,
    close: async () => {
      for (const c of sockets) c.destroy();
      await Promise.all(
        [store, front].map((s) => new Promise<void>((resolve) => s.close(() => resolve()))),
      );
    },
  };
}

describe.skipIf(!have || !can.ok).each(PATHS)(
  'pullImage with blobs redirected to another origin, writing from $path',
  ({ threadPullBytes }) => {
    it('follows the redirect and keeps the credentials on the registry', async () => {
      const front = await redirectingFront(r.host, 'carol', 'secret');
      try {
        // A layer of its own: one containerd holds already is not downloaded again.
        const img = buildLayoutImage(join(dir, `redirect-${threadPullBytes}`), {
          randomLayers: 1,
          layerBytes: 1 << 16,
        });
        r.push(img.layout, 'x/redirect:v1');
        const n = ns();
        const res = await pullImage(client, {
          threadPullBytes,
          namespace: n,
          ref: `${front.host}/x/redirect:v1`,
          pullId: 'redirect',
          insecureRegistries: [],
          credentials: { username: 'carol', password: 'secret' },
          signal: new AbortController().signal,
          onProgress: () => undefined,
        });
        expect(res.digest).toBe((await registryManifest(r, 'x/redirect', 'v1')).digest);
        // The new layer came from the storage; no blob went there with the registry's login.
        const fresh = img.layers[img.layers.length - 1]!.digest;
        expect(front.storage.map((s) => s.url)).toContain(`/v2/x/redirect/blobs/${fresh}`);
        expect(front.storage.filter((s) => s.authorization !== undefined)).toEqual([]);
        expect(
          ctr(f.socket, n, ['run', '--rm', `${front.host}/x/redirect:v1`, `run-${n}`]),
        ).toContain('pulled-ok');
      } finally {
        await front.close();
      }
    }, 60_000);
  },
);

describe.skipIf(!have || !can.ok).each(PATHS)(
  'pullImage with bearer-token auth, writing from $path',
  ({ threadPullBytes }) => {
    it('answers the challenge at the token endpoint with the login, then pulls by digest', async () => {
      const front = await bearerFront(r.host, 'bob', 'secret');
      try {
        r.push(buildLayoutImage(join(dir, `bearer-${threadPullBytes}`)).layout, 'x/bearer:v1');
        const { digest } = await registryManifest(r, 'x/bearer', 'v1');
        const base = {
          threadPullBytes,
          ref: `${front.host}/x/bearer@${digest}`,
          pullId: 'bearer',
          insecureRegistries: [],
          signal: new AbortController().signal,
          onProgress: () => undefined,
        };
        const refused = await pullImage(client, {
          ...base,
          namespace: ns(),
          credentials: { username: 'bob', password: 'wrong' },
        }).catch((e: unknown) => e);
        expect(refused).toMatchObject({ code: 'registry-unauthorized' });
        expect((refused as Error).message).toMatch(/token endpoint/);

        const n = ns();
        const res = await pullImage(client, {
          ...base,
          namespace: n,
          credentials: { username: 'bob', password: 'secret' },
        });
        expect(res).toMatchObject({ name: `${front.host}/x/bearer@${digest}`, digest });
        const q = front.tokenQueries.at(-1)!;
        expect(q.get('service')).toBe('cdesk-test');
        expect(q.get('scope')).toBe('repository:x/bearer:pull');
        expect(ctr(f.socket, n, ['images', 'ls', '-q']).trim()).toBe(
          `${front.host}/x/bearer@${digest}`,
        );
      } finally {
        await front.close();
      }
    }, 60_000);
  },
);

describe.skipIf(!have || !can.ok)(
  'pullImage from registries elsewhere, and onto a full disk',
  () => {
    it('reaches a registry that is not loopback over HTTPS: plain HTTP is refused, naming insecureRegistries; listed there, it pulls', async () => {
      // This machine's own non-loopback address: a registry there is "remote" to the pull.
      const address = Object.values(networkInterfaces())
        .flat()
        .find((a) => a && a.family === 'IPv4' && !a.internal)?.address;
      if (!address) throw new Error('this test needs a non-loopback IPv4 address on this machine');
      const plain = await startRegistry({ listen: address });
      try {
        const img = buildLayoutImage(join(dir, 'tls'), { randomLayers: 1, layerBytes: 1 << 16 });
        plain.push(img.layout, 'x/tls:v1');
        const n = ns();
        const pullFrom = (insecureRegistries: string[]) =>
          pullImage(client, {
            namespace: n,
            ref: `${plain.host}/x/tls:v1`,
            pullId: `tls-${insecureRegistries.length}`,
            insecureRegistries,
            credentials: null,
            signal: new AbortController().signal,
            onProgress: () => undefined,
          });
        await expect(pullFrom([])).rejects.toMatchObject({
          code: 'registry-unreachable',
          hint: expect.stringContaining(`insecureRegistries ${plain.host}`),
        });
        expect(ctr(f.socket, n, ['images', 'ls', '-q'])).toBe('');
        expect(ctr(f.socket, n, ['content', 'ls', '-q'])).toBe('');
        const res = await pullFrom([plain.host]);
        expect(res.digest).toBe((await registryManifest(plain, 'x/tls', 'v1')).digest);
        expect(ctr(f.socket, n, ['images', 'ls', '-q'])).toContain(`${plain.host}/x/tls:v1`);
      } finally {
        await plain.stop();
      }
    }, 120_000);

    it('a full disk fails the pull with a clear error and leaves no image, content or lease', async () => {
      // containerd's root on a 16 MiB tmpfs (root only, as CI runs), the image needs 24 MiB.
      const mnt = join(dir, 'small-root');
      mkdirSync(mnt);
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=16m', 'cdesk-test', mnt]);
      let small: InsideFixture | null = null;
      try {
        small = await startInside((s) => (s.rootDir = mnt), { importImage: false });
        const img = buildLayoutImage(join(dir, 'big'), { randomLayers: 3, layerBytes: 8 << 20 });
        r.push(img.layout, 'x/big:v1');
        const smallClient = new ContainerdClient(new DaemonChannel(small.socket));
        const n = ns();
        try {
          const err = await pullImage(smallClient, {
            namespace: n,
            ref: `${r.host}/x/big:v1`,
            pullId: 'full',
            insecureRegistries: [],
            credentials: null,
            signal: new AbortController().signal,
            onProgress: () => undefined,
          }).catch((e: unknown) => e);
          expect(err).toMatchObject({
            code: 'no-space',
            message: expect.stringMatching(/no space left/i),
            hint: expect.stringMatching(/free space/i),
          });
          expect(ctr(small.socket, n, ['images', 'ls', '-q'])).toBe('');
          expect(ctr(small.socket, n, ['content', 'ls', '-q'])).toBe('');
          expect(ctr(small.socket, n, ['leases', 'ls', '-q'])).toBe('');
        } finally {
          smallClient.channel.close();
        }
      } finally {
        await small?.dispose();
        execFileSync('umount', ['-l', mnt]);
      }
    }, 180_000);
  },
);
