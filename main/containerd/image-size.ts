// An image's size as `ctr images ls` computes it: the target, plus (for an index) the host platform's manifest, its config and layers.

export interface Descriptor {
  mediaType?: string;
  media_type?: string;
  digest: string;
  size: number | string;
  platform?: { os?: string; architecture?: string; variant?: string };
}

/** Reads a blob from the content store (bounded by the caller). */
export type BlobReader = (digest: string) => Promise<Buffer>;

const INDEX_TYPES = new Set([
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
]);
const MANIFEST_TYPES = new Set([
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
]);

/** The host as an OCI platform (Node's arch names → Go's). */
export function hostPlatform(arch = process.arch): {
  os: string;
  architecture: string;
  variant?: string;
} {
  const map: Record<string, string> = {
    x64: 'amd64',
    ia32: '386',
    arm64: 'arm64',
    arm: 'arm',
    ppc64: 'ppc64le',
    s390x: 's390x',
    riscv64: 'riscv64',
  };
  const architecture = map[arch] ?? arch;
  return architecture === 'arm64'
    ? { os: 'linux', architecture, variant: 'v8' }
    : { os: 'linux', architecture };
}

function matchesHost(d: Descriptor, host: ReturnType<typeof hostPlatform>): boolean {
  // containerd's FilterPlatforms keeps descriptors without a platform.
  if (!d.platform) return true;
  if (d.platform.os !== host.os || d.platform.architecture !== host.architecture) return false;
  if (host.variant && d.platform.variant && d.platform.variant !== host.variant) return false;
  return true;
}

const sizeOf = (d: Descriptor) => Number(d.size) || 0;
const typeOf = (d: Descriptor) => d.mediaType ?? d.media_type ?? '';

/** Sum of the descriptors walked for the host platform; null when a manifest cannot be read or parsed. */
export async function imageSize(
  target: Descriptor,
  read: BlobReader,
  host = hostPlatform(),
  depth = 0,
): Promise<number | null> {
  if (depth > 4) return null;
  const type = typeOf(target);
  if (INDEX_TYPES.has(type)) {
    const index = JSON.parse((await read(target.digest)).toString('utf8')) as {
      manifests?: Descriptor[];
    };
    // LimitManifests(…, 1): the first manifest matching the host.
    const m = (index.manifests ?? []).find((d) => matchesHost(d, host));
    if (!m) return sizeOf(target);
    const inner = await imageSize(m, read, host, depth + 1);
    return inner === null ? null : sizeOf(target) + inner;
  }
  if (MANIFEST_TYPES.has(type)) {
    const manifest = JSON.parse((await read(target.digest)).toString('utf8')) as {
      config?: Descriptor;
      layers?: Descriptor[];
    };
    const config = manifest.config ? sizeOf(manifest.config) : 0;
    const layers = (manifest.layers ?? []).reduce((n, l) => n + sizeOf(l), 0);
    return sizeOf(target) + config + layers;
  }
  return sizeOf(target);
}
