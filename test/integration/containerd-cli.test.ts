// The inside-containerd CLI commands over a real control socket, service and containerd.
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UsageError } from '../../main/cli/args';
import { run as env } from '../../main/cli/cmd-env';
import { run as events } from '../../main/cli/cmd-events';
import { run as images } from '../../main/cli/cmd-images';
import { run as plugins } from '../../main/cli/cmd-plugins';
import { run as ps } from '../../main/cli/cmd-ps';
import { run as rmi } from '../../main/cli/cmd-rmi';
import { run as status } from '../../main/cli/cmd-status';
import { run as stop } from '../../main/cli/cmd-daemon-stop';
import { verbCommand } from '../../main/cli/cmd-container-verbs';
import { captureIo as io, startControlHarness, type ControlHarness } from '../helpers/cli-io';
import { requireContainerd, until } from '../helpers/engine';
import { removeBuiltImage, startInside, type InsideFixture } from '../helpers/inside-fixture';
import { canRunContainers, ctr, ctrList, ctrTasks } from '../helpers/oci-image';

const rm = verbCommand('rm').run;
const stopContainer = verbCommand('stop').run;

const have = requireContainerd();
const can = canRunContainers();
if (have && !can.ok) console.warn(`skipping containerd CLI tests: ${can.reason}`);

let f: InsideFixture;
let h: ControlHarness;
let ctl: string;

beforeEach(async () => {
  if (!have || !can.ok) return;
  f = await startInside();
  h = await startControlHarness({ prefix: 'cd-cli-', engine: f.engine, inside: f.inside });
  ctl = h.sock;
});
afterEach(async () => {
  if (!have || !can.ok) return;
  await h.close();
  await f.dispose();
});
afterAll(() => removeBuiltImage());

describe.skipIf(!have || !can.ok)(
  'cdesk ps / images / plugins / events / env / stop / rm / rmi',
  () => {
    it('ps lists running containers (all with -a), --json matches ctr', async () => {
      const none = io();
      expect(await ps(['--control', ctl], none)).toBe(0);
      expect(none.stdout).toBe(
        'No containers in namespace default. Run one with: cdesk run -d IMAGE (cdesk images lists them).\n',
      );
      ctr(f.socket, 'default', ['run', '-d', f.img.name, 'cli-web']);
      ctr(f.socket, 'default', ['containers', 'create', f.img.name, 'idle']);
      const o = io();
      expect(await ps(['--control', ctl], o)).toBe(0);
      expect(o.stdout).toMatch(/^CONTAINER\s+IMAGE\s+STATUS\s+PID\s+CREATED\n/);
      expect(o.stdout).toMatch(
        new RegExp(
          `cli-web\\s+${f.img.name.replace(/[.]/g, '\\.')}\\s+running\\s+${ctrTasks(f.socket, 'default').get('cli-web')!.pid}`,
        ),
      );
      expect(o.stdout).not.toContain('idle');

      const j = io();
      expect(await ps(['-a', '--json', '--control', ctl], j)).toBe(0);
      const parsed = JSON.parse(j.stdout) as { namespace: string; containers: { id: string }[] };
      expect(parsed.namespace).toBe('default');
      expect(parsed.containers.map((c) => c.id)).toEqual(
        ctrList(f.socket, 'default', 'containers'),
      );

      const other = io();
      expect(await ps(['-n', 'other', '--control', ctl], other)).toBe(0);
      expect(other.stdout).toMatch(/No containers in namespace other/);
      // default has two: the hint points there instead of saying how to run one.
      expect(other.stdout).toContain('other namespaces have some: default (2). Pass -n default.');
      await expect(ps(['-n', 'bad name!', '--control', ctl], io())).rejects.toThrow(UsageError);
    });

    it('images shows the size; plugins puts problems first; env prints the socket', async () => {
      const o = io();
      expect(await images(['--control', ctl], o)).toBe(0);
      expect(o.stdout).toContain(f.img.name);
      expect(o.stdout).toMatch(/1\.9 MiB|[0-9.]+ MiB/);
      const j = io();
      expect(await images(['--json', '--control', ctl], j)).toBe(0);
      expect((JSON.parse(j.stdout) as { images: { size: number }[] }).images[0]!.size).toBe(
        f.img.size,
      );
      // An empty namespace names cdesk's own ways in, not ctr's.
      const none = io();
      expect(await images(['-n', `empty-${process.pid}`, '--control', ctl], none)).toBe(0);
      expect(none.stdout).toMatch(
        /No images in namespace empty-\d+\. Get one with cdesk pull REF or cdesk load -i FILE\.tar/,
      );

      const p = io();
      expect(await plugins(['--control', ctl], p)).toBe(0);
      expect(p.stdout.indexOf('problems:')).toBeLessThan(p.stdout.indexOf('TYPE'));
      expect(p.stdout).toMatch(/devmapper\s+error\s+devmapper not configured/);

      const e = io();
      expect(await env(['--control', ctl], e)).toBe(0);
      expect(e.stdout).toContain(`export CONTAINERD_ADDRESS=${f.socket}\n`);
      expect(e.stdout).toContain(`ctr -a ${f.socket}`);
      expect(e.stdout).toContain(`nerdctl --address ${f.socket}`);
    });

    it('rm of a running container exits 1 with a hint; stop then rm then rmi succeed', async () => {
      ctr(f.socket, 'default', ['run', '-d', f.img.name, 'cli-job']);
      const refused = io();
      expect(await rm(['cli-job', '--control', ctl], refused)).toBe(1);
      expect(refused.stderr).toMatch(/cdesk rm: container cli-job has a running task/);
      expect(refused.stderr).toMatch(/hint: Stop it first: cdesk stop cli-job/);
      expect(ctrList(f.socket, 'default', 'containers')).toEqual(['cli-job']);

      const s = io();
      expect(await stopContainer(['cli-job', '-t', '1', '--json', '--control', ctl], s)).toBe(0);
      expect(JSON.parse(s.stdout)).toMatchObject({ id: 'cli-job', exitStatus: 137, killed: true });
      expect(await rm(['cli-job', '--control', ctl], io())).toBe(0);
      expect(ctrList(f.socket, 'default', 'containers')).toEqual([]);
      const r = io();
      expect(await rmi([f.img.name, '--control', ctl], r)).toBe(0);
      expect(ctrList(f.socket, 'default', 'images')).toEqual([]);
      const missing = io();
      expect(await rm(['cli-job', '--json', '--control', ctl], missing)).toBe(1);
      expect(JSON.parse(missing.stdout)).toMatchObject({ ok: false, error: { code: 'not-found' } });
    });

    it('events follows until aborted, filtered by namespace', async () => {
      const o = io();
      const done = events(['--json', '--control', ctl], o);
      // Let the subscription reach the app before causing events.
      await new Promise((r) => setTimeout(r, 300));
      ctr(f.socket, 'other', ['images', 'import', f.img.archive]);
      ctr(f.socket, 'default', ['run', '-d', f.img.name, 'cli-followed']);
      await until(() => o.stdout.includes('/tasks/start'), 10_000, 'start event printed');
      o.abort();
      expect(await done).toBe(0);
      const lines = o.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { namespace: string; topic: string });
      expect(lines.every((l) => l.namespace === 'default')).toBe(true);
      expect(lines.map((l) => l.topic)).toEqual(
        expect.arrayContaining(['/containers/create', '/tasks/start']),
      );
    });

    it('status counts containers; stop says which keep running, and they do', async () => {
      ctr(f.socket, 'default', ['run', '-d', f.img.name, 'cli-keeper']);
      const pid = ctrTasks(f.socket, 'default').get('cli-keeper')!.pid;
      await until(() => f.inside.summary().containers?.running === 1, 5000, 'count');
      const st = io();
      expect(await status(['--control', ctl], st)).toBe(0);
      expect(st.stdout).toMatch(/containers:\s+1 running, 1 in all/);
      const o = io();
      expect(await stop(['--control', ctl], o)).toBe(0);
      expect(o.stdout).toContain(
        'note: 1 container keeps running; it cannot be managed until containerd is back',
      );
      expect(process.kill(pid, 0)).toBe(true);
      const refused = io();
      expect(await ps(['--control', ctl], refused)).toBe(1);
      expect(refused.stderr).toMatch(/containerd is not running \(state: stopped\)/);
    });

    it('a hung containerd makes ps fail by its deadline with a hint, not hang', async () => {
      // The engine would restart a hung daemon; report-only keeps it stopped for this test.
      f.engine.applySettings({ ...f.settings, hangPolicy: 'report' });
      const pid = f.engine.status().pid!;
      process.kill(pid, 'SIGSTOP');
      try {
        const o = io();
        expect(await ps(['--control', ctl], o)).toBe(1);
        expect(o.stderr).toMatch(/did not answer within \d+ ms/);
        expect(o.stderr).toMatch(/hint: .*hung/);
      } finally {
        process.kill(pid, 'SIGCONT');
      }
    });
  },
);
