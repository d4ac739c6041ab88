// Lint: typescript-eslint plus import-direction rules that keep each runtime's code in its lane.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const nodeBuiltins = ['node:*', 'fs', 'path', 'os', 'child_process', 'net', 'http', 'crypto'];

/** main/'s rooms and the rooms each may import (common/ is always allowed; Node everywhere). */
const ROOMS = {
  shared: [],
  engine: ['shared'],
  containerd: ['engine', 'shared'],
  service: ['containerd', 'engine', 'shared'],
  'control-socket': ['service', 'shared'],
  headless: ['service', 'shared'],
  // Other machines: the saved list and the links to them (over the control client's ssh transport;
  // an agentless host's bare containerd is read with the containerd room's API code); the hub is
  // the service's HostsProvider.
  hosts: ['control-socket', 'service', 'containerd', 'shared'],
  host: ['hosts', 'control-socket', 'service', 'containerd', 'engine', 'shared'],
  cli: ['host', 'hosts', 'headless', 'control-socket', 'service', 'containerd', 'engine', 'shared'],
  electron: ['host', 'hosts', 'service', 'shared'],
};

/**
 * The renderer's rooms (renderer/src/), lowest first: transport reaches the app, store holds state,
 * components are the pieces pages are built from (widgets, hooks, formatters, the virtualised
 * list), views are the sidebar's pages. The files directly in renderer/src/ (app, main) are the
 * shell and may import any room; no room imports the shell.
 */
const RENDERER_ROOMS = {
  transport: [],
  store: ['transport'],
  components: ['store'],
  views: ['components', 'store'],
};

/** Renderer code sees the DOM and the contract only. */
const rendererPatterns = [...nodeBuiltins, 'electron', '**/main/**', '**/preload/**'].map((p) => ({
  group: [p],
  message: 'the renderer sees the DOM and common/ only',
}));

/** One lint block per room: importing any room not listed in `rooms[room]` is an error. */
function roomRules(rooms, base, extraPatterns) {
  const all = Object.keys(rooms);
  return all.map((room) => {
    const banned = all.filter((r) => r !== room && !rooms[room].includes(r));
    const patterns = [
      ...banned.map((r) => ({
        group: [`**/${r}/**`, `../${r}/*`, `../${r}`],
        message: `${base}/${room} may import only ${rooms[room].join(', ') || 'common/ and Node'} (see ${base === 'main' ? 'ROOMS' : 'RENDERER_ROOMS'} in eslint.config.js)`,
      })),
      ...extraPatterns(room),
    ];
    return {
      files: [`${base}/${room}/**/*.{ts,tsx}`],
      rules: { 'no-restricted-imports': ['error', { patterns }] },
    };
  });
}

const mainRoomRules = () =>
  roomRules(ROOMS, 'main', (room) => [
    {
      group: ['**/renderer/**', '**/preload/**'],
      message: 'main/ never imports the renderer or preload',
    },
    ...(room === 'electron'
      ? []
      : [{ group: ['electron'], message: 'only main/electron imports Electron' }]),
  ]);

// A room's block replaces the renderer-wide one for its files, so it repeats those patterns.
const rendererRoomRules = () =>
  roomRules(RENDERER_ROOMS, 'renderer/src', () => [
    ...rendererPatterns,
    {
      group: ['../app', '../main', '../zod-jitless'],
      message: 'renderer/src/ itself is the shell: no room imports it',
    },
  ]);

export { ROOMS, RENDERER_ROOMS };

export default tseslint.config(
  // main/shared/api is generated (npm run proto:gen) and checked by its staleness test instead.
  { ignores: ['dist/**', 'release/**', 'node_modules/**', 'test-output/**', 'main/shared/api/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        URL: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        Buffer: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
    },
  },
  {
    // CommonJS files (bin/cdesk.cjs): Node's module globals, and require() is how they import.
    files: ['bin/*.cjs'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: { require: 'readonly', __dirname: 'readonly', __filename: 'readonly' },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // The shared contract: types and schemas only, runs everywhere.
    files: ['common/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [...nodeBuiltins, 'electron', '**/main/**', '**/renderer/**', '**/preload/**'],
        },
      ],
    },
  },
  // The rooms of main/, lowest first: a room imports only rooms below it (and common/). Electron
  // only in main/electron; nothing in main/ reaches into the renderer.
  ...mainRoomRules(),
  {
    // The renderer sees the DOM and the contract only.
    files: ['renderer/**/*.{ts,tsx}'],
    rules: { 'no-restricted-imports': ['error', { patterns: rendererPatterns }] },
  },
  // The renderer's rooms, lowest first (after the block above, which they extend).
  ...rendererRoomRules(),
  {
    // Raw ipcMain/ipcRenderer only inside the typed wrappers.
    files: ['main/electron/**/*.ts', 'preload/**/*.ts'],
    // ipc-exec.ts and ipc-files.ts are the terminals' and file dialogs' wrappers: the same sender
    // check, their own channels.
    ignores: [
      'main/electron/ipc.ts',
      'main/electron/ipc-exec.ts',
      'main/electron/ipc-files.ts',
      'preload/index.ts',
    ],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: 'MemberExpression[object.name=/^ipc(Main|Renderer)$/]',
          message: 'use the typed IPC wrapper',
        },
      ],
    },
  },
);
