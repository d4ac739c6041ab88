// Tests for the containerd config: generation, overrides, TOML, atomic writes, dirs, real containerd.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse as parseToml } from '@iarna/toml';
import { afterEach, describe, it, expect } from 'vitest';
import { defaultSettings, type Settings } from '../../../common/settings';
import {
  buildConfig,
  ensureDirs,
  loadOverrides,
  renderConfigToml,
  writeConfigFile,
} from '../../../main/engine/config';
import { writeFileAtomic } from '../../../main/shared/write-file-atomic';
import { EngineError } from '../../../main/engine/errors';
import { resolveLayout, type Layout } from '../../../main/engine/paths';

const CRI = 'io.containerd.grpc.v1.cri';
const ROOT = { uid: 0, gid: 0 };
const USER = { uid: 1000, gid: 1001 };

const tmpDirs: string[] = [];
function tmp(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'cdesk-cfg-'));
  tmpDirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of tmpDirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function layoutIn(dir: string): Layout {
  return resolveLayout({ rootDir: path.join(dir, 'root'), stateDir: path.join(dir, 'state') });
}
const fixed = resolveLayout({ rootDir: '/r', stateDir: '/s' }, {}, 1000, '/home/x');

function settings(patch: Partial<Settings> = {}): Settings {
  return { ...defaultSettings(), ...patch };
}

function engineError(fn: () => unknown): EngineError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(EngineError);
    return e as EngineError;
  }
  throw new Error('expected an EngineError');
}

async function engineErrorAsync(p: Promise<unknown>): Promise<EngineError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(EngineError);
    return e as EngineError;
  }
  throw new Error('expected an EngineError');
}

const mode = (p: string) => fs.statSync(p).mode & 0o777;

describe('buildConfig', () => {
  it('generates the v2 config for root without socket owners, CRI off by default', () => {
    expect(buildConfig(fixed, settings(), ROOT)).toEqual({
      version: 2,
      root: '/r/daemon',
      state: '/s/daemon',
      disabled_plugins: [CRI],
      grpc: {
        address: '/s/containerd.sock',
        max_recv_message_size: 16777216,
        max_send_message_size: 16777216,
      },
      debug: { address: '/s/containerd-debug.sock', level: 'info', format: 'text' },
      // The restart monitor checks every second (containerd's default is 10 s).
      plugins: { 'io.containerd.internal.v1.restart': { interval: '1s' } },
    });
  });

  it('for a normal user: owns the sockets and disables CRI', () => {
    const cfg = buildConfig(fixed, settings({ disabledPlugins: ['x'] }), USER);
    expect(cfg.grpc).toMatchObject({ uid: 1000, gid: 1001 });
    expect(cfg.ttrpc).toEqual({ uid: 1000, gid: 1001 });
    // containerd 1.6 chowns the debug socket too and dies with EPERM unless told our ids.
    expect(cfg.debug).toMatchObject({ uid: 1000, gid: 1001 });
    expect(cfg.disabled_plugins).toEqual(['x', CRI]);
  });

  it('cri on enables CRI for root only (a normal user cannot run it)', () => {
    expect(buildConfig(fixed, settings({ cri: 'on' }), ROOT).disabled_plugins).toEqual([]);
    expect(buildConfig(fixed, settings({ cri: 'on' }), USER).disabled_plugins).toEqual([CRI]);
    expect(buildConfig(fixed, settings({ cri: 'off' }), ROOT).disabled_plugins).toEqual([CRI]);
  });

  it('cri on keeps CRI disabled when the user lists it in disabledPlugins', () => {
    const cfg = buildConfig(fixed, settings({ cri: 'on', disabledPlugins: [CRI] }), ROOT);
    expect(cfg.disabled_plugins).toEqual([CRI]);
  });

  it('passes log settings and deduplicates disabled plugins', () => {
    const s = settings({ logLevel: 'debug', logFormat: 'json', disabledPlugins: ['a', CRI, 'a'] });
    const cfg = buildConfig(fixed, s, USER);
    expect(cfg.debug).toMatchObject({ level: 'debug', format: 'json' });
    expect(cfg.disabled_plugins).toEqual(['a', CRI]);
  });

  it('deep-merges overrides: tables merge, arrays and scalars replace', () => {
    const overrides = {
      version: 2,
      oom_score: -500,
      disabled_plugins: ['only-this'],
      grpc: { max_recv_message_size: 1024 },
      debug: { level: 'trace' },
      plugins: { 'io.containerd.gc.v1.scheduler': { pause_threshold: 0.05 } },
    };
    const before = JSON.stringify(overrides);
    const cfg = buildConfig(fixed, settings(), USER, overrides);
    expect(cfg.version).toBe(2);
    expect(cfg.oom_score).toBe(-500);
    expect(cfg.disabled_plugins).toEqual(['only-this']);
    expect(cfg.grpc).toEqual({
      address: '/s/containerd.sock',
      max_recv_message_size: 1024,
      max_send_message_size: 16777216,
      uid: 1000,
      gid: 1001,
    });
    expect(cfg.debug).toMatchObject({ level: 'trace', address: '/s/containerd-debug.sock' });
    expect(cfg.plugins).toEqual({
      'io.containerd.gc.v1.scheduler': { pause_threshold: 0.05 },
      'io.containerd.internal.v1.restart': { interval: '1s' },
    });
    expect(JSON.stringify(overrides)).toBe(before);
  });

  it.each([
    ['root', { root: '/elsewhere' }],
    ['state', { state: '/elsewhere' }],
    ['grpc.address', { grpc: { address: '/tmp/other.sock' } }],
  ])('refuses an override of %s', (key, overrides) => {
    const e = engineError(() => buildConfig(fixed, settings(), ROOT, overrides));
    expect(e.code).toBe('overrides-invalid');
    expect(e.message).toContain(key);
    expect(e.hint).toMatch(/rootDir\/stateDir/);
  });

  it("refuses opening containerd's API on TCP (no authentication there), and says what instead", () => {
    const e = engineError(() =>
      buildConfig(fixed, settings(), ROOT, { grpc: { tcp_address: '0.0.0.0:10010' } }),
    );
    expect(e.code).toBe('overrides-invalid');
    expect(e.message).toContain('grpc.tcp_address');
    expect(e.hint).toMatch(/Remove `tcp_address`.*SSH/);
    // An empty address (containerd's own default: no TCP listener) is fine.
    expect(buildConfig(fixed, settings(), ROOT, { grpc: { tcp_address: '' } }).grpc).toMatchObject({
      tcp_address: '',
    });
  });

  it('refuses a version other than 2', () => {
    const e = engineError(() => buildConfig(fixed, settings(), ROOT, { version: 1 }));
    expect(e.code).toBe('overrides-invalid');
    expect(e.message).toContain('version');
  });

  it('refuses replacing a generated table with a scalar', () => {
    const e = engineError(() => buildConfig(fixed, settings(), ROOT, { debug: 'loud' }));
    expect(e.code).toBe('overrides-invalid');
    expect(e.message).toContain('debug');
  });
});

describe('renderConfigToml', () => {
  it('round-trips through a TOML parser and starts with a generated-file comment', () => {
    const cfg = buildConfig(fixed, settings({ disabledPlugins: ['a'] }), USER, {
      plugins: { 'io.containerd.gc.v1.scheduler': { pause_threshold: 0.05 } },
    });
    const text = renderConfigToml(cfg);
    expect(text.split('\n')[0]).toMatch(/^# Generated by Containerd Desktop.*overwritten/);
    expect(text).toContain('overridesFile');
    expect(parseToml(text)).toEqual(cfg);
  });
});

describe('loadOverrides', () => {
  it('returns undefined when no file is set', async () => {
    expect(await loadOverrides(null)).toBeUndefined();
  });

  it('parses a TOML file', async () => {
    const f = path.join(tmp(), 'o.toml');
    fs.writeFileSync(f, 'oom_score = -1\n[debug]\nlevel = "warn"\n');
    expect(await loadOverrides(f)).toEqual({ oom_score: -1, debug: { level: 'warn' } });
  });

  it('names a missing file and says how to fix it', async () => {
    const f = path.join(tmp(), 'nope.toml');
    const e = await engineErrorAsync(loadOverrides(f));
    expect(e.code).toBe('overrides-invalid');
    expect(e.message).toContain(f);
    expect(e.hint).toMatch(/[Cc]reate it/);
    expect(e.hint).toMatch(/overridesFile/);
  });

  it('reports a syntax error with line and column', async () => {
    const f = path.join(tmp(), 'bad.toml');
    fs.writeFileSync(f, 'a = 1\n[debug]\nlevel = = 2\n');
    const e = await engineErrorAsync(loadOverrides(f));
    expect(e.code).toBe('overrides-invalid');
    expect(e.message).toContain(f);
    expect(e.message).toMatch(/line 3, column \d+/);
  });
});

describe('writeFileAtomic', () => {
  it('writes with mode 0600 (regardless of umask) and leaves no temp files', async () => {
    const d = tmp();
    const f = path.join(d, 'x.toml');
    await writeFileAtomic(f, 'one');
    await writeFileAtomic(f, 'two');
    expect(fs.readFileSync(f, 'utf8')).toBe('two');
    expect(mode(f)).toBe(0o600);
    expect(fs.readdirSync(d)).toEqual(['x.toml']);
  });

  it('applies a custom mode', async () => {
    const f = path.join(tmp(), 'y');
    await writeFileAtomic(f, 'z', 0o640);
    expect(mode(f)).toBe(0o640);
  });

  it('removes the temp file when the rename fails', async () => {
    const d = tmp();
    const target = path.join(d, 'target');
    fs.mkdirSync(path.join(target, 'child'), { recursive: true });
    await expect(writeFileAtomic(target, 'data')).rejects.toThrow();
    expect(fs.readdirSync(d)).toEqual(['target']);
  });
});

describe('ensureDirs', () => {
  it('creates the dirs private, and tightens an existing state dir to 0700', async () => {
    const l = layoutIn(tmp());
    fs.mkdirSync(l.stateDir, { mode: 0o755 });
    fs.chmodSync(l.stateDir, 0o755);
    await ensureDirs(l);
    expect(mode(l.stateDir)).toBe(0o700);
    expect(mode(l.daemonState)).toBe(0o700);
    expect(mode(l.rootDir)).toBe(0o700);
    expect(fs.statSync(l.daemonRoot).isDirectory()).toBe(true);
  });

  it('reports a path that cannot be a directory', async () => {
    const d = tmp();
    fs.writeFileSync(path.join(d, 'file'), '');
    const l = resolveLayout({ rootDir: path.join(d, 'root'), stateDir: path.join(d, 'file', 's') });
    const e = await engineErrorAsync(ensureDirs(l));
    expect(e.code).toBe('state-dir');
    expect(e.message).toContain(l.stateDir);
    expect(e.message).toContain('ENOTDIR');
    expect(e.hint).toMatch(/stateDir/);
  });

  it('fails at once, naming the dir, where no directory can be made (/proc)', async () => {
    const l = resolveLayout({ rootDir: path.join(tmp(), 'root'), stateDir: '/proc/cdesk-x/s' });
    const e = await Promise.race([
      engineErrorAsync(ensureDirs(l)),
      new Promise<never>((_, j) =>
        setTimeout(() => j(new Error('still creating after 10 s')), 10_000),
      ),
    ]);
    expect(e.code).toBe('state-dir');
    expect(e.message).toContain('/proc/cdesk-x');
    expect(e.hint).toMatch(/choose another directory/);
  });

  it('reports a file where a directory should be, and leaves the file alone', async () => {
    const d = tmp();
    const l = resolveLayout({ rootDir: path.join(d, 'root'), stateDir: path.join(d, 's') });
    fs.writeFileSync(l.stateDir, 'mine');
    const e = await engineErrorAsync(ensureDirs(l));
    expect(e.code).toBe('state-dir');
    expect(e.message).toContain(`${l.stateDir}: EEXIST`);
    expect(e.hint).toMatch(/in the way/);
    expect(fs.readFileSync(l.stateDir, 'utf8')).toBe('mine');
  });
});

/** Directories and config for `l`, as a launch writes them. */
async function writeConfigIn(l: Layout, s: Settings, ids: { uid: number; gid: number }) {
  await ensureDirs(l);
  return writeConfigFile(l, s, ids);
}

describe('writeConfigFile', () => {
  it('writes the config 0600 and returns its text', async () => {
    const l = layoutIn(tmp());
    const toml = await writeConfigIn(l, settings(), USER);
    expect(fs.readFileSync(l.configFile, 'utf8')).toBe(toml);
    expect(mode(l.configFile)).toBe(0o600);
    expect(parseToml(toml)).toMatchObject({ grpc: { address: l.socket, uid: 1000 } });
  });

  it('replaces an older config whole', async () => {
    const l = layoutIn(tmp());
    await writeConfigIn(l, settings({ logLevel: 'debug' }), USER);
    const toml = await writeConfigFile(l, settings({ logLevel: 'warn' }), USER);
    expect(fs.readFileSync(l.configFile, 'utf8')).toBe(toml);
    expect(parseToml(toml)).toMatchObject({ debug: { level: 'warn' } });
  });

  it('applies the overrides file from settings', async () => {
    const d = tmp();
    const f = path.join(d, 'over.toml');
    fs.writeFileSync(f, '[debug]\nlevel = "trace"\n');
    const toml = await writeConfigIn(layoutIn(d), settings({ overridesFile: f }), ROOT);
    expect(parseToml(toml)).toMatchObject({ debug: { level: 'trace' } });
  });

  it('writes nothing when the overrides file is bad', async () => {
    const d = tmp();
    const l = layoutIn(d);
    const f = path.join(d, 'over.toml');
    fs.writeFileSync(f, 'root = "/elsewhere"\n');
    const e = await engineErrorAsync(writeConfigIn(l, settings({ overridesFile: f }), ROOT));
    expect(e.code).toBe('overrides-invalid');
    expect(fs.existsSync(l.configFile)).toBe(false);
  });
});

// The generated file must be one that containerd itself accepts, not just valid TOML.
const CONTAINERD = '/usr/bin/containerd';
const haveContainerd = fs.existsSync(CONTAINERD);
const requireContainerd = process.env.CDESK_REQUIRE_CONTAINERD === '1';
if (!haveContainerd && !requireContainerd) {
  console.warn(`skipping real-containerd config tests: ${CONTAINERD} is not installed`);
}

describe('real containerd', () => {
  it.skipIf(!haveContainerd && !requireContainerd)('accepts the generated config', async () => {
    expect(haveContainerd, `CDESK_REQUIRE_CONTAINERD=1 but ${CONTAINERD} is missing`).toBe(true);
    const l = layoutIn(tmp());
    await writeConfigIn(l, settings({ logLevel: 'debug' }), USER);
    const file = l.configFile;
    const dump = execFileSync(CONTAINERD, ['--config', file, 'config', 'dump'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const parsed = parseToml(dump);
    expect(dump).toContain(l.socket);
    expect(parsed).toMatchObject({
      version: 2,
      root: l.daemonRoot,
      state: l.daemonState,
      disabled_plugins: [CRI],
      grpc: { address: l.socket, uid: 1000, gid: 1001, max_recv_message_size: 16777216 },
      ttrpc: { uid: 1000, gid: 1001 },
      debug: { address: l.debugSocket, level: 'debug', uid: 1000, gid: 1001 },
    });
  });

  // Booting as an unprivileged user proves the uid/gid + CRI-off choices; needs root to drop to.
  const canDrop = process.getuid?.() === 0 && fs.existsSync('/usr/bin/setpriv');
  it.skipIf(!haveContainerd || !canDrop)(
    'boots as a normal user with the generated config',
    async () => {
      const nobody = 65534;
      const d = tmp();
      fs.chownSync(d, nobody, nobody);
      const l = layoutIn(d);
      await writeConfigIn(l, settings(), { uid: nobody, gid: nobody });
      const file = l.configFile;
      for (const p of [l.rootDir, l.daemonRoot, l.stateDir, l.daemonState, file]) {
        fs.chownSync(p, nobody, nobody);
      }
      const argv = [`--reuid=${nobody}`, `--regid=${nobody}`, '--clear-groups'];
      const child = spawn('/usr/bin/setpriv', [...argv, CONTAINERD, '--config', file], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout.on('data', (b: Buffer) => (out += b.toString()));
      child.stderr.on('data', (b: Buffer) => (out += b.toString()));
      const exited = new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
      try {
        const booted = await Promise.race([
          new Promise<boolean>((resolve) => {
            const t = setInterval(() => {
              if (out.includes('successfully booted')) {
                clearInterval(t);
                resolve(true);
              }
            }, 20);
            void exited.then(() => {
              clearInterval(t);
              resolve(out.includes('successfully booted'));
            });
          }),
          new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 20_000)),
        ]);
        expect(booted, out.slice(-2000)).toBe(true);
        expect(fs.existsSync(l.socket)).toBe(true);
      } finally {
        child.kill('SIGTERM');
        await exited;
      }
    },
  );
});
