// Builds the Node entries (CLI, Electron main, preload) with esbuild; the renderer is built by Vite.
import { build } from 'esbuild';

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  logLevel: 'warning',
};
const nodeExternal = ['electron', '@grpc/grpc-js', '@iarna/toml', 'electron-log', 'zod', 'ws'];

await Promise.all([
  build({
    ...common,
    entryPoints: ['main/cli/main.ts'],
    outfile: 'dist/cli.js',
    format: 'esm',
    external: nodeExternal,
  }),
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
]);
