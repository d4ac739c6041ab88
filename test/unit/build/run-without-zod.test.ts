// `cdesk run` loads no zod before it spawns containerd (issue 8): its options are checked, and a pidfile read, with plain code.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';

// Every zod factory the modules call (z.object, z.number…), recorded through a proxy on `z`.
const calls = vi.hoisted(() => [] as string[]);
const zodLoads = vi.hoisted(() => ({ count: 0 }));
vi.mock('zod', async (importOriginal) => {
  zodLoads.count++;
  const real = await importOriginal<typeof import('zod')>();
  const z = new Proxy(real.z, {
    get(target, key, receiver) {
      if (typeof key === 'string') calls.push(key);
      return Reflect.get(target, key, receiver) as unknown;
    },
  });
  return { ...real, z };
});

const dir = mkdtempSync(join(tmpdir(), 'cdesk-nozod-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('cdesk run before the spawn', () => {
  it('loads the run command and the engine without importing zod at all', async () => {
    await import('../../../main/cli/cmd-run');
    await import('../../../main/engine/supervisor');
    expect(zodLoads.count).toBe(0);
    expect(calls).toEqual([]);
  });

  it('checks its options and reads a pidfile without building a schema', async () => {
    const { settingsFromFlags } = await import('../../../main/cli/settings-flags');
    const { readPidfile } = await import('../../../main/engine/pidfile');
    calls.length = 0;
    const s = settingsFromFlags(
      { state: 's', root: '/r', containerd: '/usr/bin/containerd', 'log-level': 'debug' },
      '/here',
    );
    expect(s.stateDir).toBe('/here/s');
    expect(s.logLevel).toBe('debug');
    expect(() => settingsFromFlags({ 'log-level': 'loud' })).toThrow(/--log-level must be one of/);
    const file = join(dir, 'containerd.pid');
    const entry = { pid: 42, startTime: '123', exe: '/bin/x', configPath: '/c', writtenAt: 1 };
    writeFileSync(file, JSON.stringify(entry));
    expect(await readPidfile(file)).toEqual(entry);
    expect(zodLoads.count).toBe(0);
    expect(calls).toEqual([]);
  });

  it('does build the schema when settings are parsed (the proxy sees zod in use)', async () => {
    const { parseSettings } = await import('../../../common/settings');
    calls.length = 0;
    expect(parseSettings({ logLevel: 'loud' }).ok).toBe(false);
    expect(zodLoads.count).toBe(1);
    expect(calls).toContain('object');
  });
});
