// Health and version checks and the startup probe against the fake daemon, one fault at a time.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkHealth, daemonVersion, waitForServing } from '../../../main/engine/health';
import { DaemonChannel } from '../../../main/shared/daemon-channel';
import { spawnFake, writeMinimalConfig } from '../../helpers/fake-daemon';

let dir = '';
let configFile = '';
let socket = '';
const cleanups: (() => void | Promise<void>)[] = [];

beforeEach(() => {
  dir = mkdtempSync('/tmp/cdh-');
  ({ configFile, socket } = writeMinimalConfig(dir));
});

afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
  rmSync(dir, { recursive: true, force: true });
});

/** Starts the fake daemon, registers its SIGKILL for cleanup, and waits until it serves. */
async function startFake(env: Record<string, string> = {}, waitServing = true) {
  const fake = spawnFake(configFile, env);
  cleanups.push(async () => {
    if (fake.child.exitCode === null && fake.child.signalCode === null) {
      fake.child.kill('SIGKILL');
    }
    await fake.exited;
  });
  if (waitServing) {
    // Poll the socket, not health, so NOT_SERVING / UNIMPLEMENTED fakes count as up.
    const until = Date.now() + 10_000;
    while (!fake.log().includes('msg=serving...')) {
      if (Date.now() > until) throw new Error(`fake did not start:\n${fake.log()}`);
      await new Promise((r) => setTimeout(r, 5));
    }
  }
  return fake;
}

function client(): DaemonChannel {
  const c = new DaemonChannel(socket);
  cleanups.push(() => c.close());
  return c;
}

describe('checkHealth', () => {
  it('reports SERVING with a latency', async () => {
    await startFake();
    const res = await checkHealth(client(), 2000);
    expect(res.result).toBe('SERVING');
    expect(res.latencyMs).toBeGreaterThan(0);
    expect(res.latencyMs).toBeLessThan(2000);
  });

  it('reports NOT_SERVING', async () => {
    await startFake({ FAKE_STATUS: 'NOT_SERVING' });
    expect((await checkHealth(client(), 2000)).result).toBe('NOT_SERVING');
  });

  it('reports UNKNOWN', async () => {
    await startFake({ FAKE_STATUS: 'UNKNOWN' });
    expect((await checkHealth(client(), 2000)).result).toBe('UNKNOWN');
  });

  it('reports UNIMPLEMENTED when the health service is missing', async () => {
    await startFake({ FAKE_UNIMPLEMENTED: '1' });
    const res = await checkHealth(client(), 2000);
    expect(res.result).toBe('UNIMPLEMENTED');
    expect(res.detail).toBeTruthy();
  });

  it('reports TIMEOUT when the answer is slower than the deadline', async () => {
    await startFake({ FAKE_HEALTH_DELAY_MS: '1000' });
    const res = await checkHealth(client(), 100);
    expect(res.result).toBe('TIMEOUT');
    expect(res.latencyMs).toBeGreaterThanOrEqual(90);
    expect(res.latencyMs).toBeLessThan(900);
  });

  it('reports UNAVAILABLE at once when nothing listens', async () => {
    const res = await checkHealth(client(), 2000);
    expect(res.result).toBe('UNAVAILABLE');
    expect(res.latencyMs).toBeLessThan(1000);
    expect(res.detail).toBeTruthy();
  });

  it('follows the control file without a restart', async () => {
    const control = join(dir, 'control.json');
    writeFileSync(control, JSON.stringify({ status: 'SERVING' }));
    await startFake({ FAKE_CONTROL_FILE: control });
    const c = client();
    expect((await checkHealth(c, 2000)).result).toBe('SERVING');
    writeFileSync(control, JSON.stringify({ status: 'NOT_SERVING' }));
    expect((await checkHealth(c, 2000)).result).toBe('NOT_SERVING');
    writeFileSync(control, JSON.stringify({ healthDelayMs: 1000 }));
    expect((await checkHealth(c, 100)).result).toBe('TIMEOUT');
  });

  it('reconnects promptly after the daemon restarts', async () => {
    const first = await startFake();
    const c = client();
    expect((await checkHealth(c, 2000)).result).toBe('SERVING');
    first.child.kill('SIGKILL');
    await first.exited;
    expect((await checkHealth(c, 500)).result).toBe('UNAVAILABLE');
    await startFake();
    // The small reconnect backoff means the same client sees the new daemon within ~0.5 s.
    const until = performance.now() + 2000;
    let res = await checkHealth(c, 500);
    while (res.result !== 'SERVING' && performance.now() < until) {
      await new Promise((r) => setTimeout(r, 20));
      res = await checkHealth(c, 500);
    }
    expect(res.result).toBe('SERVING');
  });

  it('never throws, even after close', async () => {
    const c = new DaemonChannel(socket);
    c.close();
    const res = await checkHealth(c, 100);
    expect(res.result).toBe('ERROR');
  });

  it('cancels a call that has not reached the daemon yet', async () => {
    await startFake();
    const c = client();
    const ac = new AbortController();
    const pending = checkHealth(c, 2000, ac.signal);
    ac.abort();
    const res = await pending;
    expect(res.result).toBe('ERROR');
    expect(res.detail).toMatch(/cancelled/i);
    // The channel stays usable after a cancel.
    expect((await checkHealth(c, 2000)).result).toBe('SERVING');
  });

  it('reads the version', async () => {
    await startFake();
    expect(await daemonVersion(client(), 2000)).toEqual({
      version: '1.6.99-fake',
      revision: 'fake0000',
    });
  });

  it('rejects version() when nothing listens', async () => {
    await expect(daemonVersion(client(), 500)).rejects.toMatchObject({ code: 14 });
  });
});

describe('waitForServing', () => {
  it('succeeds for a slow start within the budget', async () => {
    const started = performance.now();
    const fake = await startFake({ FAKE_START_DELAY_MS: '300' }, false);
    const res = await waitForServing(client(), {
      budgetMs: 10_000,
      intervalMs: 5,
      isAlive: () => fake.child.exitCode === null,
    });
    expect(res.ok).toBe(true);
    if (!res.ok) return;
    expect(res.attempts).toBeGreaterThanOrEqual(1);
    expect(res.latencyMs).toBeGreaterThan(0);
    expect(performance.now() - started).toBeGreaterThanOrEqual(300);
  });

  it('ignores a stale socket file left by a killed daemon', async () => {
    // A regular file where the socket goes: exists, but nothing accepts on it.
    writeFileSync(socket, '');
    const fake = await startFake({ FAKE_START_DELAY_MS: '150' }, false);
    const res = await waitForServing(client(), {
      budgetMs: 10_000,
      intervalMs: 5,
      isAlive: () => fake.child.exitCode === null,
    });
    expect(res.ok).toBe(true);
  });

  it("returns 'timeout' when the budget runs out", async () => {
    await startFake({ FAKE_STATUS: 'NOT_SERVING' });
    const started = performance.now();
    const res = await waitForServing(client(), { budgetMs: 400, intervalMs: 10 });
    const took = performance.now() - started;
    // The last call, cut short by the budget, must not hide the daemon's real answer.
    expect(res).toMatchObject({ ok: false, reason: 'timeout', last: 'NOT_SERVING' });
    if (!res.ok) expect(res.attempts).toBeGreaterThanOrEqual(1);
    expect(took).toBeGreaterThanOrEqual(390);
    expect(took).toBeLessThan(2000);
  });

  it("returns 'timeout' with last TIMEOUT when health never answers", async () => {
    await startFake({ FAKE_HEALTH_DELAY_MS: '5000' });
    const res = await waitForServing(client(), { budgetMs: 300, intervalMs: 10 });
    expect(res).toEqual({ ok: false, reason: 'timeout', last: 'TIMEOUT', attempts: 1 });
  });

  it("returns 'timeout' with no result when the socket never appears", async () => {
    const res = await waitForServing(client(), { budgetMs: 100, intervalMs: 10 });
    expect(res).toEqual({ ok: false, reason: 'timeout', last: null, attempts: 0 });
  });

  it("returns 'exited' when the daemon dies before serving", async () => {
    const fake = await startFake(
      { FAKE_START_DELAY_MS: '5000', FAKE_EXIT_AFTER_MS: '100', FAKE_EXIT_CODE: '3' },
      false,
    );
    const started = performance.now();
    const res = await waitForServing(client(), {
      budgetMs: 10_000,
      intervalMs: 5,
      isAlive: () => fake.child.exitCode === null,
    });
    expect(res).toMatchObject({ ok: false, reason: 'exited' });
    // Without isAlive it would wait out the whole 10 s budget (half of it leaves room for a loaded machine).
    expect(performance.now() - started).toBeLessThan(5000);
    expect(await fake.exited).toBe(3);
  });

  it("returns 'exited' while a health call hangs", async () => {
    await startFake({ FAKE_HEALTH_DELAY_MS: '5000' });
    let alive = true;
    setTimeout(() => (alive = false), 150);
    const started = performance.now();
    const res = await waitForServing(client(), {
      budgetMs: 10_000,
      intervalMs: 5,
      isAlive: () => alive,
    });
    expect(res).toMatchObject({ ok: false, reason: 'exited', attempts: 1, last: null });
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it("returns 'aborted' on the signal", async () => {
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 100);
    const started = performance.now();
    const res = await waitForServing(client(), {
      budgetMs: 10_000,
      intervalMs: 20,
      signal: ac.signal,
    });
    expect(res).toMatchObject({ ok: false, reason: 'aborted', last: null });
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it("returns 'aborted' during a hanging health call", async () => {
    await startFake({ FAKE_HEALTH_DELAY_MS: '5000' });
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 150);
    const started = performance.now();
    const res = await waitForServing(client(), {
      budgetMs: 10_000,
      intervalMs: 5,
      signal: ac.signal,
    });
    expect(res).toMatchObject({ ok: false, reason: 'aborted' });
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it("returns 'aborted' at once for an already aborted signal", async () => {
    const res = await waitForServing(client(), {
      budgetMs: 10_000,
      intervalMs: 5,
      signal: AbortSignal.abort(),
    });
    expect(res).toEqual({ ok: false, reason: 'aborted', last: null, attempts: 0 });
  });
});
