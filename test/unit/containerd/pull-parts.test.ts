// The pure parts of a pull: references, platforms, chain ids, auth challenges, HTTP choice, progress.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { PullProgress } from '../../../common/containerd';
import { encodeWriteHead, messagesInFlight } from '../../../main/containerd/pull/content-write';
import { pickManifest, parsePlatform } from '../../../main/containerd/pull/platform';
import { PullTracker } from '../../../main/containerd/pull/progress';
import { isInsecure } from '../../../main/containerd/pull/pull';
import { parseReference, registryHost } from '../../../main/containerd/pull/reference';
import { parseChallenge } from '../../../main/containerd/pull/registry';
import { chainIds } from '../../../main/containerd/pull/unpack';
import {
  WriteAction,
  WriteContentRequest,
} from '../../../main/shared/api/services/content/v1/content';

const D = `sha256:${'a'.repeat(64)}`;

describe('parseReference (docker normalisation)', () => {
  it.each([
    ['alpine', 'docker.io', 'library/alpine', 'latest', null, 'docker.io/library/alpine:latest'],
    ['alpine:3.20', 'docker.io', 'library/alpine', '3.20', null, 'docker.io/library/alpine:3.20'],
    ['user/app', 'docker.io', 'user/app', 'latest', null, 'docker.io/user/app:latest'],
    ['index.docker.io/library/a:1', 'docker.io', 'library/a', '1', null, 'docker.io/library/a:1'],
    ['127.0.0.1:5000/x/y:tag', '127.0.0.1:5000', 'x/y', 'tag', null, '127.0.0.1:5000/x/y:tag'],
    ['localhost/x', 'localhost', 'x', 'latest', null, 'localhost/x:latest'],
    ['ghcr.io/o/r/s:v-1.2_3', 'ghcr.io', 'o/r/s', 'v-1.2_3', null, 'ghcr.io/o/r/s:v-1.2_3'],
    [`busybox@${D}`, 'docker.io', 'library/busybox', null, D, `docker.io/library/busybox@${D}`],
    [`r.lan:80/a:t@${D}`, 'r.lan:80', 'a', 't', D, `r.lan:80/a:t@${D}`],
  ])('%s', (text, domain, path, tag, digest, name) => {
    expect(parseReference(text)).toEqual({ domain, path, tag, digest, name });
  });

  it.each([
    ['', /empty/],
    ['Alpine', /lowercase/],
    ['a::b', /not a valid name component/],
    ['a:b c', /tag/],
    ['a@sha256:xyz', /digest/],
    ['a/-b', /not a valid name component/],
    [':tag', /name is missing/],
    [`${'a'.repeat(300)}`, /longer than 255/],
    ['127.0.0.1:99999/x', /port 99999 is not between 1 and 65535/],
    ['localhost:0/x:1', /port 0 is not between 1 and 65535/],
    ['[::1]:65536/x', /port 65536/],
  ])('refuses %j with the reason and the form to use', (text, why) => {
    expect(() => parseReference(text)).toThrow(why);
    try {
      parseReference(text);
    } catch (err) {
      expect((err as { code: string; hint: string }).code).toBe('bad-reference');
      expect((err as { hint: string }).hint).toMatch(/\[REGISTRY\/\]NAME\[:TAG\]/);
    }
  });

  it("Docker Hub's API is not docker.io", () => {
    expect(registryHost('docker.io')).toBe('registry-1.docker.io');
    expect(registryHost('127.0.0.1:5000')).toBe('127.0.0.1:5000');
  });
});

describe('platforms', () => {
  const entry = (p: string, digest: string) => {
    const [os, architecture, variant] = p.split('/');
    return { digest, size: 1, platform: { os, architecture, ...(variant ? { variant } : {}) } };
  };
  const index = [
    entry('linux/arm/v7', 'a'),
    entry('linux/amd64', 'b'),
    entry('linux/arm64/v8', 'c'),
  ];

  it('picks the first match, arm64 meaning v8', () => {
    expect(pickManifest(index, parsePlatform('linux/amd64'), 'x').digest).toBe('b');
    expect(pickManifest(index, parsePlatform('linux/arm64'), 'x').digest).toBe('c');
    expect(pickManifest(index, parsePlatform('linux/arm/v7'), 'x').digest).toBe('a');
  });

  it('names what the index has when the platform is missing', () => {
    expect(() => pickManifest(index, parsePlatform('linux/s390x'), 'img')).toThrow(
      'img has no image for linux/s390x; it has linux/arm/v7, linux/amd64, linux/arm64/v8',
    );
  });

  it('refuses a platform that is not os/arch[/variant]', () => {
    expect(() => parsePlatform('amd64')).toThrow(/os\/architecture/);
    expect(() => parsePlatform('linux/amd64/v1/x')).toThrow(/os\/architecture/);
  });
});

describe('chainIds', () => {
  it('follows the OCI image spec: the first is the diff id, then sha256 of "parent diff"', () => {
    const a = `sha256:${'1'.repeat(64)}`;
    const b = `sha256:${'2'.repeat(64)}`;
    const [c0, c1] = chainIds([a, b]);
    expect(c0).toBe(a);
    expect(c1).toBe(`sha256:${createHash('sha256').update(`${a} ${b}`).digest('hex')}`);
  });
});

describe('parseChallenge', () => {
  it('reads a bearer challenge with quoted parameters', () => {
    expect(
      parseChallenge(
        'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/alpine:pull"',
      ),
    ).toEqual({
      scheme: 'bearer',
      params: {
        realm: 'https://auth.docker.io/token',
        service: 'registry.docker.io',
        scope: 'repository:library/alpine:pull',
      },
    });
  });
  it('reads a basic challenge', () => {
    expect(parseChallenge('Basic realm="cdesk-test"')).toEqual({
      scheme: 'basic',
      params: { realm: 'cdesk-test' },
    });
  });
});

describe('isInsecure', () => {
  it('plain HTTP for loopback and listed registries only', () => {
    expect(isInsecure('localhost:5000', [])).toBe(true);
    expect(isInsecure('127.0.0.1:5000', [])).toBe(true);
    expect(isInsecure('[::1]:5000', [])).toBe(true);
    expect(isInsecure('registry.lan:5000', [])).toBe(false);
    expect(isInsecure('registry.lan:5000', ['registry.lan:5000'])).toBe(true);
    expect(isInsecure('registry.lan', ['registry.lan'])).toBe(true);
    expect(isInsecure('docker.io', ['registry.lan'])).toBe(false);
  });
});

describe('PullTracker', () => {
  it('emits once per interval, changed or not, then the final event at once and no more', async () => {
    const seen: PullProgress[] = [];
    const t = new PullTracker({ pullId: 'p', namespace: 'n', ref: 'r' }, (p) => seen.push(p), 20);
    t.layer('sha256:l', 1000);
    t.setPhase('downloading');
    for (let i = 1; i <= 100; i++) t.bytes('sha256:l', i * 10);
    expect(seen).toHaveLength(0);
    await new Promise((r) => setTimeout(r, 50));
    expect(seen.length).toBeGreaterThanOrEqual(1);
    expect(seen.length).toBeLessThanOrEqual(3);
    expect(seen.at(-1)!.layers[0]).toMatchObject({ current: 1000, total: 1000 });
    t.status('sha256:l', 'extracting');
    const before = seen.length;
    await new Promise((r) => setTimeout(r, 70));
    expect(seen.length).toBeGreaterThan(before);
    t.status('sha256:l', 'done');
    t.finish('done');
    expect(seen.at(-1)!.phase).toBe('done');
    const n = seen.length;
    await new Promise((r) => setTimeout(r, 50));
    expect(seen).toHaveLength(n);
  });
});

describe('encodeWriteHead', () => {
  // Offsets and lengths either side of the varint byte boundaries, and one beyond 2^32.
  it.each([
    [0, 1],
    [127, 127],
    [128, 128],
    [16_383, 16_384],
    [2 ** 20, 2 ** 20 - 64],
    [2 ** 33 + 5, 3],
  ])("offset %d, %d bytes: with the data, the generated encoder's bytes", (offset, length) => {
    const data = Buffer.alloc(length);
    for (let i = 0; i < length; i++) data[i] = (i * 7 + 3) & 0xff;
    const generated = WriteContentRequest.encode(
      WriteContentRequest.fromPartial({ action: WriteAction.WRITE, offset: String(offset), data }),
    ).finish();
    const ours = Buffer.concat([encodeWriteHead(offset, length), data]);
    expect(Buffer.compare(ours, Buffer.from(generated))).toBe(0);
    const back = WriteContentRequest.decode(ours);
    expect(back.offset).toBe(String(offset));
    expect(Buffer.compare(Buffer.from(back.data), data)).toBe(0);
  });
});

describe('messagesInFlight', () => {
  it('keeps the blob first in the unpack order busiest, and the next one once it is done', () => {
    const writing = new Map([
      [11, 1],
      [12, 2],
      [13, -1],
    ]);
    // The config (-1) is first: unpacking needs it before any layer.
    expect(messagesInFlight(writing.values(), -1)).toBeGreaterThan(1);
    expect(messagesInFlight(writing.values(), 1)).toBe(1);
    expect(messagesInFlight(writing.values(), 2)).toBe(1);
    writing.delete(13);
    expect(messagesInFlight(writing.values(), 1)).toBeGreaterThan(1);
    expect(messagesInFlight(writing.values(), 2)).toBe(1);
  });
});
