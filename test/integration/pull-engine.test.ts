// The pull engine against a real registry (docker-registry on 127.0.0.1) and real containerd.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PullProgress } from '../../common/containerd';
import { ContainerdClient } from '../../main/containerd/client';
import { pullImage } from '../../main/containerd/pull/pull';
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

describe.skipIf(!have || !can.ok)('pullImage', () => {
  it('pulls, unpacks and runs a multi-layer image', async () => {
    const img = buildLayoutImage(join(dir, 'multi'), { randomLayers: 3, layerBytes: 1 << 20 });
    r.push(img.layout, 'x/multi:v1');
    const { digest } = await registryManifest(r, 'x/multi', 'v1');
    const n = ns();
    const events: PullProgress[] = [];
    const res = await pullImage(client, {
      namespace: n,
      ref: `${r.host}/x/multi:v1`,
      pullId: 'p1',
      insecureRegistries: [],
      credentials: null,
      signal: new AbortController().signal,
      onProgress: (p) => events.push(p),
    });
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
});

describe.skipIf(!have || !can.ok)('pullImage after a crash', () => {
  it("reuses the blobs written and resumes a partial one from containerd's offset with Range", async () => {
    const img = buildLayoutImage(join(dir, 'resume'), { randomLayers: 2, layerBytes: 2 << 20 });
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
        ...base,
        pullId: 'again',
        onProgress: (p) => seen.push(p),
      });
      expect(res.name).toBe(ref);
      // The partial layers continued where containerd had stopped: a Range from past 0.
      expect(proxy.ranges.some((h) => /^bytes=[1-9]\d*-$/.test(h))).toBe(true);
      expect(res.downloaded).toBeLessThan(img.layers.reduce((a, l) => a + l.size, 0));
      expect(ctr(f.socket, n, ['run', '--rm', ref, `run-${n}`])).toContain('pulled-ok');
    } finally {
      proxy.release();
      await proxy.close();
    }
  }, 120_000);
});

describe.skipIf(!have || !can.ok)('pullImage from a stalled registry', () => {
  it('fails naming the stall, and leaves no image, content or lease', async () => {
    const img = buildLayoutImage(join(dir, 'stall'), { randomLayers: 1, layerBytes: 1 << 20 });
    r.push(img.layout, 'x/stall:v1');
    const proxy = await slowProxy(r.host);
    const n = ns();
    try {
      const err = await pullImage(client, {
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
});
