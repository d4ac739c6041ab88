// Where the Electron shell finds its files: preload and renderer beside the bundle, icons in resources when packaged.
import path from 'node:path';
import { isLoopbackHttpUrl } from './origins';

export interface ShellPaths {
  preload: string;
  rendererDir: string;
  rendererIndex: string;
  iconsDir: string;
}

/**
 * `distDir` is the folder holding dist/electron-main.js. Packaged, electron-builder copies
 * build/icons to `<resources>/icons` (extraResources); unpackaged, they sit in build/icons.
 */
export function shellPaths(opts: {
  distDir: string;
  isPackaged: boolean;
  resourcesPath: string;
}): ShellPaths {
  const rendererDir = path.join(opts.distDir, 'renderer');
  return {
    preload: path.join(opts.distDir, 'preload.cjs'),
    rendererDir,
    rendererIndex: path.join(rendererDir, 'index.html'),
    iconsDir: opts.isPackaged
      ? path.join(opts.resourcesPath, 'icons')
      : path.join(opts.distDir, '..', 'build', 'icons'),
  };
}

/**
 * The dev-server URL (CDESK_DEV_SERVER_URL), honoured only for an unpackaged app and only on
 * loopback; a packaged app always loads its own files.
 */
export function devServerUrl(isPackaged: boolean, env: NodeJS.ProcessEnv): string | null {
  if (isPackaged) return null;
  const url = env.CDESK_DEV_SERVER_URL;
  return url && isLoopbackHttpUrl(url) ? url : null;
}
