// Running containers through the inside handlers against a real containerd: spec from the image,
// env, mounts, logs with stdout and stderr apart, runc state in the app's own root, bad input.
import { chmodSync, mkdtempSync, readdirSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ContainerLogLine } from '../../common/container-commands';
import { requireContainerd, until } from '../helpers/engine';
import { removeBuiltImage, startInside, type InsideFixture } from '../helpers/inside-fixture';
import { canRunContainers, ctr, ctrList, ctrTasks, importImage } from '../helpers/oci-image';
import { cgroupParentFor } from '../../main/containerd/oci-spec';

const have = requireContainerd();
const can = canRunContainers();
if (have && !can.ok) console.warn(`skipping container run tests: ${can.reason}`);

let f: InsideFixture;
let seq = 0;
const uid = () => `run-${process.pid}-${++seq}`;

beforeEach(async () => {
  if (!have || !can.ok) return;
  f = await startInside();
});
afterEach(async () => {
  if (!have || !can.ok) return;
  await f.dispose();
});
afterAll(() => removeBuiltImage());

const h = () => f.inside.handlers;

/** Poll an async condition (every 50 ms) until it holds. */
async function eventually(
  cond: () => Promise<boolean>,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Wait for the exit, then every line the log writer kept. */
async function finish(
  id: string,
  expectLines: number,
  namespace = 'default',
): Promise<{ code: number | null; lines: ContainerLogLine[] }> {
  const w = await h()['task:wait']({ namespace, id, timeoutMs: 20_000 });
  // The writer flushes after the task's pipes close: wait for the last line to land.
  let lines: ContainerLogLine[] = [];
  await eventually(
    async () => {
      lines = (await h()['container:logs']({ namespace, id })).lines;
      return lines.length >= expectLines;
    },
    5_000,
    'log lines',
  );
  return { code: w.exitStatus, lines };
}

describe.skipIf(!have || !can.ok)('container:run against containerd', () => {
  it('runs detached: RUNNING in ctr tasks ls, runc state under the app, not /run/containerd/runc', async () => {
    const id = uid();
    const r = await h()['container:run']({
      namespace: 'default',
      image: f.img.name,
      name: id,
      args: ['sleep', '1000'],
    });
    expect(r.pid).toBeGreaterThan(0);
    expect(ctrTasks(f.socket, 'default').get(id)).toEqual({ pid: r.pid, status: 'running' });
    const state = f.engine.status().paths.state;
    // The shim adds the namespace to the root it is given, as containerd's default one.
    expect(readdirSync(join(state, 'runc', 'default'))).toContain(id);
    expect(existsSync(join('/run/containerd/runc/default', id))).toBe(false);
    const ins = await h()['container:inspect']({ namespace: 'default', id });
    expect(ins.runtime).toEqual({
      name: 'io.containerd.runc.v2',
      options: { root: join(state, 'runc') },
    });
    const spec = ins.spec as {
      process: { args: string[]; env: string[] };
      linux: { cgroupsPath: string };
    };
    expect(spec.process.args).toEqual(['sleep', '1000']);
    expect(spec.process.env).toEqual(['PATH=/bin']);
    expect(ins.task?.status).toBe('running');
    // The lease that held the snapshot until the container record did is dropped after the reply.
    await until(
      () => ctr(f.socket, 'default', ['leases', 'ls', '-q']).trim() === '',
      5_000,
      'lease gone',
    );
  });

  it('attached-style run: exit code, stdout and stderr kept apart and in order', async () => {
    const id = uid();
    await h()['container:run']({
      namespace: 'default',
      image: f.img.name,
      name: id,
      args: ['sh', '-c', 'echo out1; echo err1 >&2; echo out2; exit 3'],
    });
    const { code, lines } = await finish(id, 3);
    expect(code).toBe(3);
    // Two pipes: each stream keeps its order (their interleaving is the reader's race, as in docker).
    const of = (s: string) => lines.filter((l) => l.stream === s).map((l) => l.text);
    expect(of('stdout')).toEqual(['out1', 'out2']);
    expect(of('stderr')).toEqual(['err1']);
    expect(lines.every((l) => l.time > Date.now() - 60_000)).toBe(true);
  });

  it('env, env override, working dir, user and a read-only bind mount are seen inside', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cd-bind-'));
    try {
      writeFileSync(join(dir, 'hello.txt'), 'from the host\n');
      chmodSync(dir, 0o755); // readable by uid 1000 inside
      const id = uid();
      await h()['container:run']({
        namespace: 'default',
        image: f.img.name,
        name: id,
        env: ['GREETING=hi there', 'PATH=/bin:/usr/bin'],
        workdir: '/data',
        user: '1000:1001',
        mounts: [{ source: dir, destination: '/data', readonly: true }],
        args: [
          'sh',
          '-c',
          'echo "$GREETING|$PATH|$(pwd)|$(id -u):$(id -g)"; cat hello.txt; touch /data/x 2>/dev/null && echo writable || echo readonly',
        ],
      });
      const { code, lines } = await finish(id, 3);
      expect(code).toBe(0);
      expect(lines.filter((l) => l.stream === 'stdout').map((l) => l.text)).toEqual([
        'hi there|/bin:/usr/bin|/data|1000:1001',
        'from the host',
        'readonly',
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('an entrypoint override drops the image Cmd; --rm removes the container once it exits', async () => {
    const id = uid();
    await h()['container:run']({
      namespace: 'default',
      image: f.img.name,
      name: id,
      entrypoint: ['/bin/true'],
      rm: true,
    });
    const logDir = join(f.engine.status().paths.root, 'containers', 'default', id);
    await until(
      () => !ctrList(f.socket, 'default', 'containers').includes(id) && !existsSync(logDir),
      10_000,
      'container and its log removed',
    );
  });

  it('removing the last container of a namespace removes the cgroup folders the app named', async () => {
    const ns = `cg-${uid()}`;
    importImage(f.socket, ns, f.img);
    const id = uid();
    await h()['container:run']({ namespace: ns, image: f.img.name, name: id, args: ['true'] });
    await h()['task:wait']({ namespace: ns, id, timeoutMs: 20_000 });
    // runc made /cdesk-<hash>/<ns>/<id> in each hierarchy (pids here: cgroup v1; else v2).
    const parent = cgroupParentFor(f.engine.status().paths.state);
    const tree = existsSync('/sys/fs/cgroup/cgroup.controllers')
      ? '/sys/fs/cgroup'
      : '/sys/fs/cgroup/pids';
    expect(existsSync(join(tree, parent, ns))).toBe(true);
    await h()['container:delete']({ namespace: ns, id });
    expect(existsSync(join(tree, parent, ns))).toBe(false);
  });

  it('start runs a stopped container again and appends to its log', async () => {
    const id = uid();
    await h()['container:run']({
      namespace: 'default',
      image: f.img.name,
      name: id,
      args: ['sh', '-c', 'echo ran'],
    });
    await finish(id, 1);
    const s = await h()['container:start']({ namespace: 'default', id });
    expect(s.pid).toBeGreaterThan(0);
    await h()['task:wait']({ namespace: 'default', id, timeoutMs: 20_000 });
    await eventually(
      async () => (await h()['container:logs']({ namespace: 'default', id })).lines.length === 2,
      5_000,
      'second run logged',
    );
    await expect(
      h()['container:start']({ namespace: 'default', id: 'nope-' + id }),
    ).rejects.toMatchObject({ code: 'not-found' });
  });

  it('logs rotate by size and keep the newest lines; tail and cursor follow', async () => {
    f.settings.containerLogMaxBytes = 4096;
    f.settings.containerLogKeep = 2;
    const id = uid();
    await h()['container:run']({
      namespace: 'default',
      image: f.img.name,
      name: id,
      args: ['sh', '-c', 'i=0; while [ $i -lt 400 ]; do echo line-$i; i=$((i+1)); done'],
    });
    await h()['task:wait']({ namespace: 'default', id, timeoutMs: 20_000 });
    let all: ContainerLogLine[] = [];
    await eventually(
      async () => {
        all = (await h()['container:logs']({ namespace: 'default', id })).lines;
        return all.at(-1)?.text === 'line-399';
      },
      5_000,
      'last line',
    );
    // 400 lines × ~70 bytes do not fit in 3 × 4 KiB: the oldest are gone, the newest kept in order.
    expect(all.length).toBeLessThan(400);
    expect(all.map((l) => l.text)).toEqual(
      Array.from({ length: all.length }, (_, i) => `line-${400 - all.length + i}`),
    );
    const logDir = join(f.engine.status().paths.root, 'containers', 'default', id);
    expect(readdirSync(logDir).sort()).toEqual([
      `${id}-json.log`,
      `${id}-json.log.1`,
      `${id}-json.log.2`,
    ]);
    const tail = await h()['container:logs']({ namespace: 'default', id, tail: 2 });
    expect(tail.lines.map((l) => l.text)).toEqual(['line-398', 'line-399']);
    const next = await h()['container:logs']({ namespace: 'default', id, cursor: tail.cursor });
    expect(next.lines).toEqual([]);
  });

  it('runs of one name at once: one wins, the others say the name is taken and leave its log alone', async () => {
    const id = uid();
    const runs = await Promise.allSettled(
      Array.from({ length: 4 }, () =>
        h()['container:run']({
          namespace: 'default',
          image: f.img.name,
          name: id,
          args: ['sh', '-c', 'sleep 1; echo still-logged; sleep 1000'],
        }),
      ),
    );
    expect(runs.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of runs.filter((r) => r.status === 'rejected'))
      expect((r as PromiseRejectedResult).reason).toMatchObject({
        code: 'already-exists',
        message: expect.stringMatching(
          new RegExp(
            `^the name ${id} is already in use by a (container|run starting now) in namespace default$`,
          ),
        ),
      });
    await eventually(
      async () =>
        (await h()['container:logs']({ namespace: 'default', id })).lines.some(
          (l) => l.text === 'still-logged',
        ),
      10_000,
      "the winner's line in its log",
    );
  });

  it('starts of one container at once all get the one task it starts', async () => {
    const id = uid();
    await h()['container:run']({
      namespace: 'default',
      image: f.img.name,
      name: id,
      args: ['sh', '-c', 'echo up; sleep 1000'],
    });
    await h()['task:stop']({ namespace: 'default', id, graceMs: 100 });
    const starts = await Promise.allSettled(
      Array.from({ length: 3 }, () => h()['container:start']({ namespace: 'default', id })),
    );
    expect(starts.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled']);
    const pids = starts.map((r) => (r as PromiseFulfilledResult<{ pid: number }>).value.pid);
    expect(new Set(pids).size).toBe(1);
    expect(ctrTasks(f.socket, 'default').get(id)).toMatchObject({
      status: 'running',
      pid: pids[0],
    });
  });

  it('a followed cursor sees lines written later', async () => {
    const id = uid();
    await h()['container:run']({
      namespace: 'default',
      image: f.img.name,
      name: id,
      args: ['sh', '-c', 'echo first; sleep 1; echo second; sleep 1000'],
    });
    let page = await h()['container:logs']({ namespace: 'default', id });
    const seen: string[] = page.lines.map((l) => l.text);
    await eventually(
      async () => {
        page = await h()['container:logs']({ namespace: 'default', id, cursor: page.cursor });
        seen.push(...page.lines.map((l) => l.text));
        return seen.includes('second');
      },
      10_000,
      'second line',
    );
    expect(seen).toEqual(['first', 'second']);
  });

  it('a follower waiting with waitMs gets a line as soon as it is written', async () => {
    const id = uid();
    await h()['container:run']({
      namespace: 'default',
      image: f.img.name,
      name: id,
      args: ['sh', '-c', 'echo first; sleep 2; echo second; sleep 1000'],
    });
    let page = await h()['container:logs']({ namespace: 'default', id });
    for (let i = 0; i < 50 && !page.lines.some((l) => l.text === 'first'); i++) {
      await new Promise((r) => setTimeout(r, 100));
      page = await h()['container:logs']({ namespace: 'default', id });
    }
    // One call spans the container's 2 s pause and answers with the line it waited for.
    const t0 = Date.now();
    const next = await h()['container:logs']({
      namespace: 'default',
      id,
      cursor: page.cursor,
      waitMs: 5000,
    });
    expect(next.lines.map((l) => l.text)).toEqual(['second']);
    expect(Date.now() - t0).toBeLessThan(4500);
    // Nothing more to come: the wait ends empty at its limit.
    const t1 = Date.now();
    const none = await h()['container:logs']({
      namespace: 'default',
      id,
      cursor: next.cursor,
      waitMs: 300,
    });
    expect(none.lines).toEqual([]);
    expect(Date.now() - t1).toBeGreaterThanOrEqual(290);
  });

  it('containers created without a log URI say so plainly', async () => {
    const { ctr } = await import('../helpers/oci-image');
    const id = uid();
    ctr(f.socket, 'default', ['containers', 'create', f.img.name, id]);
    await expect(h()['container:logs']({ namespace: 'default', id })).rejects.toThrow(
      /no log captured for .*: created without a log URI \(e\.g\. `ctr run` without `--log-uri`\)/,
    );
  });

  describe('bad input changes nothing', () => {
    const before = () => ({
      containers: ctrList(f.socket, 'default', 'containers'),
      tasks: [...ctrTasks(f.socket, 'default').keys()].sort(),
    });

    it('an unknown image names cdesk pull', async () => {
      const b = before();
      await expect(
        h()['container:run']({ namespace: 'default', image: 'nosuch/image:1', name: uid() }),
      ).rejects.toMatchObject({
        code: 'not-found',
        message: expect.stringMatching(/image nosuch\/image:1 is not in namespace default/),
        hint: expect.stringMatching(/cdesk pull nosuch\/image:1/),
      });
      expect(before()).toEqual(b);
    });

    it('an image in a namespace that does not exist: no namespace (nor lease) is made', async () => {
      const ns = `nons-${process.pid}-${++seq}`;
      await expect(
        h()['container:run']({ namespace: ns, image: f.img.name, name: uid() }),
      ).rejects.toMatchObject({ code: 'not-found' });
      expect(ctr(f.socket, 'default', ['namespaces', 'ls', '-q']).split('\n')).not.toContain(ns);
    });

    it('an image not unpacked names the unpack command; its lease goes, nothing is left', async () => {
      const ns = `nounpack-${process.pid}-${++seq}`;
      ctr(f.socket, ns, ['images', 'import', '--no-unpack', f.img.archive]);
      const id = uid();
      await expect(
        h()['container:run']({ namespace: ns, image: f.img.name, name: id }),
      ).rejects.toMatchObject({
        code: 'failed-precondition',
        message: `image ${f.img.name} is not unpacked for the overlayfs snapshotter`,
        hint: `Unpack it (ctr -n ${ns} images unpack ${f.img.name}) or pull it again.`,
      });
      expect(ctrList(f.socket, ns, 'containers')).toEqual([]);
      expect(ctr(f.socket, ns, ['snapshots', 'ls']).split('\n').slice(1).filter(Boolean)).toEqual(
        [],
      );
      // The lease is dropped off the reply's path.
      await until(
        () => ctr(f.socket, ns, ['leases', 'ls', '-q']).trim() === '',
        5_000,
        'lease gone',
      );
      expect(existsSync(join(f.engine.status().paths.root, 'containers', ns, id))).toBe(false);
    });

    it('a name already taken', async () => {
      const id = uid();
      await h()['container:run']({
        namespace: 'default',
        image: f.img.name,
        name: id,
        args: ['sleep', '1000'],
      });
      const b = before();
      await expect(
        h()['container:run']({ namespace: 'default', image: f.img.name, name: id }),
      ).rejects.toMatchObject({
        code: 'already-exists',
        message: expect.stringContaining(`the name ${id} is already in use`),
      });
      expect(before()).toEqual(b);
    });

    it('a mount source that does not exist', async () => {
      const b = before();
      await expect(
        h()['container:run']({
          namespace: 'default',
          image: f.img.name,
          name: uid(),
          mounts: [{ source: '/nonexistent/cdesk-src', destination: '/x', readonly: false }],
        }),
      ).rejects.toMatchObject({
        code: 'bad-payload',
        message: 'mount source /nonexistent/cdesk-src does not exist',
      });
      expect(before()).toEqual(b);
    });

    it('a command not found in the image: exit code 127 and the runtime message, nothing left', async () => {
      const b = before();
      const id = uid();
      const run = h()['container:run'];
      const err = await run({
        namespace: 'default',
        image: f.img.name,
        name: id,
        args: ['no-such-command'],
      }).catch((e: unknown) => e);
      expect(err).toMatchObject({
        code: 'failed-precondition',
        message: expect.stringMatching(
          /^cannot start "no-such-command" in the container \(exit code 127\): .*not found/,
        ),
      });
      expect(before()).toEqual(b);
      expect(existsSync(join(f.engine.status().paths.root, 'containers', 'default', id))).toBe(
        false,
      );
    });
  });
});
