// When the tailer looks again: one wake-up per burst of appends seen by the watch, a poll when watching is off, nothing after stop.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LogWakeups } from '../../../main/engine/log-wakeups';

let dir: string;
let file: string;
const started: LogWakeups[] = [];

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'log-wakeups-'));
  file = path.join(dir, 'containerd.log');
  fs.writeFileSync(file, '');
});
afterEach(() => {
  for (const w of started.splice(0)) w.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

function wakeups(pollMs: number, watching = true) {
  const count = { n: 0 };
  const w = new LogWakeups({ file, pollMs, wake: () => count.n++, watchSuffices: () => true });
  w.setWatching(watching);
  w.start();
  started.push(w);
  return { w, count };
}

describe('LogWakeups', () => {
  it('wakes once for a burst of appends', async () => {
    const { count } = wakeups(60_000);
    for (let i = 0; i < 20; i++) fs.appendFileSync(file, `line ${i}\n`);
    await sleep(300);
    expect(count.n).toBe(1);
  });

  it('with watching off, appends wake nothing until the poll', async () => {
    const { w, count } = wakeups(60_000, false);
    fs.appendFileSync(file, 'line\n');
    await sleep(150);
    expect(count.n).toBe(0);
    // Watching again wakes at once for what came meanwhile.
    w.setWatching(true);
    expect(count.n).toBe(1);
  });

  it('polls at pollMs while watching is off', async () => {
    const { count } = wakeups(40, false);
    await sleep(300);
    expect(count.n).toBeGreaterThanOrEqual(3);
  });

  it('wakes nothing after stop()', async () => {
    const { w, count } = wakeups(40);
    w.stop();
    fs.appendFileSync(file, 'line\n');
    await sleep(200);
    expect(count.n).toBe(0);
  });
});
