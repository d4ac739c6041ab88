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
  host: ['control-socket', 'service', 'containerd', 'engine', 'shared'],
  cli: ['host', 'headless', 'control-socket', 'service', 'containerd', 'engine', 'shared'],
  electron: ['host', 'service', 'shared'],
};

function roomRules() {
  const all = Object.keys(ROOMS);
  return all.map((room) => {
    const banned = all.filter((r) => r !== room && !ROOMS[room].includes(r));
    const patterns = [
      ...banned.map((r) => ({
        group: [`**/${r}/**`, `../${r}/*`],
        message: `main/${room} may import only ${ROOMS[room].join(', ') || 'common/ and Node'} (see ROOMS in eslint.config.js)`,
      })),
      {
        group: ['**/renderer/**', '**/preload/**'],
        message: 'main/ never imports the renderer or preload',
      },
    ];
    if (room !== 'electron')
      patterns.push({ group: ['electron'], message: 'only main/electron imports Electron' });
    return {
      files: [`main/${room}/**/*.ts`],
      rules: { 'no-restricted-imports': ['error', { patterns }] },
    };
  });
}

export { ROOMS };

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
  ...roomRules(),
  {
    // The renderer sees the DOM and the contract only.
    files: ['renderer/**/*.{ts,tsx}'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [...nodeBuiltins, 'electron', '**/main/**', '**/preload/**'] },
      ],
    },
  },
  {
    // Raw ipcMain/ipcRenderer only inside the typed wrappers.
    files: ['main/electron/**/*.ts', 'preload/**/*.ts'],
    ignores: ['main/electron/ipc.ts', 'preload/index.ts'],
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
