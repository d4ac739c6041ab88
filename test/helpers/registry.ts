// A real registry on 127.0.0.1 (Debian's docker-registry, distribution 2.8) with a temp storage dir,
// images pushed into it with skopeo, and image layouts built from busybox plus random layers.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hostPlatform } from '../../main/containerd/image-size';
import { buildBusyboxImage } from './oci-image';

export const REGISTRY_BIN = '/usr/bin/docker-registry';
export const SKOPEO = '/usr/bin/skopeo';
export const HTPASSWD = '/usr/bin/htpasswd';

/** Registry tests need the registry, skopeo and htpasswd (.ci/run installs them). */
export function canRunRegistry(): { ok: true } | { ok: false; reason: string } {
  for (const [bin, pkg] of [
    [REGISTRY_BIN, 'docker-registry'],
    [SKOPEO, 'skopeo'],
    [HTPASSWD, 'apache2-utils'],
  ] as const)
    if (!existsSync(bin)) return { ok: false, reason: `${bin} missing (apt-get install ${pkg})` };
  return { ok: true };
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

export interface TestRegistry {
  /** host:port, e.g. 127.0.0.1:41234 */
  host: string;
  /** The storage root (blobs under docker/registry/v2/blobs/sha256/xx/<hex>/data). */
  storage: string;
  auth: { username: string; password: string } | null;
  /** skopeo copy from an OCI layout dir (`--all` keeps an index) to HOST/repo. */
  push(layout: string, repo: string, opts?: { all?: boolean }): void;
  blobPath(digest: string): string;
  stop(): Promise<void>;
}

/**
 * `listen`: the address to serve on (default 127.0.0.1). Another of this machine's addresses
 * makes a registry the app reaches over HTTPS unless it is listed in insecureRegistries.
 */
export async function startRegistry(
  opts: { auth?: boolean; listen?: string } = {},
): Promise<TestRegistry> {
  const dir = mkdtempSync(join(tmpdir(), 'cd-reg-'));
  const storage = join(dir, 'storage');
  mkdirSync(storage);
  const port = await freePort();
  const auth = opts.auth
    ? { username: 'tester', password: `pw-${randomBytes(6).toString('hex')}` }
    : null;
  const lines = [
    'version: 0.1',
    'log:',
    '  level: error',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${storage}`,
    '  delete:',
    '    enabled: true',
    'http:',
    `  addr: ${opts.listen ?? '127.0.0.1'}:${port}`,
  ];
  if (auth) {
    const htpasswd = join(dir, 'htpasswd');
    writeFileSync(
      htpasswd,
      execFileSync(HTPASSWD, ['-Bbn', auth.username, auth.password], { encoding: 'utf8' }),
    );
    lines.push('auth:', '  htpasswd:', '    realm: cdesk-test', `    path: ${htpasswd}`);
  }
  const config = join(dir, 'config.yml');
  writeFileSync(config, `${lines.join('\n')}\n`);
  const child: ChildProcess = spawn(REGISTRY_BIN, ['serve', config], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (b: Buffer) => {
    if (stderr.length < 64 * 1024) stderr += b.toString('utf8');
  });
  const host = `${opts.listen ?? '127.0.0.1'}:${port}`;
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`docker-registry exited: ${stderr}`);
    try {
      const r = await fetch(`http://${host}/v2/`);
      if (r.status === 200 || r.status === 401) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline)
      throw new Error(`docker-registry did not answer on ${host}: ${stderr}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    host,
    storage,
    auth,
    push(layout, repo, o = {}) {
      execFileSync(
        SKOPEO,
        [
          '--insecure-policy',
          'copy',
          '--quiet',
          ...(o.all ? ['--all'] : []),
          '--dest-tls-verify=false',
          ...(auth ? ['--dest-creds', `${auth.username}:${auth.password}`] : []),
          `oci:${layout}`,
          `docker://${host}/${repo}`,
        ],
        { stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 },
      );
    },
    blobPath: (digest) =>
      join(storage, 'docker/registry/v2/blobs/sha256', digest.slice(7, 9), digest.slice(7), 'data'),
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await new Promise((r) => child.once('exit', r));
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

export interface LayoutImage {
  /** OCI layout dir (for `oci:DIR`; a single manifest or an index in index.json). */
  layout: string;
  /** The target digest the registry will report (manifest, or the index with `platforms`). */
  digest: string;
  layers: { digest: string; size: number }[];
  configDigest: string;
  /** The host platform's manifest digest. */
  manifestDigest: string;
}

interface Blob {
  mediaType: string;
  digest: string;
  size: number;
}

function putBlob(layout: string, b: Buffer): string {
  const d = sha(b);
  writeFileSync(join(layout, 'blobs', 'sha256', d.slice(7)), b);
  return d;
}

/**
 * An OCI layout: busybox's layer, then `randomLayers` gzip layers of `layerBytes` random bytes
 * each; with `otherPlatforms`, an index holding the host's manifest and one per other platform.
 */
export function buildLayoutImage(
  dir: string,
  o: { randomLayers?: number; layerBytes?: number; otherPlatforms?: string[] } = {},
): LayoutImage {
  buildBusyboxImage(join(dir, 'bb'));
  const layout = join(dir, 'layout');
  mkdirSync(join(layout, 'blobs', 'sha256'), { recursive: true });
  writeFileSync(join(layout, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  const bbLayer = readFileSync(join(dir, 'bb', 'layer.tar'));
  const layers: Blob[] = [
    {
      mediaType: 'application/vnd.oci.image.layer.v1.tar',
      digest: putBlob(layout, bbLayer),
      size: bbLayer.length,
    },
  ];
  const diffIds = [sha(bbLayer)];
  for (let i = 0; i < (o.randomLayers ?? 0); i++) {
    const root = join(dir, `l${i}`);
    mkdirSync(join(root, 'data'), { recursive: true });
    writeFileSync(join(root, 'data', `f${i}`), randomBytes(o.layerBytes ?? 1024 * 1024));
    const tarFile = join(dir, `l${i}.tar`);
    execFileSync('tar', [
      '--sort=name',
      '--owner=0',
      '--group=0',
      '--numeric-owner',
      '--mtime=@0',
      '-C',
      root,
      '-cf',
      tarFile,
      'data',
    ]);
    const tar = readFileSync(tarFile);
    const gz = execFileSync('gzip', ['-n', '-1', '-c', tarFile], { maxBuffer: 1 << 30 });
    layers.push({
      mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
      digest: putBlob(layout, gz),
      size: gz.length,
    });
    diffIds.push(sha(tar));
  }
  const manifestFor = (platform: { os: string; architecture: string; variant?: string }) => {
    const config = Buffer.from(
      JSON.stringify({
        ...platform,
        config: { Env: ['PATH=/bin'], Cmd: ['/bin/sh', '-c', 'echo pulled-ok'] },
        rootfs: { type: 'layers', diff_ids: diffIds },
      }),
    );
    const configDigest = putBlob(layout, config);
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: {
          mediaType: 'application/vnd.oci.image.config.v1+json',
          digest: configDigest,
          size: config.length,
        },
        layers,
      }),
    );
    return { digest: putBlob(layout, manifest), size: manifest.length, configDigest };
  };
  const host = hostPlatform();
  const mine = manifestFor(host);
  let top: Blob = {
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    digest: mine.digest,
    size: mine.size,
  };
  if (o.otherPlatforms?.length) {
    const entries = o.otherPlatforms.map((p) => {
      const [os, architecture, variant] = p.split('/') as [string, string, string | undefined];
      const platform = variant ? { os, architecture, variant } : { os, architecture };
      const m = manifestFor(platform);
      return {
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        digest: m.digest,
        size: m.size,
        platform,
      };
    });
    // The host's manifest in the middle: picking the first entry would be wrong.
    entries.splice(Math.min(1, entries.length), 0, {
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      digest: mine.digest,
      size: mine.size,
      platform: host,
    });
    const index = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.index.v1+json',
        manifests: entries,
      }),
    );
    top = {
      mediaType: 'application/vnd.oci.image.index.v1+json',
      digest: putBlob(layout, index),
      size: index.length,
    };
  }
  writeFileSync(join(layout, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [top] }));
  return {
    layout,
    digest: top.digest,
    layers: layers.map((l) => ({ digest: l.digest, size: l.size })),
    configDigest: mine.configDigest,
    manifestDigest: mine.digest,
  };
}

/** The registry's own digest of repo:tag (Docker-Content-Digest) and its manifest bytes. */
export async function registryManifest(
  r: TestRegistry,
  repo: string,
  ref: string,
): Promise<{ digest: string; body: Buffer }> {
  const headers: Record<string, string> = {
    accept: [
      'application/vnd.oci.image.index.v1+json',
      'application/vnd.docker.distribution.manifest.list.v2+json',
      'application/vnd.oci.image.manifest.v1+json',
      'application/vnd.docker.distribution.manifest.v2+json',
    ].join(', '),
  };
  if (r.auth)
    headers.authorization = `Basic ${Buffer.from(`${r.auth.username}:${r.auth.password}`).toString('base64')}`;
  const res = await fetch(`http://${r.host}/v2/${repo}/manifests/${ref}`, { headers });
  if (!res.ok) throw new Error(`manifest ${repo}:${ref}: ${res.status}`);
  const body = Buffer.from(await res.arrayBuffer());
  return { digest: sha(body), body };
}

/** A proxy in front of the registry that holds blob bodies after their first `holdAfter` bytes until released; it records Range headers. */
export async function slowProxy(target: string, holdAfter = 64 * 1024) {
  let hold = true;
  const waiting = new Set<() => void>();
  const sockets = new Set<net.Socket>();
  const ranges: string[] = [];
  const server = http.createServer((req, res) => {
    if (req.headers.range) ranges.push(req.headers.range);
    const up = http.request(
      {
        host: '127.0.0.1',
        port: Number(target.split(':')[1]),
        path: req.url,
        method: req.method,
        headers: req.headers,
      },
      (upRes) => {
        res.writeHead(upRes.statusCode ?? 502, upRes.headers);
        if (!/\/blobs\/sha256:/.test(req.url ?? '') || !hold) return void upRes.pipe(res);
        let sent = 0;
        upRes.on('data', (chunk: Buffer) => {
          sent += chunk.length;
          res.write(chunk);
          if (sent >= holdAfter && hold) {
            upRes.pause();
            waiting.add(() => upRes.resume());
          }
        });
        upRes.on('end', () => res.end());
      },
    );
    req.pipe(up);
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    host: `127.0.0.1:${port}`,
    ranges,
    release() {
      hold = false;
      for (const w of waiting) w();
      waiting.clear();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
