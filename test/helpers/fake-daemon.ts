// Test helpers for the fake containerd fixture: its path, a minimal config and a spawner.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import TOML from '@iarna/toml';

/** Absolute path of the fake daemon; run it like containerd: `FAKE_CONTAINERD --config FILE`. */
export const FAKE_CONTAINERD = fileURLToPath(
  new URL('../fixtures/fake-containerd.mjs', import.meta.url),
);

/**
 * Writes a config v2 TOML (root, state, [grpc] address) under `dir` that both the fake and real
 * containerd accept. Keep `dir` short (mkdtemp under /tmp): a unix socket path must be < 108 bytes.
 */
export function writeMinimalConfig(dir: string): { configFile: string; socket: string } {
  const socket = join(dir, 'c.sock');
  const configFile = join(dir, 'config.toml');
  const root = join(dir, 'root');
  const state = join(dir, 'state');
  mkdirSync(dir, { recursive: true });
  const config = {
    version: 2,
    root,
    state,
    grpc: { address: socket },
    debug: { level: 'info' },
  };
  writeFileSync(configFile, TOML.stringify(config), { mode: 0o600 });
  return { configFile, socket };
}

/** Spawns the fake daemon with fault knobs (FAKE_* variables); stderr is collected in `log()`. */
export function spawnFake(
  configFile: string,
  env: Record<string, string> = {},
): { child: ChildProcess; log: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [FAKE_CONTAINERD, '--config', configFile], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let text = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (s: string) => {
    text += s;
  });
  const exited = new Promise<number | null>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve(child.exitCode);
    else child.once('exit', (code) => resolve(code));
  });
  return { child, log: () => text, exited };
}
