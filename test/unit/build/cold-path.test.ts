// The CLI bundle's shape (issues 8 and 9): one chunk per command, `status` and `--help` load no npm package, `run` loads no gRPC before it spawns containerd.
import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const RECORDER = join(import.meta.dirname, 'record-modules.mjs');

interface Output {
  bytes: number;
  entryPoint?: string;
  inputs: Record<string, unknown>;
  imports: { path: string; kind: string; external?: boolean }[];
}
interface Metafile {
  outputs: Record<string, Output>;
}

let dir: string;
let meta: Metafile;

/** The output file built from `entry` (a source path relative to the repo). */
function outputOf(entry: string): string {
  const hit = Object.entries(meta.outputs).find(([, o]) => o.entryPoint === entry);
  if (!hit) throw new Error(`no output has entry point ${entry}`);
  return hit[0];
}

/** Everything loaded before `file` runs: its static imports, transitively (chunks and packages). */
function staticClosure(file: string): { chunks: string[]; packages: string[]; sources: string[] } {
  const chunks = new Set<string>();
  const packages = new Set<string>();
  const visit = (f: string) => {
    if (chunks.has(f)) return;
    chunks.add(f);
    for (const i of meta.outputs[f]!.imports) {
      if (i.kind !== 'import-statement') continue;
      if (meta.outputs[i.path]) visit(i.path);
      else if (!i.path.startsWith('node:')) packages.add(i.path);
    }
  };
  visit(file);
  const sources = [...chunks].flatMap((c) => Object.keys(meta.outputs[c]!.inputs));
  return { chunks: [...chunks], packages: [...packages], sources };
}

beforeAll(() => {
  mkdirSync(join(ROOT, 'test-output'), { recursive: true });
  // Inside the repo so the bundle resolves node_modules as dist/ does.
  dir = mkdtempSync(join(ROOT, 'test-output', 'cold-path-'));
  execFileSync(process.execPath, ['scripts/build.mjs', '--cli-only', dir], { cwd: ROOT });
  meta = JSON.parse(readFileSync(join(dir, 'cli.meta.json'), 'utf8')) as Metafile;
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('CLI bundle', () => {
  it('loads each command from its own chunk, none of them up front', () => {
    const entry = outputOf('main/cli/main.ts');
    const dynamic = meta.outputs[entry]!.imports.filter((i) => i.kind === 'dynamic-import');
    const commands = dynamic.map((i) => meta.outputs[i.path]?.entryPoint);
    expect(commands).toContain('main/cli/cmd-status.ts');
    expect(commands).toContain('main/cli/cmd-run.ts');
    for (const c of commands) expect(c).toMatch(/^main\/cli\/cmd-[a-z-]+\.ts$/);
    expect(new Set(commands).size).toBe(commands.length);
    const upFront = staticClosure(entry).sources.filter((s) => s.startsWith('main/cli/cmd-'));
    expect(upFront).toEqual([]);
  });

  it('gives `status` and `--help` no npm package to load', () => {
    for (const entry of ['main/cli/main.ts', 'main/cli/cmd-status.ts']) {
      const c = staticClosure(outputOf(entry));
      expect(c.packages, entry).toEqual([]);
      expect(
        c.sources.filter((s) => s.includes('node_modules/')),
        entry,
      ).toEqual([]);
      expect(
        c.sources.filter((s) => s.includes('main/engine/supervisor')),
        entry,
      ).toEqual([]);
    }
  });

  it('lets `run` spawn containerd before gRPC, ws, the UI server or the rest of the engine load', () => {
    const run = outputOf('main/cli/cmd-run.ts');
    const c = staticClosure(run);
    // The head start (lock, config, spawn) is all that loads first; the Supervisor comes after.
    expect(c.sources).toContain('main/engine/head-start.ts');
    expect(c.sources).toContain('main/engine/launch.ts');
    for (const later of ['supervisor', 'lifecycle', 'log-tail', 'log-parse', 'status-book'])
      expect(c.sources).not.toContain(`main/engine/${later}.ts`);
    const dynamic = meta.outputs[run]!.imports.filter((i) => i.kind === 'dynamic-import');
    const later = dynamic.flatMap((i) => staticClosure(i.path).sources);
    expect(later).toContain('main/engine/supervisor.ts');
    // No npm package outside the bundle at all: grpc-js and TOML are required where first used.
    expect(c.packages).toEqual([]);
    expect(c.sources.filter((s) => /node_modules\/(@grpc|ws)\//.test(s))).toEqual([]);
    expect(c.sources.filter((s) => s.startsWith('main/headless/'))).toEqual([]);
  });

  it('bundles zod (one chunk, not its ~100 ES modules), and `run` does not load it before spawning', () => {
    for (const [file, o] of Object.entries(meta.outputs)) {
      const zod = o.imports.filter((i) => i.path === 'zod' || i.path.startsWith('zod/'));
      expect(zod, file).toEqual([]);
    }
    // Plain checks from the settings table (settings-check.ts) instead: ~40 ms less before the spawn.
    const run = staticClosure(outputOf('main/cli/cmd-run.ts'));
    expect(run.sources.filter((s) => s.includes('node_modules/zod/'))).toEqual([]);
    const serve = staticClosure(outputOf('main/cli/cmd-serve.ts'));
    expect(serve.sources.some((s) => s.includes('node_modules/zod/'))).toBe(true);
  });

  it('lets `run` check its options without the zod settings schema (plain table checks)', () => {
    const run = staticClosure(outputOf('main/cli/cmd-run.ts'));
    // settings.ts builds the zod settings schema; settings-check.ts checks rows with plain code.
    expect(run.sources).toContain('common/settings-check.ts');
    expect(run.sources).not.toContain('common/settings.ts');
  });

  it("bundles only zod's English messages (its default), no other locale", () => {
    const sources = Object.values(meta.outputs).flatMap((o) => Object.keys(o.inputs));
    const locales = sources.filter((s) => /node_modules\/zod\/v4\/locales\/[^/]+\.js$/.test(s));
    // zod's locales/index.js is replaced by a stub (its own namespace) exporting only `en`.
    expect(locales.filter((s) => s.startsWith('zod-locales:')).length).toBe(1);
    const real = locales.filter((s) => !s.startsWith('zod-locales:'));
    expect(real.map((s) => s.split('/').pop())).toEqual(['en.js']);
    // Nothing may ask for another language: the stub only exports `en`.
    const users = ['common', 'main'].flatMap((top) =>
      readdirSync(join(ROOT, top), { recursive: true, encoding: 'utf8' })
        .filter((f) => f.endsWith('.ts'))
        .map((f) => join(top, f))
        .filter((f) => /z\.locales|zod\/[\w/]*locales/.test(readFileSync(join(ROOT, f), 'utf8'))),
    );
    expect(users).toEqual([]);
  });
});

/** Run the built CLI with the module recorder; resolves with its exit code and what it loaded. */
function runRecorded(
  args: string[],
): Promise<{ code: number | null; stderr: string; loaded: string[] }> {
  const record = join(dir, `loaded-${args.join('-').replace(/[^a-z-]/g, '')}.txt`);
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', RECORDER, join(dir, 'cli.js'), ...args],
      { env: { ...process.env, CDESK_RECORD_MODULES: record }, timeout: 30_000 },
      (err, _stdout, stderr) => {
        const code = err ? ((err as { code?: number }).code ?? null) : 0;
        const loaded = readFileSync(record, 'utf8').split('\n').filter(Boolean);
        resolve({ code, stderr, loaded });
      },
    );
  });
}

describe('CLI processes', () => {
  it('`cdesk status` with no app running loads no npm package', async () => {
    const r = await runRecorded(['status', '--control', join(dir, 'none', 'control.sock')]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/no running Containerd Desktop/);
    expect(r.loaded.some((l) => l.includes('cli-cmd-status-'))).toBe(true);
    expect(r.loaded.filter((l) => l.includes('node_modules'))).toEqual([]);
  });

  it('`cdesk --help` loads no command and no npm package', async () => {
    const r = await runRecorded(['--help']);
    expect(r.code).toBe(0);
    expect(r.loaded.filter((l) => l.includes('cli-cmd-'))).toEqual([]);
    expect(r.loaded.filter((l) => l.includes('node_modules'))).toEqual([]);
  });

  it('records the npm packages a command does load (the recorder sees them)', async () => {
    const r = await runRecorded(['serve', '--help']);
    expect(r.code).toBe(0);
    expect(r.loaded.some((l) => l.includes('node_modules/ws/'))).toBe(true);
  });

  it('`cdesk run --help` loads no npm package (zod is bundled, TOML and gRPC load on use)', async () => {
    const r = await runRecorded(['run', '--help']);
    expect(r.code).toBe(0);
    expect(r.loaded.some((l) => l.includes('cli-cmd-run-'))).toBe(true);
    expect(r.loaded.filter((l) => l.includes('node_modules'))).toEqual([]);
  });
});
