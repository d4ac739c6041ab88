import { execFileSync } from 'node:child_process';
import * as fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { defaultSettings } from '../../../common/settings';
import { createSettingsStore, defaultSettingsFile } from '../../../main/service/settings-store';

let dir: string;
let file: string;
beforeEach(async () => {
  dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'cdesk-settings-'));
  file = path.join(dir, 'cfg', 'settings.json');
});
afterEach(async () => {
  await fsp.rm(dir, { recursive: true, force: true });
});

describe('defaultSettingsFile', () => {
  it('uses XDG_CONFIG_HOME when absolute', () => {
    expect(defaultSettingsFile({ XDG_CONFIG_HOME: '/x/cfg' }, '/home/u')).toBe(
      '/x/cfg/containerd-desktop/settings.json',
    );
  });
  it('falls back to ~/.config (relative XDG values are ignored)', () => {
    expect(defaultSettingsFile({ XDG_CONFIG_HOME: 'rel' }, '/home/u')).toBe(
      '/home/u/.config/containerd-desktop/settings.json',
    );
  });
});

describe('load', () => {
  it('uses the defaults when the file is missing, without warnings or writing', async () => {
    const store = createSettingsStore({ file });
    expect(await store.load()).toEqual({ warnings: [] });
    expect(store.get()).toEqual(defaultSettings());
    await expect(fsp.stat(file)).rejects.toThrow();
  });

  it('reads a valid file', async () => {
    await fsp.mkdir(path.dirname(file));
    await fsp.writeFile(
      file,
      JSON.stringify({ logLevel: 'debug', restart: { backoffMaxMs: 9000 } }),
    );
    const store = createSettingsStore({ file });
    await store.load();
    expect(store.get().logLevel).toBe('debug');
    expect(store.get().restart.backoffMaxMs).toBe(9000);
    expect(store.get().restart.backoffInitialMs).toBe(500);
  });

  it('keeps the defaults and names the file on corrupt JSON, leaving the file untouched', async () => {
    await fsp.mkdir(path.dirname(file));
    await fsp.writeFile(file, '{ nope');
    const store = createSettingsStore({ file });
    const { warnings } = await store.load();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(file);
    expect(warnings[0]).toContain('not valid JSON');
    expect(store.get()).toEqual(defaultSettings());
    expect(await fsp.readFile(file, 'utf8')).toBe('{ nope');
  });

  it('one typo: named once with the nearest setting; the rest of the file still applies', async () => {
    await fsp.mkdir(path.dirname(file));
    const text = JSON.stringify({ logLevel: 'debug', restart: { backofMaxMs: 1, flapExits: 7 } });
    await fsp.writeFile(file, text);
    const store = createSettingsStore({ file });
    const { warnings } = await store.load();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(file);
    expect(warnings[0]).toContain(
      'restart.backofMaxMs is not a setting; did you mean restart.backoffMaxMs? The rest of the file applies',
    );
    expect(store.get().logLevel).toBe('debug');
    expect(store.get().restart.flapExits).toBe(7);
    expect(await fsp.readFile(file, 'utf8')).toBe(text);
  });

  it('a bad value falls back to the default for that key only, naming it', async () => {
    await fsp.mkdir(path.dirname(file));
    const text = JSON.stringify({
      logLevel: 'loud',
      rootDir: '/srv/c',
      health: { livenessFailures: 0 },
    });
    await fsp.writeFile(file, text);
    const store = createSettingsStore({ file });
    const { warnings } = await store.load();
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatch(/logLevel must be one of: .*using the default, info/);
    expect(warnings[1]).toMatch(
      /health\.livenessFailures must be at least 1; using the default, 3/,
    );
    expect(store.get()).toEqual({ ...defaultSettings(), rootDir: '/srv/c' });
    expect(await fsp.readFile(file, 'utf8')).toBe(text);
  });

  it('a save after a partly bad file keeps a copy of it and writes the clean settings', async () => {
    await fsp.mkdir(path.dirname(file));
    await fsp.writeFile(file, JSON.stringify({ logLevl: 'debug', autoStart: false }));
    const store = createSettingsStore({ file });
    await store.load();
    expect((await store.set({ notifications: false })).ok).toBe(true);
    const onDisk = JSON.parse(await fsp.readFile(file, 'utf8'));
    expect(onDisk).toMatchObject({ autoStart: false, notifications: false });
    expect(onDisk.logLevl).toBeUndefined();
    const names = await fsp.readdir(path.dirname(file));
    expect(names.some((n) => n.startsWith('settings.json.invalid-'))).toBe(true);
  });
});

describe('set', () => {
  it('deep-merges a partial nested group and writes the file 0600 atomically', async () => {
    const store = createSettingsStore({ file });
    await store.load();
    const r = await store.set({ restart: { backoffMaxMs: 7000 }, logLevel: 'warn' });
    expect(r.ok).toBe(true);
    expect(store.get().restart).toEqual({ ...defaultSettings().restart, backoffMaxMs: 7000 });
    const onDisk = JSON.parse(await fsp.readFile(file, 'utf8'));
    expect(onDisk.restart.backoffMaxMs).toBe(7000);
    expect(onDisk.logLevel).toBe('warn');
    expect((await fsp.stat(file)).mode & 0o777).toBe(0o600);
    expect((await fsp.readdir(path.dirname(file))).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('null clears a nullable path', async () => {
    const store = createSettingsStore({ file });
    await store.set({ rootDir: '/srv/c' });
    expect(store.get().rootDir).toBe('/srv/c');
    await store.set({ rootDir: null });
    expect(store.get().rootDir).toBeNull();
  });

  it('rejects an invalid patch with per-field errors and changes nothing', async () => {
    const store = createSettingsStore({ file });
    await store.set({ logLevel: 'debug' });
    const before = await fsp.readFile(file, 'utf8');
    const listener = vi.fn();
    store.onChange(listener);
    const r = await store.set({
      logLevel: 'info',
      rootDir: 'relative',
      restart: { backoffMaxMs: 'x' },
    });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.code).toBe('invalid-settings');
    expect(r.error.fields?.map((f) => f.field).sort()).toEqual(['restart.backoffMaxMs', 'rootDir']);
    expect(r.error.message).toContain('rootDir');
    expect(r.error.hint).toMatch(/nothing was changed/);
    expect(store.get().logLevel).toBe('debug');
    expect(await fsp.readFile(file, 'utf8')).toBe(before);
    expect(listener).not.toHaveBeenCalled();
  });

  it('names unknown keys once each, with the nearest setting, including __proto__', async () => {
    const store = createSettingsStore({ file });
    const r = await store.set(JSON.parse('{"restart":{"backofMaxMs":1},"__proto__":{"x":1}}'));
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.fields).toEqual([
      {
        field: 'restart.backofMaxMs',
        message: 'is not a setting; did you mean restart.backoffMaxMs?',
      },
      { field: '__proto__', message: expect.stringMatching(/^is not a setting/) },
    ]);
    expect(({} as Record<string, unknown>).x).toBeUndefined();
    await expect(fsp.stat(file)).rejects.toThrow();
  });

  it('rejects the cross-field rule (backoffMaxMs < backoffInitialMs)', async () => {
    const store = createSettingsStore({ file });
    const r = await store.set({ restart: { backoffInitialMs: 5000, backoffMaxMs: 1000 } });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.fields?.[0]?.field).toBe('restart.backoffMaxMs');
  });

  it('notifies listeners with the new view after saving', async () => {
    const store = createSettingsStore({ file });
    const listener = vi.fn();
    store.onChange(listener);
    await store.set({ autoStart: false });
    expect(listener).toHaveBeenCalledTimes(1);
    expect(listener.mock.calls[0]![0].settings.autoStart).toBe(false);
    expect(listener.mock.calls[0]![0].file).toBe(file);
  });

  it('keeps a copy of a corrupt file before the first save replaces it', async () => {
    await fsp.mkdir(path.dirname(file));
    await fsp.writeFile(file, '{ nope');
    const store = createSettingsStore({ file });
    await store.load();
    expect((await store.set({ autoStart: false })).ok).toBe(true);
    const names = await fsp.readdir(path.dirname(file));
    const backup = names.find((n) => n.startsWith('settings.json.invalid-'));
    expect(backup).toBeDefined();
    expect(await fsp.readFile(path.join(path.dirname(file), backup!), 'utf8')).toBe('{ nope');
  });

  it('reports a write failure as data and changes nothing', async () => {
    await fsp.writeFile(path.join(dir, 'cfg'), 'a file where the folder should be');
    const store = createSettingsStore({ file });
    const r = await store.set({ autoStart: false });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.code).toBe('settings-write');
    expect(store.get().autoStart).toBe(true);
  });

  it('serialises concurrent patches so none is lost', async () => {
    const store = createSettingsStore({ file });
    await Promise.all([store.set({ autoStart: false }), store.set({ notifications: false })]);
    const onDisk = JSON.parse(await fsp.readFile(file, 'utf8'));
    expect([onDisk.autoStart, onDisk.notifications]).toEqual([false, false]);
  });
});

describe('overrides (CLI flags)', () => {
  it('apply on top of the file but are never written', async () => {
    const store = createSettingsStore({ file, overrides: { rootDir: '/flag/root' } });
    await store.load();
    expect(store.get().rootDir).toBe('/flag/root');
    await store.set({ logLevel: 'debug' });
    expect(store.get().rootDir).toBe('/flag/root');
    expect(JSON.parse(await fsp.readFile(file, 'utf8')).rootDir).toBeNull();
  });

  it('give way to a patch that sets the same key', async () => {
    const store = createSettingsStore({ file, overrides: { rootDir: '/flag/root' } });
    await store.set({ rootDir: '/chosen' });
    expect(store.get().rootDir).toBe('/chosen');
  });

  it('an invalid override throws naming the field', () => {
    expect(() => createSettingsStore({ file, overrides: { rootDir: 'rel' } })).toThrow(/rootDir/);
  });

  it('nested overrides apply key by key, and a patch replaces only the keys it sets', async () => {
    await fsp.mkdir(path.dirname(file));
    await fsp.writeFile(file, JSON.stringify({ restart: { flapExits: 9, backoffMaxMs: 40_000 } }));
    const store = createSettingsStore({
      file,
      overrides: { restart: { backoffMaxMs: 2000, minUptimeMs: 3000 } },
    });
    await store.load();
    expect(store.get().restart).toMatchObject({
      flapExits: 9,
      backoffMaxMs: 2000,
      minUptimeMs: 3000,
    });
    await store.set({ restart: { backoffMaxMs: 50_000 } });
    expect(store.get().restart).toMatchObject({
      flapExits: 9,
      backoffMaxMs: 50_000,
      minUptimeMs: 3000,
    });
    const onDisk = JSON.parse(await fsp.readFile(file, 'utf8'));
    expect(onDisk.restart).toMatchObject({ flapExits: 9, backoffMaxMs: 50_000, minUptimeMs: 1000 });
  });
});

describe('what is read as the settings file', () => {
  const loadWithin = async (ms: number) => {
    const store = createSettingsStore({ file });
    const r = await Promise.race([
      store.load(),
      new Promise<never>((_, j) => setTimeout(() => j(new Error(`load took over ${ms} ms`)), ms)),
    ]);
    return { store, warnings: r.warnings };
  };

  it('refuses a FIFO without waiting on it, uses the defaults, and saves past it', async () => {
    await fsp.mkdir(path.dirname(file), { recursive: true });
    execFileSync('mkfifo', [file]);
    const { store, warnings } = await loadWithin(5000);
    expect(warnings).toEqual([
      expect.stringMatching(/settings\.json is a FIFO, not a regular file/),
    ]);
    expect(store.get()).toEqual(defaultSettings());
    const saved = await Promise.race([
      store.set({ stopGraceMs: 5000 }),
      new Promise<never>((_, j) => setTimeout(() => j(new Error('save hung')), 5000)),
    ]);
    expect(saved.ok).toBe(true);
    expect((await fsp.stat(file)).isFile()).toBe(true);
  });

  it('refuses a symlink to a device and a file over 1 MiB, reading neither', async () => {
    await fsp.mkdir(path.dirname(file), { recursive: true });
    await fsp.symlink('/dev/zero', file);
    const zero = await loadWithin(5000);
    expect(zero.warnings).toEqual([expect.stringMatching(/is a device, not a regular file/)]);
    await fsp.rm(file);
    await fsp.writeFile(file, `{"logLevel":"debug"${' '.repeat(2 * 1024 * 1024)}}`);
    const big = await loadWithin(5000);
    expect(big.warnings).toEqual([
      expect.stringMatching(/is \d+ bytes; a settings file is at most 1048576/),
    ]);
    expect(big.store.get().logLevel).toBe(defaultSettings().logLevel);
  });
});
