// `npm run dist`: build, then package with electron-builder — or explain how to get it when it is missing.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
try {
  require.resolve('electron-builder/package.json');
} catch {
  console.error(
    [
      'electron-builder is not installed, so the app cannot be packaged here.',
      'It is left out of devDependencies because it is heavy and downloads the Electron binary.',
      'On a machine that can download Electron, run:',
      '  npm i -D electron-builder && npm run dist',
      'Packaging settings are in electron-builder.yml (AppImage and deb into release/).',
    ].join('\n'),
  );
  process.exit(1);
}

const run = (cmd, args) => {
  const r = spawnSync(cmd, args, { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
};
run('npm', ['run', 'build']);
run('npx', ['--no-install', 'electron-builder', '--linux', ...process.argv.slice(2)]);
