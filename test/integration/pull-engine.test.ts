// The pull engine against a real registry (docker-registry on 127.0.0.1) and real containerd.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PullProgress } from '../../common/containerd';
import { ContainerdClient } from '../../main/containerd/client';
import { pullImage } from '../../main/containerd/pull/pull';
import { DaemonChannel } from '../../main/shared/daemon-channel';
import { requireContainerd } from '../helpers/engine';
import { startInside, removeBuiltImage, type InsideFixture } from '../helpers/inside-fixture';
import { canRunContainers, ctr } from '../helpers/oci-image';
import {
  buildLayoutImage,
  canRunRegistry,
  registryManifest,
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
