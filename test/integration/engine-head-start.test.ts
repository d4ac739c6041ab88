// The head start (`cdesk daemon run`): containerd spawned before the Supervisor loads, then taken over as its first run.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { headStart } from '../../main/engine/head-start';
import { Supervisor } from '../../main/engine/supervisor';
import {
  alive,
  cleanupAfterEach,
  pidsWithArg,
  recorder,
  requireContainerd,
  tempDir,
  testSettings,
  until,
  waitForState,
} from '../helpers/engine';

const have = requireContainerd();
const cleanups = cleanupAfterEach();

function setup() {
  const t = tempDir('hs-');
  cleanups.push(t.cleanup);
  const settings = testSettings(t.dir);
  const stateDir = join(t.dir, 'state');
  return { dir: t.dir, settings, stateDir, config: join(stateDir, 'containerd.toml') };
}

describe.skipIf(!have)('head start', () => {
  it('is taken over as the first run: same pid, its boot lines are this run, history stays history', async () => {
    const { settings, stateDir, config } = setup();
    // A log from an earlier run: read back as history, never as this run's lines.
    mkdirSync(stateDir, { recursive: true, mode: 0o700 });
    const old = 'time="2026-11-29T10:00:00Z" level=info msg="from an earlier run"\n';
    writeFileSync(join(stateDir, 'containerd.log'), old.repeat(3), { mode: 0o600 });

    const head = await headStart({ settings });
    expect(head.spawned).not.toBeNull();
    const pid = head.spawned!.daemon.pid;
    expect(head.spawned!.logOffset).toBe(old.length * 3);
    expect(pidsWithArg(config)).toEqual([pid]);

    const engine = new Supervisor({ settings, headStart: head });
    cleanups.push(() => engine.shutdown({ leaveRunning: false }));
    const rec = recorder(engine);
    const up = waitForState(engine, 'running', 20_000);
    void engine.start();
    await up;
    expect(engine.status().pid).toBe(pid);
    expect(pidsWithArg(config)).toEqual([pid]);
    expect(rec.states().map((e) => [e.state, e.code])).toEqual([
      ['starting', 'start'],
      ['starting', 'spawned'],
      ['running', 'healthy'],
    ]);
    // SERVING can be answered before the tailer has read the boot line containerd wrote just
    // before it (the line arrives through inotify, not with the health answer).
    const bootLine = () =>
      engine.readLogs({ limit: 1000 }).lines.find((l) => /successfully booted/.test(l.msg));
    await until(() => bootLine() !== undefined, 5000, 'the boot line read');
    const page = engine.readLogs({ limit: 1000 });
    const earlier = page.lines.filter((l) => l.msg === 'from an earlier run');
    const booted = bootLine();
    expect(earlier).toHaveLength(3);
    expect(booted).toBeDefined();
    expect(booted!.seq).toBeGreaterThan(Math.max(...earlier.map((l) => l.seq)));

    await engine.shutdown({ leaveRunning: false });
    expect(alive(pid)).toBe(false);
  });

  it('spawned with other settings than the engine starts with: killed, and a fresh containerd runs', async () => {
    const { settings, config } = setup();
    const head = await headStart({ settings });
    const first = head.spawned!.daemon.pid;
    const engine = new Supervisor({ settings: { ...settings }, headStart: head });
    cleanups.push(() => engine.shutdown({ leaveRunning: false }));
    const up = waitForState(engine, 'running', 20_000);
    void engine.start();
    await up;
    expect(alive(first)).toBe(false);
    expect(engine.status().pid).not.toBe(first);
    expect(pidsWithArg(config)).toEqual([engine.status().pid]);
  });

  it('never started: shutdown kills the head start instead of leaving it unsupervised', async () => {
    const { settings, config } = setup();
    const head = await headStart({ settings });
    const pid = head.spawned!.daemon.pid;
    const engine = new Supervisor({ settings, headStart: head });
    await engine.shutdown({ leaveRunning: false });
    expect(alive(pid)).toBe(false);
    expect(pidsWithArg(config)).toEqual([]);
  });

  it('leaves adoption to the engine: a pidfile present means no spawn, only the lock', async () => {
    const { settings } = setup();
    const first = await headStart({ settings });
    const engine = new Supervisor({ settings, headStart: first });
    const up = waitForState(engine, 'running', 20_000);
    void engine.start();
    await up;
    const pid = engine.status().pid!;
    await engine.shutdown({ leaveRunning: true });
    cleanups.push(() => {
      if (alive(pid)) process.kill(pid, 'SIGKILL');
    });

    const second = await headStart({ settings });
    expect(second.spawned).toBeNull();
    const adopter = new Supervisor({ settings, headStart: second });
    cleanups.push(() => adopter.shutdown({ leaveRunning: false }));
    const back = waitForState(adopter, 'running', 20_000);
    void adopter.start();
    await back;
    expect(adopter.status().pid).toBe(pid);
  });
});
