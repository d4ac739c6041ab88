// `npm start`: the Electron app where a display and the Electron binary exist, else headless `cdesk serve`.
//
// Never downloads anything: the Electron package's own entry (`require('electron')`) fetches a
// missing binary, so this script only looks for the files that entry would use.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);

/** The Electron binary if it is already on disk (path.txt names it inside dist/), else null. */
function electronBinary() {
  const pkg = join(root, 'node_modules', 'electron');
  const pathFile = join(pkg, 'path.txt');
  if (!existsSync(pathFile)) return null;
  const rel = readFileSync(pathFile, 'utf8').trim();
  const distDir = process.env.ELECTRON_OVERRIDE_DIST_PATH || join(pkg, 'dist');
  const bin = join(distDir, rel);
  return rel && existsSync(bin) ? bin : null;
}

function why() {
  if (!process.env.DISPLAY && !process.env.WAYLAND_DISPLAY)
    return 'no display (neither DISPLAY nor WAYLAND_DISPLAY is set)';
  return 'the Electron binary is not downloaded (get it with `npx electron --version` or `node node_modules/electron/install.js` where the network allows)';
}

const hasDisplay = Boolean(process.env.DISPLAY || process.env.WAYLAND_DISPLAY);
const bin = hasDisplay ? electronBinary() : null;

if (bin) {
  if (!existsSync(join(root, 'dist', 'electron-main.js'))) {
    process.stderr.write('npm start: not built yet; run `npm run build` first\n');
    process.exit(1);
  }
  const child = spawn(bin, [root, ...args], { stdio: 'inherit' });
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
} else {
  process.stdout.write(`Starting headless instead of the window: ${why()}.\n`);
  // Run the CLI in this process, so signals and the exit code need no forwarding.
  process.argv = [process.argv[0], join(root, 'bin', 'cdesk.cjs'), 'serve', ...args];
  await import('../bin/cdesk.cjs');
}
