// Exec inside a running container against real containerd: exit codes, stdio, tty, cleanup.
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { ExecCommandError, type ExecProcess, type ExecSpec } from '../../main/containerd/exec';
import { InsideError } from '../../main/containerd/errors';
import { requireContainerd, until } from '../helpers/engine';
import { removeBuiltImage, startInside, type InsideFixture } from '../helpers/inside-fixture';
import { canRunContainers, ctr } from '../helpers/oci-image';

const have = requireContainerd();
const can = canRunContainers();

const fixtures: InsideFixture[] = [];
afterEach(async () => {
  for (const f of fixtures.splice(0)) await f.dispose();
});
afterAll(() => removeBuiltImage());

let seq = 0;
async function running(): Promise<{ f: InsideFixture; id: string }> {
  const f = await startInside();
  fixtures.push(f);
  const id = `exec-${process.pid}-${++seq}`;
  ctr(f.socket, 'default', ['run', '-d', f.img.name, id]);
  return { f, id };
}

interface Ran {
  p: ExecProcess;
  out: () => string;
  err: () => string;
}

async function exec(
  f: InsideFixture,
  s: Partial<ExecSpec> & { id: string; args: string[] },
): Promise<Ran> {
  const chunks: Record<1 | 2, Buffer[]> = { 1: [], 2: [] };
  const p = await f.inside.exec!(
    { namespace: 'default', tty: false, stdin: false, env: [], ...s },
    { onOutput: (fd, b) => void chunks[fd].push(b) },
  );
  return {
    p,
    out: () => Buffer.concat(chunks[1]).toString(),
    err: () => Buffer.concat(chunks[2]).toString(),
  };
}

/** Exec processes containerd still lists for the task (ctr tasks ps shows exec ids). */
function execIds(f: InsideFixture, id: string): string[] {
  return ctr(f.socket, 'default', ['tasks', 'ps', id])
    .split('\n')
    .slice(1)
    .map((l) => l.trim().split(/\s+/)[1] ?? '')
    .filter((x) => x.startsWith('cdesk-exec-'));
}

describe.skipIf(!have || !can.ok)('exec in a running container (real containerd, root)', () => {
  it('returns the exit code and keeps stdout and stderr apart', async () => {
    const { f, id } = await running();
    const r = await exec(f, { id, args: ['sh', '-c', 'echo out; echo err >&2; exit 7'] });
    const end = await r.p.ended;
    expect(end).toEqual({ kind: 'exit', code: 7 });
    expect(r.out()).toBe('out\n');
    expect(r.err()).toBe('err\n');
    await r.p.dispose();
    expect(execIds(f, id)).toEqual([]);
  });

  it("takes FIFOs made ahead: each exec's own go with it, one spare is left for the next", async () => {
    const { f, id } = await running();
    const fifoRoot = join(dirname(f.engine.status().paths.config), 'exec-fifo');
    // Left by an earlier run of the app (a crash, or its spare): swept before the first exec.
    mkdirSync(join(fifoRoot, 'x-stale'), { recursive: true });
    writeFileSync(join(fifoRoot, 'x-stale', 'stdout'), '');
    const spares = async () => {
      await until(() => readdirSync(fifoRoot).length === 1, 10_000, 'one spare');
      const [dir] = readdirSync(fifoRoot);
      for (const n of ['stdin', 'stdout', 'stderr'])
        expect(statSync(join(fifoRoot, dir!, n)).isFIFO(), n).toBe(true);
      return dir!;
    };
    const first = await exec(f, { id, args: ['sh', '-c', 'echo one'] });
    expect(await first.p.ended).toEqual({ kind: 'exit', code: 0 });
    await first.p.dispose();
    expect(first.out()).toBe('one\n');
    const spare = await spares();
    expect(spare).not.toBe('x-stale');
    const second = await exec(f, { id, args: ['sh', '-c', 'echo two; echo err >&2'] });
    expect(await second.p.ended).toEqual({ kind: 'exit', code: 0 });
    await second.p.dispose();
    expect([second.out(), second.err()]).toEqual(['two\n', 'err\n']);
    // The second exec used the spare (now gone with it) and left a new one.
    expect(await spares()).not.toBe(spare);
  });

  it('forwards stdin and its EOF', async () => {
    const { f, id } = await running();
    const r = await exec(f, { id, args: ['cat'], stdin: true });
    await new Promise<void>((resolve, reject) =>
      r.p.write(Buffer.from('hi\n'), (e) => (e ? reject(e) : resolve())),
    );
    await r.p.closeStdin();
    expect(await r.p.ended).toEqual({ kind: 'exit', code: 0 });
    expect(r.out()).toBe('hi\n');
    await r.p.dispose();
  });

  it('applies env, working directory and user over the container spec', async () => {
    const { f, id } = await running();
    const r = await exec(f, {
      id,
      args: ['sh', '-c', 'echo "$FOO $PATH"; pwd; id -u; id -g'],
      env: ['FOO=bar'],
      cwd: '/bin',
      user: '1234:99',
    });
    expect(await r.p.ended).toEqual({ kind: 'exit', code: 0 });
    expect(r.out()).toBe('bar /bin\n/bin\n1234\n99\n');
    await r.p.dispose();
  });

  it('gives a terminal of the size asked, resizable', async () => {
    const { f, id } = await running();
    const r = await exec(f, {
      id,
      args: ['sh', '-c', 'stty size; read x; stty size'],
      tty: true,
      stdin: true,
      cols: 91,
      rows: 37,
    });
    await until(() => r.out().includes('37 91'), 10_000, 'first size');
    await r.p.resize(100, 20);
    r.p.write(Buffer.from('\r'), () => undefined);
    expect(await r.p.ended).toEqual({ kind: 'exit', code: 0 });
    expect(r.out()).toMatch(/37 91\r\n[\s\S]*20 100\r\n/);
    await r.p.dispose();
  });

  it('answers 127 with containerd’s message for a missing command, leaving nothing behind', async () => {
    const { f, id } = await running();
    const err = await exec(f, { id, args: ['no-such-command'] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ExecCommandError);
    expect((err as ExecCommandError).exitCode).toBe(127);
    expect((err as ExecCommandError).message).toMatch(/no-such-command/);
    expect(execIds(f, id)).toEqual([]);
    const denied = await exec(f, { id, args: ['/bin'] }).catch((e: unknown) => e);
    expect((denied as ExecCommandError).exitCode).toBe(126);
    const noDir = await exec(f, { id, args: ['true'], cwd: '/nope' }).catch((e: unknown) => e);
    expect((noDir as ExecCommandError).exitCode).toBe(126);
    expect((noDir as ExecCommandError).hint).toMatch(/-w/);
  });

  it('refuses a stopped or unknown container with a clear error', async () => {
    const { f, id } = await running();
    ctr(f.socket, 'default', ['tasks', 'kill', '-s', 'SIGKILL', id]);
    await until(
      () => !ctr(f.socket, 'default', ['tasks', 'ls']).includes('RUNNING'),
      10_000,
      'task stopped',
    );
    const stopped = await exec(f, { id, args: ['true'] }).catch((e: unknown) => e);
    expect(stopped).toBeInstanceOf(InsideError);
    expect((stopped as InsideError).message).toBe(
      `container ${id} is not running in namespace default`,
    );
    const unknown = await exec(f, { id: 'nope-x', args: ['true'] }).catch((e: unknown) => e);
    expect((unknown as InsideError).code).toBe('not-found');
  });

  it('kills the process and removes it when disposed mid-run', async () => {
    const { f, id } = await running();
    const r = await exec(f, { id, args: ['sleep', '1000'] });
    expect(existsSync(`/proc/${r.p.pid}`)).toBe(true);
    await r.p.dispose();
    await until(() => !existsSync(`/proc/${r.p.pid}`), 5_000, 'exec process gone');
    expect(execIds(f, id)).toEqual([]);
  });
});
