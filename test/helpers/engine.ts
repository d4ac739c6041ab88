// Test helpers for the engine: temp layouts, settings with fast knobs, waiting on events.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultSettings, type Settings } from '../../common/settings';
import type { DaemonState, EngineEvent, StateEvent } from '../../common/states';
import type { Engine } from '../../main/engine/types';
import { afterEach } from 'vitest';

export const CONTAINERD = '/usr/bin/containerd';
export const HAVE_CONTAINERD = existsSync(CONTAINERD);

/** Skip locally without containerd (saying why); fail in CI where it must be installed. */
export function requireContainerd(): boolean {
  if (HAVE_CONTAINERD) return true;
  if (process.env.CDESK_REQUIRE_CONTAINERD === '1') {
    throw new Error(
      `containerd is required (CDESK_REQUIRE_CONTAINERD=1) but ${CONTAINERD} is missing`,
    );
  }
  console.warn(`skipping: ${CONTAINERD} not installed (apt-get install containerd)`);
  return false;
}

/** A short temp dir (unix socket paths must stay under 108 bytes). */
export function tempDir(prefix = 'cd-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => removeTree(dir) };
}

/** Settings rooted in `dir`, with knobs tuned for tests (still validated by the schema). */
export function testSettings(dir: string, patch: (s: Settings) => void = () => {}): Settings {
  const s = defaultSettings();
  s.rootDir = join(dir, 'root');
  s.stateDir = join(dir, 'state');
  s.containerdPath = CONTAINERD;
  s.stopGraceMs = 3000;
  patch(s);
  return s;
}

/** Resolve with the first event matching `pred`, or reject after `timeoutMs`. */
export function nextEvent<T extends EngineEvent>(
  engine: Engine,
  pred: (e: EngineEvent) => e is T,
  timeoutMs = 15_000,
  what = 'event',
): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(
        new Error(
          `timed out after ${timeoutMs} ms waiting for ${what}; state=${engine.status().state} (${engine.status().reason})`,
        ),
      );
    }, timeoutMs);
    const off = engine.onEvent((e) => {
      if (pred(e)) {
        clearTimeout(timer);
        off();
        resolve(e);
      }
    });
  });
}

/** The next transition into `state` (not the current state): arm it before causing the change. */
export function waitForState(
  engine: Engine,
  state: DaemonState,
  timeoutMs = 15_000,
  code?: string,
) {
  return nextEvent(
    engine,
    (e): e is StateEvent =>
      e.type === 'state' && e.state === state && (code === undefined || e.code === code),
    timeoutMs,
    `state ${state}${code ? `/${code}` : ''}`,
  );
}

/** Record every event for later assertions. */
export function recorder(engine: Engine): {
  events: EngineEvent[];
  states: () => StateEvent[];
  stop: () => void;
} {
  const events: EngineEvent[] = [];
  const stop = engine.onEvent((e) => events.push(e));
  return { events, states: () => events.filter((e): e is StateEvent => e.type === 'state'), stop };
}

/** Pids of live processes whose command line mentions `needle` (e.g. our config path). */
export function pidsWithArg(needle: string): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const cmd = readFileSync(`/proc/${name}/cmdline`, 'utf8');
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
      if (state !== 'Z' && cmd.split('\0').includes(needle)) out.push(Number(name));
    } catch {
      // raced with an exit
    }
  }
  return out;
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

export async function until(
  cond: () => boolean,
  timeoutMs = 10_000,
  what = 'condition',
): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Cleanups a test file's tests register, run after each test, newest first. */
export function cleanupAfterEach(): Array<() => Promise<void> | void> {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });
  return cleanups;
}

/**
 * rm -rf that first lazily unmounts whatever is still mounted below `dir` (a container rootfs a
 * failed test left behind), so one test's leftover is reported by that test, not as EBUSY here.
 */
export function removeTree(dir: string): void {
  const below = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[4]?.replace(/\\040/g, ' '))
    .filter((m): m is string => !!m && m.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length);
  for (const m of below) {
    try {
      execFileSync('umount', ['-l', m], { stdio: 'ignore' });
    } catch {
      // already gone
    }
  }
  rmSync(dir, { recursive: true, force: true });
}
