// The CLI bundles' shape: one chunk per command, `status` and `--help` load no npm package;
// `cdesk daemon run` is one CommonJS file that loads nothing from node_modules, and the engine beyond the
// head start only once containerd is spawned.
import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { isBuiltin } from 'node:module';
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

interface Input {
  imports: { path: string; kind: string; external?: boolean }[];
}

let dir: string;
let meta: Metafile;
/** The `cdesk daemon run` bundle's metafile (dist/cli-run.cjs, one file; its sources are its inputs). */
let runMeta: { inputs: Record<string, Input>; outputs: Record<string, Output> };
let runBundle: string;
/** The `cdesk run` / `cdesk exec` bundle's metafile (dist/cli-container.cjs, one file). */
let containerMeta: { inputs: Record<string, Input>; outputs: Record<string, Output> };

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
  runMeta = JSON.parse(readFileSync(join(dir, 'cli-run.meta.json'), 'utf8')) as typeof runMeta;
  runBundle = readFileSync(join(dir, 'cli-run.cjs'), 'utf8');
  containerMeta = JSON.parse(
    readFileSync(join(dir, 'cli-container.meta.json'), 'utf8'),
  ) as typeof containerMeta;
});

/** Sources `from` imports with import statements, transitively: what initializes before it runs. */
function runStaticSources(from: string): string[] {
  const seen = new Set<string>();
  const visit = (f: string) => {
    if (seen.has(f) || !runMeta.inputs[f]) return;
    seen.add(f);
    for (const i of runMeta.inputs[f]!.imports)
      if (i.kind === 'import-statement' && !i.external) visit(i.path);
  };
  visit(from);
  return [...seen];
}

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

  it('builds `run` as one CommonJS file that requires only Node built-ins', () => {
    const out = Object.entries(runMeta.outputs).filter(([f]) => f.endsWith('.cjs'));
    expect(out.map(([, o]) => o.entryPoint)).toEqual(['main/cli/run-entry.ts']);
    const [, bundle] = out[0]!;
    // Node's own modules, and grpc-js from its own file beside it (cli-run-grpc.cjs), required
    // when the Supervisor loads, after the spawn.
    for (const i of bundle.imports)
      expect(isBuiltin(i.path) || i.path === './cli-run-grpc.cjs', `${i.kind} ${i.path}`).toBe(
        true,
      );
    // require() only: one import() would start Node's ES module loader after all.
    expect(bundle.imports.filter((i) => i.kind !== 'require-call')).toEqual([]);
    // npm packages inside: TOML (config.ts renders before the spawn), zod (the options' check),
    // and the generated types' wire reader. No grpc-js, proto-loader, protobufjs or ws.
    const packages = new Set(
      Object.keys(runMeta.inputs)
        .map((s) => /node_modules\/((@[^/]+\/)?[^/]+)\//.exec(s)?.[1])
        .filter(Boolean),
    );
    expect([...packages].sort()).toEqual(['@bufbuild/protobuf', '@iarna/toml', 'zod']);
    expect(Object.keys(runMeta.inputs)).toContain('main/engine/supervisor.ts');
    expect(Object.keys(runMeta.inputs)).toContain('main/shared/daemon-channel.ts');
    expect(Object.keys(runMeta.inputs).filter((s) => s.startsWith('main/headless/'))).toEqual([]);
  });

  it('builds `run IMAGE` and `exec` as one CommonJS file that requires only Node built-ins (and zod from its own file)', () => {
    const out = Object.entries(containerMeta.outputs).filter(([f]) => f.endsWith('.cjs'));
    expect(out.map(([, o]) => o.entryPoint)).toEqual(['main/cli/container-entry.ts']);
    const [, bundle] = out[0]!;
    for (const i of bundle.imports)
      if (i.path !== './cli-container-zod.cjs')
        expect(isBuiltin(i.path), `${i.kind} ${i.path}`).toBe(true);
    const sources = Object.keys(containerMeta.inputs);
    expect(sources).toContain('main/cli/cmd-run.ts');
    expect(sources).toContain('main/cli/cmd-exec.ts');
    // They talk to the app, never to containerd: no gRPC, no generated API types, no engine.
    expect(
      sources.filter((s) => /grpc-js|@bufbuild|main\/shared\/api\/|main\/engine\//.test(s)),
    ).toEqual([]);
    // zod is not in the file: -H's hosts file requires it from dist/cli-container-zod.cjs, and
    // nothing the two verbs import up front uses it.
    expect(sources.filter((s) => s.includes('node_modules/zod/'))).toEqual([]);
    const upFront = new Set<string>();
    const visit = (f: string) => {
      if (upFront.has(f) || !containerMeta.inputs[f]) return;
      upFront.add(f);
      for (const i of containerMeta.inputs[f]!.imports)
        if (i.kind === 'import-statement' && !i.external) visit(i.path);
    };
    visit('main/cli/container-entry.ts');
    expect(upFront.has('main/cli/cmd-run.ts')).toBe(true);
    expect([...upFront].filter((s) => s.includes('node_modules/'))).toEqual([]);
    const zodUsers = sources.filter((f) =>
      containerMeta.inputs[f]!.imports.some((i) => i.path === './cli-container-zod.cjs'),
    );
    expect(zodUsers.length).toBeGreaterThan(0);
    for (const f of zodUsers) expect(upFront.has(f), f).toBe(false);
  });

  it('lets `run` spawn containerd before the rest of the engine initializes', () => {
    const first = runStaticSources('main/cli/run-entry.ts');
    // The head start (lock, config, spawn) is all that initializes first; the Supervisor after.
    expect(first).toContain('main/engine/head-start.ts');
    expect(first).toContain('main/engine/launch.ts');
    for (const later of ['supervisor', 'lifecycle', 'log-tail', 'log-parse', 'status-book'])
      expect(first).not.toContain(`main/engine/${later}.ts`);
    const dynamic = runMeta.inputs['main/cli/cmd-daemon-run.ts']!.imports.filter(
      (i) => i.kind === 'dynamic-import',
    );
    expect(dynamic.map((i) => i.path).sort()).toEqual([
      'main/engine/supervisor.ts',
      'main/shared/heap-growth.ts',
    ]);
    // In the one file, the Supervisor's module initializes only inside that import()'s promise.
    // (The file is minified: no spaces, several statements a line.)
    const inits = [...runBundle.matchAll(/.{0,40}\binit_supervisor\d*\(\)/g)].map((m) => m[0]);
    expect(inits.length).toBe(1);
    expect(inits[0]).toMatch(/Promise\.resolve\(\)\.then\(\(\) ?=> ?\(init_supervisor\d*\(\)$/);
  });

  it("keeps `run`'s file all-ASCII (one other character makes V8 hold the whole source two-byte)", () => {
    expect(runBundle.match(/[^\p{ASCII}]/gu) ?? []).toEqual([]);
  });

  it('loads no health client before the spawn (adoption, which probes, comes later)', () => {
    const first = runStaticSources('main/cli/run-entry.ts');
    expect(first).not.toContain('main/engine/adopt.ts');
    expect(first).not.toContain('main/engine/health.ts');
    expect(first).not.toContain('main/shared/daemon-channel.ts');
    expect(first.filter((s) => s.includes('node_modules/@grpc/'))).toEqual([]);
  });

  it('bundles zod (one chunk, not its ~100 ES modules), and into `run` too', () => {
    for (const [file, o] of Object.entries(meta.outputs)) {
      const zod = o.imports.filter((i) => i.path === 'zod' || i.path.startsWith('zod/'));
      expect(zod, file).toEqual([]);
    }
    // `run` checks its options with the settings schema (common/settings.ts) before the spawn.
    expect(Object.keys(runMeta.inputs)).toContain('common/settings.ts');
    expect(Object.keys(runMeta.inputs).some((s) => s.startsWith('node_modules/zod/'))).toBe(true);
    const serve = staticClosure(outputOf('main/cli/cmd-serve.ts'));
    expect(serve.sources.some((s) => s.includes('node_modules/zod/'))).toBe(true);
  });

  it("bundles only zod's English messages (its default), no other locale", () => {
    // What the bundles hold: every output's inputs that put bytes into it.
    const sources = [...Object.values(meta.outputs), ...Object.values(runMeta.outputs)].flatMap(
      (o) =>
        Object.entries(o.inputs as Record<string, { bytesInOutput: number }>)
          .filter(([, i]) => i.bytesInOutput > 0)
          .map(([s]) => s),
    );
    // `import * as z from 'zod'` lets esbuild drop `z.locales` (~250 KB of 40+ languages): only
    // the English messages, zod's default, remain (CommonJS output keeps the index's few bytes).
    const locales = new Set(
      sources
        .filter((s) => /node_modules\/zod\/v4\/locales\/[^/]+\.js$/.test(s))
        .map((s) => s.split('/').pop()),
    );
    expect([...locales].filter((f) => f !== 'en.js' && f !== 'index.js')).toEqual([]);
    expect(locales.has('en.js')).toBe(true);
    // Nothing may ask for another language.
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
  entry = 'cli.js',
): Promise<{ code: number | null; stderr: string; loaded: string[] }> {
  const record = join(dir, `loaded-${args.join('-').replace(/[^a-z-]/g, '')}.txt`);
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', RECORDER, join(dir, entry), ...args],
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

  it('`cdesk daemon run --help` loads its one file and nothing from node_modules', async () => {
    // bin/cdesk.cjs requires cli-run.cjs for `run`; the ES module CLI is not loaded at all.
    const r = await runRecorded(['daemon', 'run', '--help'], 'cli-run.cjs');
    expect(r.code).toBe(0);
    expect(r.loaded.some((l) => l.endsWith('/cli-run.cjs'))).toBe(true);
    expect(r.loaded.filter((l) => l.includes('/cli-') && !l.endsWith('/cli-run.cjs'))).toEqual([]);
    expect(r.loaded.filter((l) => l.includes('node_modules'))).toEqual([]);
  });

  it('`cdesk run --help` and `cdesk exec --help` load their one file and nothing from node_modules', async () => {
    for (const verb of ['run', 'exec']) {
      const r = await runRecorded([verb, '--help'], 'cli-container.cjs');
      expect(r.code, verb).toBe(0);
      expect(
        r.loaded.some((l) => l.endsWith('/cli-container.cjs')),
        verb,
      ).toBe(true);
      expect(
        r.loaded.filter((l) => l.includes('/cli') && !l.endsWith('/cli-container.cjs')),
        verb,
      ).toEqual([]);
      expect(
        r.loaded.filter((l) => l.includes('node_modules')),
        verb,
      ).toEqual([]);
    }
  });

  it("`cdesk run`'s old daemon form is told from the settings table alone (no zod file)", async () => {
    const r = await runRecorded(['run', '--json'], 'cli-container.cjs');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/moved: use `cdesk daemon run`/);
    expect(r.loaded.filter((l) => l.includes('/cli') && !l.endsWith('/cli-container.cjs'))).toEqual(
      [],
    );
  });

  it('a saved host ($CDESK_HOST) loads zod from its own file next to the bundle', async () => {
    const home = mkdtempSync(join(dir, 'home-'));
    const record = join(dir, 'loaded-cdesk-host.txt');
    const r = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        ['--import', RECORDER, join(dir, 'cli-container.cjs'), 'run', 'busybox', 'true'],
        {
          env: {
            ...process.env,
            HOME: home,
            XDG_CONFIG_HOME: home,
            CDESK_HOST: 'nosuchhost',
            CDESK_RECORD_MODULES: record,
          },
          timeout: 30_000,
        },
        (err, _stdout, stderr) =>
          resolve({ code: err ? ((err as { code?: number }).code ?? null) : 0, stderr }),
      );
    });
    expect(r.stderr).toMatch(/no saved host named "nosuchhost"/);
    expect(r.code).toBe(1);
    const loaded = readFileSync(record, 'utf8').split('\n');
    expect(loaded).toContain(join(dir, 'cli-container-zod.cjs'));
  });
});
