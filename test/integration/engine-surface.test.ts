// The engine's surface around the lifecycle: claim/ownership, status paths, live log settings, log paging, tailer errors.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Settings } from '../../common/settings';
import { EngineError } from '../../main/engine/errors';
import { readStartTime } from '../../main/engine/proc';
import { Supervisor } from '../../main/engine/supervisor';
import {
  cleanupAfterEach,
  requireContainerd,
  tempDir,
  testSettings,
  until,
} from '../helpers/engine';
import { FAKE_CONTAINERD } from '../helpers/fake-daemon';

const have = requireContainerd();
const cleanups = cleanupAfterEach();

function engineIn(
  patch?: (s: Settings) => void,
  opts: { env?: NodeJS.ProcessEnv; log?: (m: string) => void } = {},
) {
  const t = tempDir();
  const settings = testSettings(t.dir, patch);
  const engine = new Supervisor({ settings, ...opts });
  cleanups.push(t.cleanup, () => engine.shutdown({ leaveRunning: false }));
  return { engine, settings, dir: t.dir };
}

describe.skipIf(!have)('status paths (real containerd)', () => {
  it('root is containerd root (ROOT/daemon); state is the folder with config, pidfile and log', async () => {
    const { engine, dir } = engineIn();
    const s = await engine.start();
    expect(s.paths.root).toBe(join(dir, 'root', 'daemon'));
    expect(s.paths.state).toBe(join(dir, 'state'));
    expect(readdirSync(s.paths.root).some((f) => f.startsWith('io.containerd.'))).toBe(true);
    expect(readFileSync(s.paths.config, 'utf8')).toContain(`root = "${s.paths.root}"`);
    expect(existsSync(join(s.paths.state, 'containerd.pid'))).toBe(true);
  });
});

describe('claim: one owner per state dir', () => {
  it('is idempotent and holds the lock before anything starts', async () => {
    const { engine, settings } = engineIn();
    await engine.claim();
    await engine.claim();
    const lock = JSON.parse(readFileSync(`${settings.stateDir}/supervisor.lock`, 'utf8')) as {
      pid: number;
    };
    expect(lock.pid).toBe(process.pid);
    expect(engine.status().state).toBe('stopped');
  });

  it('refuses a dir another live process owns, naming it; then touches none of its files', async () => {
    const { engine, settings } = engineIn((s) => {
      s.containerdPath = FAKE_CONTAINERD;
    });
    // Another owner: a live process of ours recorded in the lock, with its files in place.
    const other = spawn('sleep', ['60'], { stdio: 'ignore' });
    cleanups.push(() => void other.kill('SIGKILL'));
    await new Promise((r) => other.once('spawn', r));
    const state = settings.stateDir!;
    mkdirSync(state, { recursive: true, mode: 0o700 });
    const lock = JSON.stringify({ pid: other.pid, startTime: readStartTime(other.pid!) });
    writeFileSync(join(state, 'supervisor.lock'), lock);
    writeFileSync(join(state, 'containerd.pid'), 'theirs');
    writeFileSync(join(state, 'containerd.sock'), '');

    const err = await engine.claim().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EngineError);
    expect((err as EngineError).code).toBe('busy');
    expect((err as EngineError).message).toContain(`pid ${other.pid}`);
    expect((err as EngineError).hint).toMatch(/--state/);

    const s = await engine.start();
    expect(s).toMatchObject({ state: 'failed', code: 'busy' });
    await engine.stop();
    await engine.shutdown({ leaveRunning: false });
    expect(readFileSync(join(state, 'containerd.pid'), 'utf8')).toBe('theirs');
    expect(existsSync(join(state, 'containerd.sock'))).toBe(true);
    expect(readFileSync(join(state, 'supervisor.lock'), 'utf8')).toBe(lock);
  });
});

describe('logs (fake daemon)', () => {
  it('ring size applies at once when the settings change', async () => {
    const { engine, settings } = engineIn(
      (s) => {
        s.containerdPath = FAKE_CONTAINERD;
      },
      { env: { ...process.env, FAKE_LOG_FLOOD_LINES: '1000' } },
    );
    await engine.start();
    await until(() => engine.readLogs({ limit: 5000 }).lines.length > 1000, 10_000, 'flood read');
    engine.applySettings({ ...settings, logRingLines: 100 });
    const page = engine.readLogs({ limit: 5000 });
    expect(page.lines).toHaveLength(100);
    expect(page.lines.at(-1)!.seq).toBe(page.lastSeq);
  });

  it('logs:read pages by bytes: following nextSeq yields every line once, in order', async () => {
    const { engine } = engineIn(
      (s) => {
        s.containerdPath = FAKE_CONTAINERD;
      },
      { env: { ...process.env, FAKE_LOG_FLOOD_LINES: '600' } },
    );
    await engine.start();
    await until(() => engine.readLogs({}).lastSeq > 600, 10_000, 'flood read');
    const all = engine.readLogs({ limit: 100_000, maxBytes: 4 << 20 });
    expect(all.nextSeq).toBeNull();
    const seen: number[] = [];
    let page = engine.readLogs({ limit: 100_000, maxBytes: 8192 });
    let pages = 1;
    for (;;) {
      seen.push(...page.lines.map((l) => l.seq));
      if (page.nextSeq === null) break;
      page = engine.readLogs({ sinceSeq: page.nextSeq, limit: 100_000, maxBytes: 8192 });
      pages++;
    }
    expect(pages).toBeGreaterThan(2);
    const expected = all.lines.map((l) => l.seq).filter((s) => s <= seen.at(-1)!);
    expect(seen).toEqual(expected);
  });

  it('a failing log tailer shows in the status hint and in the engine log', async () => {
    const logged: string[] = [];
    const { engine, settings } = engineIn(
      (s) => {
        s.containerdPath = FAKE_CONTAINERD;
        s.logRotateBytes = 4096;
      },
      { env: { ...process.env, FAKE_LOG_FLOOD_LINES: '300' }, log: (m) => logged.push(m) },
    );
    // Rotation copies through containerd.log.1.tmp: a directory there makes it fail.
    mkdirSync(join(settings.stateDir!, 'containerd.log.1.tmp', 'x'), { recursive: true });
    await engine.start();
    await until(() => logged.length > 0, 10_000, 'a tailer error');
    expect(logged[0]).toMatch(/containerd\.log failed \(.*EISDIR/);
    expect(engine.status().hint).toMatch(/live log may miss lines/);
    expect(engine.status().state).toBe('running');
  });
});
