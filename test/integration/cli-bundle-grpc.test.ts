// The CLI bundles grpc-js and the generated API types (scripts/build.mjs): chunks only the gRPC
// commands reach, a real `require` atop every chunk, and no .proto file or proto-loader at run time.
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EngineEvent } from '../../common/states';
import { requireContainerd, tempDir, until } from '../helpers/engine';
import { cdesk, startServe } from '../helpers/serve';

const ROOT = join(import.meta.dirname, '..', '..');
const RECORDER = join(ROOT, 'test', 'unit', 'build', 'record-modules.mjs');
/** Sources of the bundled gRPC packages: grpc-js and the generated types' wire reader. */
const GRPC_SOURCE = /node_modules\/(@grpc\/grpc-js|@bufbuild\/protobuf)\//;
/** What grpc-js requires only for services we never start; it must never load. */
const UNUSED_SOURCE = /node_modules\/(@grpc\/proto-loader|protobufjs|long)\//;
const BANNER =
  /^import \{ createRequire as __cdeskCreateRequire \} from 'node:module'; const require = __cdeskCreateRequire\(import\.meta\.url\);\n/;
const have = requireContainerd();

interface Output {
  entryPoint?: string;
  inputs: Record<string, unknown>;
  imports: { path: string; kind: string; external?: boolean }[];
}

let dir: string;
let outputs: Record<string, Output>;

/** The output built from `entry` (a source path relative to the repo). */
function outputOf(entry: string): string {
  const hit = Object.entries(outputs).find(([, o]) => o.entryPoint === entry);
  if (!hit) throw new Error(`no output has entry point ${entry}`);
  return hit[0];
}

/** Chunks loaded before `file` runs: its static imports, transitively. */
function staticClosure(file: string): string[] {
  const seen = new Set<string>();
  const visit = (f: string) => {
    if (seen.has(f)) return;
    seen.add(f);
    for (const i of outputs[f]!.imports)
      if (i.kind === 'import-statement' && outputs[i.path]) visit(i.path);
  };
  visit(file);
  return [...seen];
}

/** Chunks holding gRPC package code, or standing for one of those packages (its import() target). */
function grpcChunks(): Set<string> {
  return new Set(
    Object.entries(outputs)
      .filter(
        ([, o]) =>
          GRPC_SOURCE.test(o.entryPoint ?? '') ||
          Object.keys(o.inputs).some((s) => GRPC_SOURCE.test(s)),
      )
      .map(([f]) => f),
  );
}

beforeAll(() => {
  mkdirSync(join(ROOT, 'test-output'), { recursive: true });
  // Inside the repo so the bundle resolves node_modules as dist/ does.
  dir = mkdtempSync(join(ROOT, 'test-output', 'cli-bundle-'));
  execFileSync(process.execPath, ['scripts/build.mjs', '--cli-only', dir], { cwd: ROOT });
  const meta = JSON.parse(readFileSync(join(dir, 'cli.meta.json'), 'utf8')) as {
    outputs: Record<string, Output>;
  };
  outputs = Object.fromEntries(Object.entries(meta.outputs).filter(([f]) => f.endsWith('.js')));
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('CLI bundle with gRPC', () => {
  it('bundles grpc-js and the wire reader, and leaves out proto-loader and protobufjs', () => {
    const sources = Object.values(outputs).flatMap((o) => Object.keys(o.inputs));
    for (const pkg of ['@grpc/grpc-js', '@bufbuild/protobuf'])
      expect(sources.some((s) => s.includes(`node_modules/${pkg}/`))).toBe(true);
    expect(sources.filter((s) => UNUSED_SOURCE.test(s))).toEqual([]);
    expect(sources.filter((s) => s.endsWith('.proto'))).toEqual([]);
    for (const [file, o] of Object.entries(outputs)) {
      const external = o.imports.filter(
        (i) => i.external && /^(@grpc\/grpc-js|@bufbuild\/)/.test(i.path),
      );
      expect(external, file).toEqual([]);
    }
  });

  it('keeps them out of what cli.js and `status` load', () => {
    const grpc = grpcChunks();
    expect(grpc.size).toBeGreaterThan(0);
    for (const entry of ['main/cli/main.ts', 'main/cli/cmd-status.ts']) {
      expect(
        staticClosure(outputOf(entry)).filter((c) => grpc.has(c)),
        entry,
      ).toEqual([]);
    }
  });

  it('starts every chunk with a real `require` (bundled CommonJS needs one) and declares it once', () => {
    const files = readdirSync(dir).filter((f) => f.endsWith('.js'));
    expect(files.length).toBe(Object.keys(outputs).length);
    for (const f of files) {
      const text = readFileSync(join(dir, f), 'utf8');
      expect(text, f).toMatch(BANNER);
      expect(text.match(/\b(const|let|var|function|class)\s+require\b/g), f).toHaveLength(1);
    }
  });

  it.skipIf(!have)(
    "talks to containerd's API from the bundle alone (no gRPC package file, no proto-loader)",
    async () => {
      const record = join(dir, 'loaded-serve.txt');
      const serve = await startServe({
        prefix: '/tmp/cdg-',
        entry: ['--import', RECORDER, join(dir, 'cli.js')],
        env: { ...process.env, CDESK_RECORD_MODULES: record },
      });
      try {
        const started = await cdesk(['daemon', 'start', '--wait', '--control', serve.control]);
        expect(started.code, started.stderr).toBe(0);
        // `plugins` is answered by the server through containerd's Introspection API.
        const plugins = await cdesk(['plugins', '--json', '--control', serve.control]);
        expect(plugins.code, plugins.stderr).toBe(0);
        expect(plugins.stdout).toContain('io.containerd.grpc.v1');
        expect(await serve.stop()).toBe(0);
        const loaded = readFileSync(record, 'utf8').split('\n').filter(Boolean);
        const grpc = [...grpcChunks()].map((f) => f.split('/').pop()!);
        expect(loaded.some((l) => grpc.some((g) => l.endsWith(`/${g}`)))).toBe(true);
        expect(loaded.filter((l) => GRPC_SOURCE.test(l) || UNUSED_SOURCE.test(l))).toEqual([]);
      } finally {
        serve.cleanup();
      }
    },
  );

  it.skipIf(!have)(
    '`cdesk daemon run` (its two CommonJS files) gets containerd running, loading nothing else',
    async () => {
      const t = tempDir();
      const record = join(t.dir, 'loaded.txt');
      const child = spawn(
        process.execPath,
        ['--import', RECORDER, join(dir, 'cli-run.cjs'), 'daemon', 'run', '--json'].concat([
          '--state',
          join(t.dir, 's'),
          '--root',
          join(t.dir, 'r'),
        ]),
        {
          stdio: ['ignore', 'pipe', 'pipe'],
          env: { ...process.env, CDESK_RECORD_MODULES: record },
        },
      );
      const exit = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
      let out = '';
      let err = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
      child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
      const events = () =>
        out
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l) as EngineEvent);
      const settled = () =>
        events().find((e) => e.type === 'state' && (e.state === 'running' || e.state === 'failed'));
      try {
        await until(() => settled() !== undefined || child.exitCode !== null, 30_000, 'running');
        expect(settled(), err).toMatchObject({ state: 'running', code: 'healthy' });
        child.kill('SIGTERM');
        expect(await exit).toBe(0);
        const loaded = readFileSync(record, 'utf8').split('\n').filter(Boolean);
        // The generated types, zod and TOML are bundled into the one file, grpc-js into one of
        // its own required once the Supervisor loads: nothing from node_modules.
        expect(loaded.filter((l) => l.includes('node_modules/'))).toEqual([]);
        expect(loaded.some((l) => l.endsWith('/cli-run-grpc.cjs'))).toBe(true);
        expect(loaded.some((l) => l.endsWith('/cli-run.cjs'))).toBe(true);
        expect(
          loaded.filter((l) => l.includes('/cli-') && !/\/cli-run(-grpc)?\.cjs$/.test(l)),
        ).toEqual([]);
      } finally {
        // On a failure: SIGTERM stops containerd with the supervisor; SIGKILL if that hangs.
        if (child.exitCode === null && child.signalCode === null) {
          child.kill('SIGTERM');
          const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
          await exit;
          clearTimeout(timer);
        }
        t.cleanup();
      }
    },
  );
});
