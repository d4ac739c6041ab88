// The cri setting against real containerd: CRI on without a CNI config is a problem with a fix; off, none.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanupAfterEach, requireContainerd, tempDir } from '../helpers/engine';
import { removeBuiltImage, startInside, type InsideFixture } from '../helpers/inside-fixture';
import { canRunContainers } from '../helpers/oci-image';

const have = requireContainerd();
const can = canRunContainers();
if (have && !can.ok) console.warn(`skipping CRI tests: ${can.reason} (CRI runs only as root)`);

const cleanups = cleanupAfterEach();
afterAll(() => removeBuiltImage());

async function withCri(cri: 'on' | 'off', cniFiles: string[] = []): Promise<InsideFixture> {
  const cni = tempDir('cd-cni-');
  cleanups.push(cni.cleanup);
  mkdirSync(cni.dir, { recursive: true });
  for (const f of cniFiles) writeFileSync(join(cni.dir, f), '{}');
  const f = await startInside(
    (s) => {
      s.cri = cri;
    },
    { cniConfDir: cni.dir, importImage: false },
  );
  cleanups.push(() => f.dispose());
  return f;
}

describe.skipIf(!have || !can.ok)('cri setting (real containerd, root)', () => {
  it('CRI on without a CNI network config: the plugin loads and a problem says what to do', async () => {
    const { inside } = await withCri('on');
    const r = await inside.handlers['plugins:list']({});
    expect(
      r.plugins.find((p) => p.type === 'io.containerd.grpc.v1' && p.id === 'cri')?.status,
    ).toBe('ok');
    const p = r.problems.find((x) => x.id === 'cri-no-cni');
    expect(p).toBeDefined();
    expect(p!.message).toMatch(/CRI is on but .* has no network config: pods get no network/);
    expect(p!.hint).toMatch(/turn CRI off in Settings/);
    expect(p!.fix).toEqual({ label: 'Turn CRI off', settingsPatch: { cri: 'off' } });
    // devmapper's error is expected noise, not a problem.
    expect(r.plugins.find((x) => x.id === 'devmapper')?.status).toBe('error');
    expect(r.problems.map((x) => x.id)).toEqual(['cri-no-cni']);
    expect(inside.summary().problems.map((x) => x.id)).toEqual(['cri-no-cni']);
  });

  it('CRI on with a CNI network config: no problem', async () => {
    const { inside } = await withCri('on', ['10-bridge.conflist']);
    const r = await inside.handlers['plugins:list']({});
    expect(r.problems).toEqual([]);
  });

  it('CRI off: the plugin is not loaded and there is no CRI problem', async () => {
    const { inside } = await withCri('off');
    const r = await inside.handlers['plugins:list']({});
    expect(r.plugins.find((p) => p.id === 'cri')).toBeUndefined();
    expect(r.problems).toEqual([]);
  });
});
