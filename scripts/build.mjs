// Builds the Node entries (CLI, Electron main, preload) with esbuild; the renderer is built by Vite.
// `node scripts/build.mjs --cli-only DIR`: only the CLI, into DIR, plus DIR/cli.meta.json (tests).
import { readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';

const cliOnlyAt = process.argv.indexOf('--cli-only');
const cliOnly = cliOnlyAt !== -1;
const outdir = cliOnly ? process.argv[cliOnlyAt + 1] : 'dist';
if (!outdir) {
  process.stderr.write('build: --cli-only needs a folder: node scripts/build.mjs --cli-only DIR\n');
  process.exit(2);
}

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  logLevel: 'warning',
};
const nodeExternal = ['electron', '@grpc/grpc-js', '@iarna/toml', 'electron-log', 'zod', 'ws'];
// Bundled into the ES module CLI, as is @bufbuild/protobuf (the generated types' wire reader, never
// external): zod and grpc-js load faster from one chunk than as their ~100 small files each. The
// Electron main keeps every package external (`packages: 'external'`).
const cliBundled = new Set(['zod', '@grpc/grpc-js']);
// TOML is bundled into both CLI builds too: `run` renders the config before it spawns containerd.
// grpc-js requires proto-loader (and through it protobufjs, ~700 KB) only inside its channelz and
// admin services, which we never start: left to node_modules, that code is never even parsed.
const grpcUnused = ['@grpc/proto-loader'];
const cliExternal = [
  ...nodeExternal.filter((p) => !cliBundled.has(p) && p !== '@iarna/toml'),
  ...grpcUnused,
];
// `run` checks its options with the zod settings schema before the spawn: zod is bundled there as
// well. grpc-js is not: its ~600 KB would be compiled before the spawn although only the Supervisor,
// loaded once containerd is spawned, needs it (measured: ~45 ms of CPU before the spawn).
const runExternal = [
  ...nodeExternal.filter((p) => p !== '@iarna/toml' && p !== 'zod'),
  ...grpcUnused,
];

// Bundled CommonJS keeps its `require('fs')`, `require('http2')`…: esbuild's ESM output turns them
// into calls of a shim that throws "Dynamic require … is not supported" unless a real `require`
// is in scope. Every CLI chunk gets one at its top (the chunks' own code declares none).
const cliRequire =
  "import { createRequire as __cdeskCreateRequire } from 'node:module'; const require = __cdeskCreateRequire(import.meta.url);";

// A CLI chunk no build wrote for this long is stale; younger ones may still be imported lazily by
// a `cdesk` process started from the previous build (e.g. `serve` loading a module minutes later).
const STALE_CHUNK_MS = 60 * 60 * 1000;

// CLI: split so each command's `import('./cmd-x')` is its own chunk and `cdesk status` loads only
// what status needs (no zod, gRPC or TOML). cli.js stays the entry bin/cdesk.cjs imports;
// chunks sit next to it, not in a subfolder, so `import.meta.url` still means dist/ in every
// module (cmd-serve finds dist/renderer that way).
// zod is bundled: one chunk without the locales loads in well under half the time of zod's ~100 ES
// modules. grpc-js and the generated API types are bundled too, in chunks only the commands that
// talk gRPC reach.
const cliBuild = build({
  ...common,
  entryPoints: { cli: 'main/cli/main.ts' },
  outdir,
  entryNames: '[name]',
  chunkNames: 'cli-[name]-[hash]',
  splitting: true,
  format: 'esm',
  external: cliExternal,
  banner: { js: cliRequire },
  metafile: true,
});

// `cdesk daemon run` once more, as one CommonJS file (dist/cli-run.cjs, required by bin/cdesk.cjs): a
// CommonJS entry spares Node's ES module loader and its per-module round trips before containerd
// is spawned. The same sources; nothing in it comes from the packages kept external (cold-path test).
// In `daemon run`, grpc-js comes from dist/cli-run-grpc.cjs: one file compiles faster than its ~100 in
// node_modules, and kept out of cli-run.cjs it costs nothing before containerd is spawned.
/** A package required at run time from a bundle file of its own (`./FILE` next to the requirer). */
const fromItsOwnFile = (pkg, file) => ({
  name: `${pkg}-from-its-own-file`,
  setup(b) {
    b.onResolve({ filter: new RegExp(`^${pkg.replace(/[/.]/g, '\\$&')}$`) }, () => ({
      path: `./${file}`,
      external: true,
    }));
  },
});
// Both run files are minified but keep their names (stack traces still read; the source maps
// map them back): a third of the bytes to read and compile, and all-ASCII text, so V8 keeps the
// source one byte per character (one "—" in a bundled comment made the whole file two-byte).
const runCjs = {
  ...common,
  minifyWhitespace: true,
  minifySyntax: true,
  outdir,
  outExtension: { '.js': '.cjs' },
  format: 'cjs',
};
const runBuild = build({
  ...runCjs,
  entryPoints: { 'cli-run': 'main/cli/run-entry.ts' },
  external: runExternal,
  plugins: [fromItsOwnFile('@grpc/grpc-js', 'cli-run-grpc.cjs')],
  metafile: true,
});
// grpc-js for `run`, one file of its own: required once the Supervisor loads, after the spawn.
const runGrpcBuild = build({
  ...runCjs,
  entryPoints: { 'cli-run-grpc': '@grpc/grpc-js' },
  external: grpcUnused,
});

// `cdesk run` and `cdesk exec` once more, as one CommonJS file (dist/cli-container.cjs, required by
// bin/cdesk.cjs): their whole wall time is what a user compares with ctr's, and through the ES module
// CLI each loaded ~20 chunks, ~60 ms of CPU more than this one file (measured on the 2-core CI box).
// Neither talks gRPC (the app does), so everything they need is bundled in and nothing is external.
// An agentless host gets its answer (read-only) without the link's code: containerd's API and grpc-js
// stay out of this bundle.
const agentlessLocalOnly = {
  name: 'agentless-local-only',
  setup(b) {
    b.onResolve({ filter: /\/hosts\/agentless$/ }, () => ({
      path: path.resolve('main/cli/agentless-local-only.ts'),
    }));
  },
};
// zod would be two thirds of the bytes the two verbs read and parse on every run, yet only -H (the
// hosts file's schema, before an ssh connection) uses it: it is required from a file of its own
// (dist/cli-container-zod.cjs) only then.
const containerBuild = build({
  ...runCjs,
  entryPoints: { 'cli-container': 'main/cli/container-entry.ts' },
  plugins: [agentlessLocalOnly, fromItsOwnFile('zod', 'cli-container-zod.cjs')],
  metafile: true,
});
const containerZodBuild = build({
  ...runCjs,
  entryPoints: { 'cli-container-zod': 'zod' },
});

// The pulls' worker thread (main/containerd/pull/blob-thread.ts starts it from beside the bundle
// it is in: the CLI's chunks for `serve`, dist/electron-main.js in the app): one self-contained
// CommonJS file, so the packaged app can keep it outside app.asar (electron-builder.yml asarUnpack)
// with nothing beside it to import and no package.json needed to say what module type it is.
const pullThreadBuild = build({
  ...runCjs,
  entryPoints: { 'pull-thread': 'main/containerd/pull/blob-thread-entry.ts' },
  external: grpcUnused,
});

const appBuilds = cliOnly
  ? []
  : [
      // Electron main: ESM like the package; every npm package stays external (electron-builder ships node_modules).
      build({
        ...common,
        entryPoints: ['main/electron/main.ts'],
        outfile: 'dist/electron-main.js',
        format: 'esm',
        packages: 'external',
        external: nodeExternal,
      }),
      // Sandboxed preloads cannot load ES modules or most of Node: one self-contained CommonJS file.
      build({
        ...common,
        entryPoints: ['preload/index.ts'],
        outfile: 'dist/preload.cjs',
        format: 'cjs',
        platform: 'browser',
        target: 'chrome140',
        external: ['electron'],
      }),
    ];

const [cli, cliRun, , cliContainer] = await Promise.all([
  cliBuild,
  runBuild,
  runGrpcBuild,
  containerBuild,
  containerZodBuild,
  pullThreadBuild,
  ...appBuilds,
]);

if (cliOnly) {
  writeFileSync(path.join(outdir, 'cli.meta.json'), JSON.stringify(cli.metafile));
  writeFileSync(path.join(outdir, 'cli-run.meta.json'), JSON.stringify(cliRun.metafile));
  writeFileSync(
    path.join(outdir, 'cli-container.meta.json'),
    JSON.stringify(cliContainer.metafile),
  );
}
const written = new Set(Object.keys(cli.metafile.outputs).map((p) => path.basename(p)));
for (const name of readdirSync(outdir)) {
  if (!/^cli-.+\.js(\.map)?$/.test(name) || written.has(name)) continue;
  const file = path.join(outdir, name);
  if (Date.now() - statSync(file).mtimeMs > STALE_CHUNK_MS) rmSync(file);
}

// Left by builds from before the API types were generated: nothing reads .proto files at run time.
rmSync(path.join(outdir, 'protos'), { recursive: true, force: true });
