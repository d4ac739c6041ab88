// The container verbs (`cdesk run|logs|stop|start|inspect|rm`) over a real control socket, service and containerd: run attached and
// detached, logs (-f, stderr apart), stop/start/rm, bad input, and two app instances side by side.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UsageError } from '../../main/cli/args';
import { run as logsCmd } from '../../main/cli/cmd-logs';
import { run as runCmd } from '../../main/cli/cmd-run';
import type { CliIo } from '../../main/cli/common';
import { runVerb, type Verb } from '../../main/cli/cmd-container-verbs';
import { captureIo as io, startControlHarness, type ControlHarness } from '../helpers/cli-io';
import { requireContainerd, until } from '../helpers/engine';
import { removeBuiltImage, startInside, type InsideFixture } from '../helpers/inside-fixture';
import {
  buildBusyboxImage,
  canRunContainers,
  ctr,
  ctrList,
  ctrTasks,
  importImage,
} from '../helpers/oci-image';

const have = requireContainerd();
const can = canRunContainers();
if (have && !can.ok) console.warn(`skipping container CLI tests: ${can.reason}`);

let f: InsideFixture;
let h: ControlHarness;
let seq = 0;
const uid = () => `cli-${process.pid}-${++seq}`;

beforeEach(async () => {
  if (!have || !can.ok) return;
  f = await startInside();
  h = await startControlHarness({ prefix: 'cd-ccli-', engine: f.engine, inside: f.inside });
});
afterEach(async () => {
  if (!have || !can.ok) return;
  await h.close();
  await f.dispose();
});
afterAll(() => removeBuiltImage());

const ctl = () => ['--control', h.sock];
/** `cdesk VERB ARGS…` as main.ts dispatches it. */
const container = ([verb, ...rest]: string[], o: CliIo) =>
  verb === 'run'
    ? runCmd(rest, o)
    : verb === 'logs'
      ? logsCmd(rest, o)
      : runVerb(verb as Verb, rest, o);

describe.skipIf(!have || !can.ok)('cdesk container verbs', () => {
  it('run attached prints stdout and stderr apart and passes exit 3 on; --rm removes it', async () => {
    const id = uid();
    const o = io();
    const code = await container(
      [
        'run',
        ...ctl(),
        '--rm',
        '--name',
        id,
        '-e',
        'WHO=world',
        f.img.name,
        'sh',
        '-c',
        'echo hello $WHO; echo oops >&2; exit 3',
      ],
      o,
    );
    expect(code).toBe(3);
    expect(o.stdout).toBe('hello world\n');
    expect(o.stderr).toBe('oops\n');
    // A last line without its newline is output too (the shim gives the log writer no EOF).
    const partial = io();
    expect(
      await container(
        ['run', ...ctl(), '--rm', f.img.name, 'sh', '-c', 'echo a; printf b'],
        partial,
      ),
    ).toBe(0);
    expect(partial.stdout).toBe('a\nb');
    expect(ctrList(f.socket, 'default', 'containers')).not.toContain(id);
  });

  it("-u takes user and group names from the image's /etc/passwd and /etc/group; a lone uid gets group 0", async () => {
    const dir = mkdtempSync('/tmp/cd-ccli-users-');
    try {
      const users = buildBusyboxImage(dir, 'docker.io/cdesk/busybox:users', {
        passwd: 'root:x:0:0:root:/root:/bin/sh\napp:x:1234:2345:app:/home/app:/bin/sh\n',
        group: 'root:x:0:\nstaff:x:50:\napp:x:2345:\n',
      });
      importImage(f.socket, 'default', users);
      const ids = async (...args: string[]) => {
        const o = io();
        const code = await container(
          ['run', ...ctl(), '--rm', ...args, users.name, 'sh', '-c', 'echo $(id -u):$(id -g)'],
          o,
        );
        return { code, out: o.stdout.trim(), err: o.stderr };
      };
      expect(await ids('-u', 'app')).toEqual({ code: 0, out: '1234:2345', err: '' });
      expect(await ids('-u', 'app:staff')).toEqual({ code: 0, out: '1234:50', err: '' });
      expect(await ids('-u', '1234:staff')).toEqual({ code: 0, out: '1234:50', err: '' });
      expect(await ids('-u', '7')).toEqual({ code: 0, out: '7:0', err: '' });
      const before = ctrList(f.socket, 'default', 'containers');
      const missing = await ids('-u', 'nosuch');
      expect(missing.code).toBe(1);
      expect(missing.err).toMatch(/user: no user nosuch in the container's \/etc\/passwd/);
      const noGroup = await ids('-u', 'app:wheel');
      expect(noGroup.code).toBe(1);
      expect(noGroup.err).toMatch(/no group wheel in the container's \/etc\/group/);
      expect(ctrList(f.socket, 'default', 'containers')).toEqual(before);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('run -d prints the id and the task runs; logs -f follows new lines; stop, start, rm', async () => {
    const id = uid();
    const o = io();
    expect(
      await container(
        [
          'run',
          '-d',
          ...ctl(),
          '--name',
          id,
          f.img.name,
          'sh',
          '-c',
          'echo up; echo warn >&2; sleep 2; echo later; sleep 1000',
        ],
        o,
      ),
    ).toBe(0);
    expect(o.stdout).toBe(`${id}\n`);
    expect(ctrTasks(f.socket, 'default').get(id)?.status).toBe('running');

    const follow = io();
    const following = container(['logs', '-f', '-t', ...ctl(), id], follow);
    await until(() => follow.stdout.includes('later'), 10_000, 'followed line');
    follow.abort();
    expect(await following).toBe(0);
    expect(follow.stdout).toMatch(/^\d{4}-\d\d-\d\dT\S+Z up\n\S+ later\n$/);
    expect(follow.stderr).toMatch(/^\S+ warn\n$/);

    const tail = io();
    expect(await container(['logs', '--tail', '1', ...ctl(), id], tail)).toBe(0);
    expect(tail.stdout).toBe('later\n');

    const busy = io();
    expect(await container(['rm', ...ctl(), id], busy)).toBe(1);
    expect(busy.stderr).toMatch(/deleting it now would orphan the task/);

    expect(await container(['stop', ...ctl(), id], io())).toBe(0);
    expect(ctrTasks(f.socket, 'default').get(id)?.status).toBe('stopped');
    expect(await container(['start', ...ctl(), id], io())).toBe(0);
    expect(ctrTasks(f.socket, 'default').get(id)?.status).toBe('running');
    const ins = io();
    expect(await container(['inspect', ...ctl(), id], ins)).toBe(0);
    expect(JSON.parse(ins.stdout)).toMatchObject([{ id, task: { status: 'running' } }]);
    expect(await container(['rm', '-f', ...ctl(), id], io())).toBe(0);
    expect(ctrList(f.socket, 'default', 'containers')).not.toContain(id);
  });

  it('logs -f ends (exit 0) when the container stops, with its last lines; at once on a stopped one', async () => {
    const id = uid();
    const script = 'echo first; sleep 2; echo last; printf tail';
    expect(
      await container(['run', '-d', ...ctl(), '--name', id, f.img.name, 'sh', '-c', script], io()),
    ).toBe(0);
    const follow = io();
    expect(await container(['logs', '-f', ...ctl(), id], follow)).toBe(0);
    expect(follow.stdout).toBe('first\nlast\ntail');
    const again = io();
    expect(await container(['logs', '-f', '--tail', '1', ...ctl(), id], again)).toBe(0);
    expect(again.stdout).toBe('tail');
    expect(await container(['rm', ...ctl(), id], io())).toBe(0);
  });

  it('logs -f on a container removed meanwhile ends with one message, not a lost connection', async () => {
    const id = uid();
    expect(
      await container(
        ['run', '-d', ...ctl(), '--name', id, f.img.name, 'sh', '-c', 'echo up; sleep 1000'],
        io(),
      ),
    ).toBe(0);
    const follow = io();
    const following = container(['logs', '-f', ...ctl(), id], follow);
    await until(() => follow.stdout.includes('up'), 10_000, 'followed line');
    expect(await container(['rm', '-f', ...ctl(), id], io())).toBe(0);
    expect(await following).toBe(1);
    // The connection's close event comes after the command returned: let it arrive.
    await new Promise((r) => setTimeout(r, 200));
    expect(follow.stderr).toMatch(
      /^cdesk logs: there is no container \S+ in namespace default\n\s+hint: [^\n]+\n$/,
    );
  });

  it('logs prints every line of a log bigger than one page, across rotations, in order', async () => {
    f.settings.containerLogMaxBytes = 2 * 1024 * 1024;
    f.settings.containerLogKeep = 5;
    const id = uid();
    const n = 60_000;
    const script = `busybox awk 'BEGIN { for (i = 0; i < ${n}; i++) print "line " i " padding padding padding padding" }'`;
    expect(
      await container(['run', ...ctl(), '--name', id, f.img.name, 'sh', '-c', script], io()),
    ).toBe(0);
    const all = io();
    expect(await container(['logs', ...ctl(), id], all)).toBe(0);
    const lines = all.stdout.split('\n');
    expect(lines.pop()).toBe('');
    expect(lines).toHaveLength(n);
    expect(lines[0]).toBe('line 0 padding padding padding padding');
    expect(lines.every((l, i) => l === `line ${i} padding padding padding padding`)).toBe(true);
    expect(await container(['rm', ...ctl(), id], io())).toBe(0);
  });

  it("kill -s takes docker's signal numbers; logs --tail all prints every line", async () => {
    const id = uid();
    const script = 'trap "echo got-term; exit 0" TERM; echo up; while true; do sleep 0.1; done';
    expect(
      await container(['run', '-d', ...ctl(), '--name', id, f.img.name, 'sh', '-c', script], io()),
    ).toBe(0);
    await until(() => ctrTasks(f.socket, 'default').get(id)?.status === 'running', 10_000, 'run');
    // The trap is set once "up" is in the log.
    for (let t = Date.now(); ;) {
      const logs = io();
      expect(await container(['logs', ...ctl(), id], logs)).toBe(0);
      if (logs.stdout === 'up\n') break;
      if (Date.now() - t > 10_000) throw new Error('no "up" in the log');
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(await container(['kill', '-s', '15', ...ctl(), id], io())).toBe(0);
    await until(() => ctrTasks(f.socket, 'default').get(id)?.status === 'stopped', 10_000, 'exit');
    const all = io();
    expect(await container(['logs', '--tail', 'all', ...ctl(), id], all)).toBe(0);
    expect(all.stdout).toBe('up\ngot-term\n');
    await expect(container(['kill', '-s', '99', ...ctl(), id], io())).rejects.toThrow(
      /--signal must be one of SIGTERM, .* or its number \(got 99\)/,
    );
    expect(await container(['rm', ...ctl(), id], io())).toBe(0);
  });

  it('a wrong -n: every verb names the namespace that has the container', async () => {
    const id = uid();
    expect(
      await container(['run', '-d', ...ctl(), '--name', id, f.img.name, 'sleep', '1000'], io()),
    ).toBe(0);
    const ns = `nons-${process.pid}`;
    for (const verb of ['logs', 'inspect', 'start', 'stop', 'kill', 'rm']) {
      const o = io();
      expect(await container([verb, ...ctl(), '-n', ns, id], o), verb).toBe(1);
      expect(o.stderr, verb).toBe(
        `cdesk ${verb}: there is no container ${id} in namespace ${ns}\n  hint: A container ${id} exists in namespace default: pass -n default.\n`,
      );
    }
    expect(await container(['rm', '-f', ...ctl(), id], io())).toBe(0);
  });

  it("ids follow containerd's rule: --name a..b is refused first; an image named my__app..x runs", async () => {
    await expect(container(['run', ...ctl(), '--name', 'a..b', f.img.name], io())).rejects.toThrow(
      /--name a\.\.b: must be a container id \(letters, digits, one \. _ - between them\)/,
    );
    const odd = `docker.io/cdesk/my__app..x-${process.pid}:test`;
    ctr(f.socket, 'default', ['images', 'tag', f.img.name, odd]);
    try {
      const o = io();
      expect(await container(['run', '-d', ...ctl(), odd, 'sleep', '1000'], o)).toBe(0);
      const id = o.stdout.trim();
      expect(id).toMatch(new RegExp(`^my_app\\.x-${process.pid}-[0-9a-f]{6}$`));
      expect(await container(['rm', '-f', ...ctl(), id], io())).toBe(0);
    } finally {
      ctr(f.socket, 'default', ['images', 'rm', odd]);
    }
  });

  it("run takes NAME@sha256:… as docker does: the repository's image with that digest", async () => {
    const ref = `${f.img.name.replace(/:[^/:]+$/, '')}@${f.img.manifestDigest}`;
    const o = io();
    expect(
      await container(['run', ...ctl(), '--rm', ref, 'sh', '-c', 'echo pinned'], o),
      o.stderr,
    ).toBe(0);
    expect(o.stdout).toBe('pinned\n');
    const other = `${f.img.name.replace(/:[^/:]+$/, '')}@sha256:${'0'.repeat(64)}`;
    const missing = io();
    expect(await container(['run', ...ctl(), '--rm', other, 'true'], missing)).toBe(1);
    expect(missing.stderr).toMatch(/is not in namespace default/);
  });

  it('bad input: clear errors, nothing created', async () => {
    const before = ctrList(f.socket, 'default', 'containers');
    await expect(
      container(['run', ...ctl(), '-v', 'relative:/x', f.img.name], io()),
    ).rejects.toThrow(/-v relative:\/x: expected \/host\/path:\/container\/path\[:ro\|rw\]/);
    await expect(container(['run', ...ctl(), '-v', '/a:/b:zz', f.img.name], io())).rejects.toThrow(
      UsageError,
    );
    await expect(container(['run', ...ctl(), '-v', '/tmp:/', f.img.name], io())).rejects.toThrow(
      /-v \/tmp:\/: the container path can't be \//,
    );
    await expect(container(['run', ...ctl(), '-e', '=v', f.img.name], io())).rejects.toThrow(
      /-e =v: expected KEY=VALUE/,
    );
    await expect(
      container(['run', ...ctl(), '--net', 'overlay', f.img.name], io()),
    ).rejects.toThrow(/--net must be one of host, none, bridge/);
    await expect(container(['run', ...ctl(), '-p', '80', f.img.name], io())).rejects.toThrow(
      /-p 80: expected \[IP:\]HOST:CONTAINER/,
    );
    await expect(
      container(['run', ...ctl(), '--net', 'none', '-p', '80:80', f.img.name], io()),
    ).rejects.toThrow(/-p needs the bridge network/);
    await expect(
      container(['run', ...ctl(), '--restart', 'sometimes', f.img.name], io()),
    ).rejects.toThrow(/--restart sometimes: expected no, always, unless-stopped or on-failure/);
    await expect(
      container(['run', ...ctl(), '--env-file', '/nonexistent/env', f.img.name], io()),
    ).rejects.toThrow(/--env-file \/nonexistent\/env: cannot read it \(ENOENT\)/);
    await expect(container(['run', ...ctl(), '-d'], io())).rejects.toThrow(/missing IMAGE/);
    // What the app's schema would refuse is a usage error naming the flag, before asking it.
    await expect(container(['run', ...ctl(), '-w', 'rel', f.img.name], io())).rejects.toThrow(
      /-w rel: must be an absolute path in the container/,
    );
    await expect(container(['run', ...ctl(), '-u', 'a b', f.img.name], io())).rejects.toThrow(
      /-u "a b": must be a user name or uid/,
    );
    const many = Array.from({ length: 1025 }, (_, i) => String(i));
    await expect(container(['run', ...ctl(), f.img.name, 'echo', ...many], io())).rejects.toThrow(
      /the command has 1026 arguments, at most 1024/,
    );
    const bigEnv = Array.from({ length: 3000 }, (_, i) => `VAR_${i}=${'x'.repeat(100)}`).join('\n');
    const envFile = join(mkdtempSync('/tmp/cd-ccli-env-'), 'big.env');
    writeFileSync(envFile, bigEnv);
    try {
      await expect(
        container(['run', ...ctl(), '--env-file', envFile, f.img.name], io()),
      ).rejects.toThrow(/environment \(-e, --env-file\), labels and mounts add up to over 256 KiB/);
    } finally {
      rmSync(dirname(envFile), { recursive: true });
    }
    const unknown = io();
    expect(await container(['run', ...ctl(), 'nosuch:1'], unknown)).toBe(1);
    expect(unknown.stderr).toMatch(
      /image nosuch:1 is not in namespace default\n\s+hint: Pull it first \(cdesk pull nosuch:1\)/,
    );
    const upper = io();
    expect(await container(['run', ...ctl(), 'BUSYBOX'], upper)).toBe(1);
    expect(upper.stderr).toMatch(
      /image BUSYBOX is not in namespace default\n\s+hint: It is no image name a registry has either \(invalid image reference "BUSYBOX": the repository name must be lowercase\)/,
    );
    const badUser = io();
    expect(await container(['run', ...ctl(), '-u', 'nobody', f.img.name], badUser)).toBe(1);
    expect(badUser.stderr).toMatch(/user: no user nobody in the container's \/etc\/passwd/);
    const noLog = io();
    expect(await container(['logs', ...ctl(), 'no-such-ctr'], noLog)).toBe(1);
    expect(noLog.stderr).toMatch(/there is no container no-such-ctr in namespace default/);
    const noRm = io();
    expect(await container(['rm', ...ctl(), 'no-such-ctr'], noRm)).toBe(1);
    expect(noRm.stderr).toMatch(
      /^cdesk rm: there is no container no-such-ctr in namespace default\n\s+hint: Check the id and the namespace/,
    );
    expect(ctrList(f.socket, 'default', 'containers')).toEqual(before);
  });
});

describe.skipIf(!have || !can.ok)('two app instances', () => {
  it('run a container with the same namespace and id side by side', async () => {
    const other = await startInside();
    try {
      const id = uid();
      for (const x of [f, other]) {
        await x.inside.handlers['container:run']({
          namespace: 'default',
          image: x.img.name,
          name: id,
          args: ['sleep', '1000'],
        });
      }
      const a = ctrTasks(f.socket, 'default').get(id);
      const b = ctrTasks(other.socket, 'default').get(id);
      expect(a?.status).toBe('running');
      expect(b?.status).toBe('running');
      expect(a?.pid).not.toBe(b?.pid);
      // Each stops its own: the other keeps running.
      await other.inside.handlers['task:stop']({ namespace: 'default', id, graceMs: 0 });
      expect(ctrTasks(f.socket, 'default').get(id)?.status).toBe('running');
    } finally {
      await other.dispose();
    }
  });
});
