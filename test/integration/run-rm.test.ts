// `cdesk run --rm` kept by the app: the built CLI against a real control socket, service and
// containerd. A killed attached cdesk leaves no container behind once the task exits; a task that
// exited while the app was away is removed at the next connect; a containerd restart removes none.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ContainerdEvent } from '../../common/containerd';
import { createInside } from '../../main/containerd';
import { startControlHarness, type ControlHarness } from '../helpers/cli-io';
import { requireContainerd, until } from '../helpers/engine';
import { removeBuiltImage, startInside, type InsideFixture } from '../helpers/inside-fixture';
import { canRunContainers, ctr, ctrList, ctrTasks } from '../helpers/oci-image';
import { CDESK, ensureBuilt } from '../helpers/serve';

const have = requireContainerd();
const can = canRunContainers();
if (have && !can.ok) console.warn(`skipping run --rm tests: ${can.reason}`);

let f: InsideFixture;
let h: ControlHarness;
let seq = 0;
const uid = () => `rmtake-${process.pid}-${++seq}`;
const clis: ChildProcess[] = [];

beforeAll(() => {
  if (have && can.ok) ensureBuilt();
});
beforeEach(async () => {
  if (!have || !can.ok) return;
  f = await startInside();
  h = await startControlHarness({ prefix: 'cd-rmtake-', engine: f.engine, inside: f.inside });
});
afterEach(async () => {
  if (!have || !can.ok) return;
  for (const c of clis.splice(0))
    if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await h.close();
  await f.dispose();
});
afterAll(() => removeBuiltImage());

interface Cli {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** The built `cdesk run … IMAGE sh -c SCRIPT` against the harness's control socket. */
function cdeskRun(flags: string[], script: string): Cli {
  const child = spawn(
    process.execPath,
    [CDESK, 'run', '--control', h.sock, ...flags, f.img.name, 'sh', '-c', script],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  clis.push(child);
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) =>
    child.once('exit', (code, signal) => r({ code, signal })),
  );
  return { child, stdout: () => out, stderr: () => err, exit };
}

const containers = () => ctrList(f.socket, 'default', 'containers');
const logFolder = (id: string) => join(f.engine.status().paths.root, 'containers', 'default', id);
const taskStopped = (id: string) => ctrTasks(f.socket, 'default').get(id)?.status === 'stopped';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The container's labels as `cdesk inspect` shows them, once it exists (within 10 s). */
async function inspectLabels(id: string): Promise<Record<string, string>> {
  for (const end = Date.now() + 10_000; Date.now() < end; await sleep(50)) {
    const r = await h.service.handle('container:inspect', { namespace: 'default', id });
    if (r.ok) return (r.value as { labels: Record<string, string> }).labels;
  }
  throw new Error(`container ${id} never appeared`);
}

describe.skipIf(!have || !can.ok)('cdesk run --rm, kept by the app', () => {
  it('a SIGKILLed attached cdesk run --rm: the app removes the container (and its log) once the task exits; one without --rm is kept', async () => {
    const rmId = uid();
    const keepId = uid();
    const withRm = cdeskRun(['--rm', '--name', rmId], 'echo started; exec sleep 600');
    const without = cdeskRun(['--name', keepId], 'echo started; exec sleep 600');
    await until(
      () => withRm.stdout() === 'started\n' && without.stdout() === 'started\n',
      20_000,
      'both runs printing',
    );
    expect(existsSync(logFolder(rmId))).toBe(true);
    withRm.child.kill('SIGKILL');
    without.child.kill('SIGKILL');
    await Promise.all([withRm.exit, without.exit]);
    // Its task still runs: nothing exited, so nothing is removed.
    await sleep(500);
    expect(containers()).toEqual(expect.arrayContaining([rmId, keepId]));
    ctr(f.socket, 'default', ['tasks', 'kill', '-s', 'SIGKILL', rmId]);
    ctr(f.socket, 'default', ['tasks', 'kill', '-s', 'SIGKILL', keepId]);
    await until(() => !containers().includes(rmId), 10_000, `${rmId} removed by the app`);
    await until(() => !existsSync(logFolder(rmId)), 5_000, `${rmId}'s log folder removed`);
    await until(() => taskStopped(keepId), 10_000, `${keepId}'s task stopped`);
    await sleep(300);
    expect(containers()).toContain(keepId);
    expect(existsSync(logFolder(keepId))).toBe(true);
  });

  it('an attached cdesk run --rm that stops reading after the exit: the app waits for it, then removes the container once it is killed', async () => {
    const id = uid();
    const cli = cdeskRun(['--rm', '--name', id], 'echo started; exec sleep 600');
    await until(() => cli.stdout() === 'started\n', 20_000, 'the run printing');
    // Frozen: it holds its connection open but will never read the last lines or remove it.
    cli.child.kill('SIGSTOP');
    ctr(f.socket, 'default', ['tasks', 'kill', '-s', 'SIGKILL', id]);
    await until(() => taskStopped(id), 10_000, 'task stopped');
    // The exit alone does not remove it while its cdesk is connected (that one reads, then removes).
    await sleep(500);
    expect(containers()).toContain(id);
    cli.child.kill('SIGKILL');
    await cli.exit;
    await until(() => !containers().includes(id), 10_000, `${id} removed by the app`);
    await until(() => !existsSync(logFolder(id)), 5_000, `${id}'s log folder removed`);
  });

  it('an attached run --rm whose connection closes before the run answers: removed once the task exits', async () => {
    const id = uid();
    const left = new AbortController();
    const running = h.service.handle(
      'container:run',
      {
        namespace: 'default',
        image: f.img.name,
        name: id,
        args: ['sh', '-c', 'sleep 1'],
        rm: true,
        attached: true,
      },
      { gone: left.signal },
    );
    setImmediate(() => left.abort());
    const r = await running;
    expect(r.ok, JSON.stringify(r)).toBe(true);
    expect(containers()).toContain(id);
    await until(() => !containers().includes(id), 10_000, `${id} removed by the app`);
  });

  it('a normal attached run --rm prints every line, passes its exit code on, and is removed once (by cdesk)', async () => {
    const id = uid();
    const cli = cdeskRun(
      ['--rm', '--name', id],
      'sleep 1; i=0; while [ $i -lt 3000 ]; do echo line $i; i=$((i+1)); done; echo last >&2; exit 4',
    );
    // While it runs the app knows it is --rm (docker inspect's HostConfig.AutoRemove), so a cdesk
    // that dies would not leave it behind.
    const labels = await inspectLabels(id);
    expect(labels['containerd-desktop/auto-remove']).toBe('true');
    const { code } = await cli.exit;
    // cdesk's own removal succeeded (a failed rm would be exit 1 and a message).
    expect({ code, stderr: cli.stderr() }).toEqual({ code: 4, stderr: 'last\n' });
    const lines = cli.stdout().split('\n');
    expect(lines.length).toBe(3001);
    expect(lines[0]).toBe('line 0');
    expect(lines[2999]).toBe('line 2999');
    expect(containers()).not.toContain(id);
    expect(existsSync(logFolder(id))).toBe(false);
    await sleep(300);
    const r = await h.service.handle('events:recent', { namespace: 'default', limit: 1000 });
    const events = r.ok ? (r.value as { events: ContainerdEvent[] }).events : [];
    const deletes = events.filter((e) => e.topic === '/containers/delete' && e.containerId === id);
    expect(deletes).toHaveLength(1);
  });

  it('a --rm task that exited while the app was away is removed at its next connect; one still running survives a containerd restart', async () => {
    const gone = uid();
    const stays = uid();
    for (const id of [gone, stays]) {
      const cli = cdeskRun(['-d', '--rm', '--name', id], 'exec sleep 600');
      expect((await cli.exit).code, cli.stderr()).toBe(0);
    }
    // The app goes away; the task exits meanwhile (nobody sees the event).
    await h.close();
    f.inside.dispose();
    ctr(f.socket, 'default', ['tasks', 'kill', '-s', 'SIGKILL', gone]);
    await until(() => taskStopped(gone), 10_000, 'task stopped');
    const back = createInside({
      engine: f.engine,
      settings: () => f.settings,
      logError: () => undefined,
    });
    try {
      await until(() => back.status().state === 'connected', 15_000, 'connected again');
      await until(() => !containers().includes(gone), 10_000, `${gone} removed at connect`);
      await until(() => !existsSync(logFolder(gone)), 5_000, `${gone}'s log folder removed`);
      // containerd restarted by the app: the running one is no exit.
      await f.engine.restart();
      await until(() => back.status().state === 'connected', 15_000, 'reconnected');
      await sleep(500);
      expect(containers()).toContain(stays);
      expect(ctrTasks(f.socket, 'default').get(stays)?.status).toBe('running');
      ctr(f.socket, 'default', ['tasks', 'kill', '-s', 'SIGKILL', stays]);
      await until(() => !containers().includes(stays), 10_000, `${stays} removed on its exit`);
    } finally {
      back.dispose();
      // afterEach closes these again.
      h = await startControlHarness({ prefix: 'cd-rmtake-', engine: f.engine, inside: f.inside });
    }
  });
});
