// Fresh folders and settings for bench runs against real containerd.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultSettings, type Settings } from '../common/settings';
import { waitForServing } from '../main/engine/health';
import { DaemonChannel } from '../main/shared/daemon-channel';
import { Launcher } from '../main/engine/launch';
import type { Layout } from '../main/engine/paths';

export const CONTAINERD = '/usr/bin/containerd';

/** Default settings rooted in `dir` (root/, state/), with the system containerd. */
export function settingsIn(dir: string, patch: (s: Settings) => void = () => {}): Settings {
  const s = defaultSettings();
  s.rootDir = join(dir, 'root');
  s.stateDir = join(dir, 'state');
  s.containerdPath = CONTAINERD;
  patch(s);
  return s;
}

/** Run `fn` in a fresh temp folder, removed afterwards. */
export async function withDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'cdb-'));
  try {
    return await fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** waitForServing on a channel of its own, closed afterwards (the bench probes from outside the engine). */
export async function servingAt(
  socket: string,
  opts: Parameters<typeof waitForServing>[1],
): ReturnType<typeof waitForServing> {
  const channel = new DaemonChannel(socket);
  try {
    return await waitForServing(channel, opts);
  } finally {
    channel.close();
  }
}

/**
 * containerd's config for `layout`, written the way the engine writes it (Launcher.prepare: lock,
 * directories, config); the lock is released again, so the bench may run containerd on its own.
 */
export async function writeConfigFor(layout: Layout, s: Settings): Promise<string> {
  const launcher = new Launcher({ appDir: '/', env: process.env });
  try {
    return (await launcher.prepare(layout, s)).configFile;
  } finally {
    await launcher.release();
  }
}
