// Builds a tiny OCI image archive from the static /bin/busybox (no registry needed) and imports it with ctr.
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
  copyFileSync,
  chmodSync,
} from 'node:fs';
import { join } from 'node:path';
import { hostPlatform } from '../../main/containerd/image-size';

export const BUSYBOX = '/bin/busybox';
export const CTR = '/usr/bin/ctr';

/** True when the tests can build and run images: root (runc), busybox-static and ctr present. */
export function canRunContainers(): { ok: true } | { ok: false; reason: string } {
  if (process.getuid?.() !== 0)
    return { ok: false, reason: 'not root (running containers needs root)' };
  if (!existsSync(BUSYBOX))
    return { ok: false, reason: `${BUSYBOX} missing (apt-get install busybox-static)` };
  if (!existsSync(CTR)) return { ok: false, reason: `${CTR} missing (apt-get install containerd)` };
  return { ok: true };
}

const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

export interface BuiltImage {
  /** The archive to `ctr images import`. */
  archive: string;
  name: string;
  /** Digest and size of the manifest (the image's target). */
  manifestDigest: string;
  /** manifest + config + layer bytes: what `ctr images ls` shows as the size. */
  size: number;
}

/**
 * Write an OCI image layout (one layer: busybox + sh/sleep/true links, and /etc/passwd and
 * /etc/group when given) and tar it into `dir`/image.tar.
 */
export function buildBusyboxImage(
  dir: string,
  name = 'docker.io/cdesk/busybox:test',
  etc: { passwd: string; group: string } | null = null,
): BuiltImage {
  const rootfs = join(dir, 'rootfs');
  if (etc) {
    mkdirSync(join(rootfs, 'etc'), { recursive: true });
    writeFileSync(join(rootfs, 'etc', 'passwd'), etc.passwd);
    writeFileSync(join(rootfs, 'etc', 'group'), etc.group);
  }
  mkdirSync(join(rootfs, 'bin'), { recursive: true });
  copyFileSync(BUSYBOX, join(rootfs, 'bin', 'busybox'));
  chmodSync(join(rootfs, 'bin', 'busybox'), 0o755);
  for (const tool of ['sh', 'sleep', 'true', 'trap', 'cat', 'stty', 'id', 'pwd']) {
    if (!existsSync(join(rootfs, 'bin', tool))) symlinkSync('busybox', join(rootfs, 'bin', tool));
  }
  const layerTar = join(dir, 'layer.tar');
  execFileSync('tar', [
    '--sort=name',
    '--owner=0',
    '--group=0',
    '--numeric-owner',
    '--mtime=@0',
    '-C',
    rootfs,
    '-cf',
    layerTar,
    'bin',
    ...(etc ? ['etc'] : []),
  ]);
  const layer = readFileSync(layerTar);
  const { os, architecture } = hostPlatform();
  const config = Buffer.from(
    JSON.stringify({
      architecture,
      os,
      config: { Env: ['PATH=/bin'], Cmd: ['/bin/sleep', '3600'] },
      rootfs: { type: 'layers', diff_ids: [sha(layer)] },
    }),
  );
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: {
        mediaType: 'application/vnd.oci.image.config.v1+json',
        digest: sha(config),
        size: config.length,
      },
      layers: [
        {
          mediaType: 'application/vnd.oci.image.layer.v1.tar',
          digest: sha(layer),
          size: layer.length,
        },
      ],
    }),
  );
  const layout = join(dir, 'layout');
  const blobs = join(layout, 'blobs', 'sha256');
  mkdirSync(blobs, { recursive: true });
  for (const b of [layer, config, manifest]) writeFileSync(join(blobs, sha(b).slice(7)), b);
  writeFileSync(join(layout, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  writeFileSync(
    join(layout, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [
        {
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          digest: sha(manifest),
          size: manifest.length,
          platform: { os, architecture },
          annotations: {
            'io.containerd.image.name': name,
            'org.opencontainers.image.ref.name': name.split(':').pop(),
          },
        },
      ],
    }),
  );
  const archive = join(dir, 'image.tar');
  execFileSync('tar', [
    '--sort=name',
    '--owner=0',
    '--group=0',
    '--numeric-owner',
    '--mtime=@0',
    '-C',
    layout,
    '-cf',
    archive,
    '.',
  ]);
  return {
    archive,
    name,
    manifestDigest: sha(manifest),
    size: manifest.length + config.length + layer.length,
  };
}

/** Run ctr against a socket (argv array, never a shell); returns stdout. */
export function ctr(socket: string, namespace: string, args: string[], timeoutMs = 60_000): string {
  return execFileSync(CTR, ['-a', socket, '-n', namespace, ...args], {
    encoding: 'utf8',
    timeout: timeoutMs,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Import the image into `namespace` (unpacked for the host's snapshotter). */
export function importImage(socket: string, namespace: string, img: BuiltImage): void {
  ctr(socket, namespace, ['images', 'import', img.archive]);
}

/** Kill and delete every task and container in every namespace (tasks outlive containerd: clean up while it runs). */
export function removeAllContainers(socket: string): void {
  // A restart monitor that read the list before the label changed can start a task again between
  // `tasks delete` and `containers rm`; go round until nothing is left, so no rootfs stays mounted.
  for (let round = 0; round < 10; round++) {
    let left = 0;
    const nss = ctr(socket, 'default', ['namespaces', 'ls', '-q']).split('\n').filter(Boolean);
    for (const ns of nss) {
      for (const id of ctr(socket, ns, ['containers', 'ls', '-q']).split('\n').filter(Boolean)) {
        left++;
        try {
          // containerd's restart monitor would start a --restart container's task again.
          ctr(socket, ns, ['containers', 'label', id, 'containerd.io/restart.status=stopped']);
          ctr(socket, ns, ['tasks', 'delete', '-f', id]);
        } catch {
          // no task
        }
        try {
          ctr(socket, ns, ['containers', 'rm', id]);
        } catch {
          // already gone, or a task came back: the next round takes it
        }
      }
    }
    if (left === 0) return;
    execFileSync('sleep', ['0.2']);
  }
}

/** `ctr t ls` as {id → {pid, status}}. */
export function ctrTasks(
  socket: string,
  namespace: string,
): Map<string, { pid: number; status: string }> {
  const out = new Map<string, { pid: number; status: string }>();
  for (const line of ctr(socket, namespace, ['tasks', 'ls']).split('\n').slice(1)) {
    const [id, pid, status] = line.trim().split(/\s+/);
    if (id && pid && status) out.set(id, { pid: Number(pid), status: status.toLowerCase() });
  }
  return out;
}

/** `ctr … ls -q` as a sorted list. */
export function ctrList(
  socket: string,
  namespace: string,
  what: 'containers' | 'images',
): string[] {
  return ctr(socket, namespace, [what, 'ls', '-q']).split('\n').filter(Boolean).sort();
}
