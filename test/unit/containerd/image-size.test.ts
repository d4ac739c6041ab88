// Image size as ctr counts it: manifest + config + layers; an index adds itself and the host's manifest.
import { describe, expect, it } from 'vitest';
import { hostPlatform, imageSize } from '../../../main/containerd/image-size';

const blobs = new Map<string, unknown>();
const read = async (d: string) => {
  const b = blobs.get(d);
  if (b === undefined) throw new Error(`no blob ${d}`);
  return Buffer.from(JSON.stringify(b));
};
const MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const INDEX = 'application/vnd.oci.image.index.v1+json';

blobs.set('sha256:m-amd64', {
  config: { digest: 'c1', size: 100 },
  layers: [{ size: 1000 }, { size: 2000 }],
});
blobs.set('sha256:m-arm64', { config: { digest: 'c2', size: 50 }, layers: [{ size: 7 }] });
blobs.set('sha256:index', {
  manifests: [
    {
      mediaType: MANIFEST,
      digest: 'sha256:m-arm64',
      size: 300,
      platform: { os: 'linux', architecture: 'arm64', variant: 'v8' },
    },
    {
      mediaType: MANIFEST,
      digest: 'sha256:m-amd64',
      size: 400,
      platform: { os: 'linux', architecture: 'amd64' },
    },
  ],
});

describe('imageSize', () => {
  it('a manifest: its own size + config + layers', async () => {
    expect(
      await imageSize({ media_type: MANIFEST, digest: 'sha256:m-amd64', size: '400' }, read),
    ).toBe(400 + 100 + 3000);
  });

  it("an index: its size + the host platform's manifest", async () => {
    const target = { media_type: INDEX, digest: 'sha256:index', size: '600' };
    expect(await imageSize(target, read, hostPlatform('x64'))).toBe(600 + 400 + 100 + 3000);
    expect(await imageSize(target, read, hostPlatform('arm64'))).toBe(600 + 300 + 50 + 7);
  });

  it('an index without the host platform counts only itself', async () => {
    expect(
      await imageSize({ media_type: INDEX, digest: 'sha256:index', size: '600' }, read, {
        os: 'linux',
        architecture: 's390x',
      }),
    ).toBe(600);
  });

  it('a missing manifest blob fails (the caller shows no size)', async () => {
    await expect(
      imageSize({ media_type: MANIFEST, digest: 'sha256:gone', size: '1' }, read),
    ).rejects.toThrow(/no blob/);
  });
});

describe('hostPlatform', () => {
  it("maps Node's arch names to Go's", () => {
    expect(hostPlatform('x64')).toEqual({ os: 'linux', architecture: 'amd64' });
    expect(hostPlatform('arm64')).toEqual({ os: 'linux', architecture: 'arm64', variant: 'v8' });
  });
});
