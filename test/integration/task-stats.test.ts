// Live stats from real containerd (cgroup v1 on this machine): a busy task uses CPU, an idle one
// does not, and both use memory.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { cpuPercent, type TaskStats } from '../../common/containerd';
import { run as stats } from '../../main/cli/cmd-stats';
import { captureIo as io, startControlHarness } from '../helpers/cli-io';
import { requireContainerd } from '../helpers/engine';
import { removeBuiltImage, startInside, type InsideFixture } from '../helpers/inside-fixture';
import { canRunContainers, ctr } from '../helpers/oci-image';

const have = requireContainerd();
const can = canRunContainers();
if (have && !can.ok) console.warn(`skipping task stats tests: ${can.reason}`);

const fixtures: InsideFixture[] = [];
afterEach(async () => {
  for (const f of fixtures.splice(0)) await f.dispose();
});
afterAll(() => removeBuiltImage());

/** CPU time the kernel charged a `ctr run` container of namespace default (cgroup v1 or v2), ns. */
function kernelCpuNs(id: string): number {
  const v1 = `/sys/fs/cgroup/cpuacct/default/${id}/cpuacct.usage`;
  if (existsSync(v1)) return Number(readFileSync(v1, 'utf8'));
  const v2 = readFileSync(`/sys/fs/cgroup/default/${id}/cpu.stat`, 'utf8');
  return Number(/^usage_usec (\d+)$/m.exec(v2)![1]) * 1000;
}

describe.skipIf(!have || !can.ok)('tasks:stats', () => {
  it("shows a busy loop's CPU as the kernel charged it (above 50 % when it got it), a sleeper below 5 %, memory for both", async () => {
    const f = await startInside();
    fixtures.push(f);
    // runc state is machine-wide: ids unique to this run.
    const tag = randomBytes(3).toString('hex');
    const busy = `stats-busy-${tag}`;
    const idle = `stats-idle-${tag}`;
    // Two loops: over 50 % of a core even when the other test files keep both cores busy.
    const loops = 'while :; do :; done & while :; do :; done';
    ctr(f.socket, 'default', ['run', '-d', f.img.name, busy, 'sh', '-c', loops]);
    ctr(f.socket, 'default', ['run', '-d', f.img.name, idle, 'sleep', '1000']);
    const read = async (ids?: string[]) =>
      (await f.inside.handlers['tasks:stats']({ namespace: 'default', ids })).stats;

    const first = await read();
    const k0 = kernelCpuNs(busy);
    const t0 = performance.now();
    expect(first.map((s) => s.id).sort()).toEqual([busy, idle].sort());
    await new Promise((r) => setTimeout(r, 1500));
    const second = await read([busy, idle]);
    const kernel = ((kernelCpuNs(busy) - k0) / ((performance.now() - t0) * 1e6)) * 100;
    const by = (xs: TaskStats[], id: string) => xs.find((s) => s.id === id);
    const busyCpu = cpuPercent(by(first, busy), by(second, busy)!)!;
    const idleCpu = cpuPercent(by(first, idle), by(second, idle)!);
    // What the kernel charged the container's cgroup over the same second and a half: the app's
    // figure is that one (a loaded machine gives the loops less than a core; an idle one, two).
    expect(Math.abs(busyCpu - kernel)).toBeLessThan(Math.max(15, kernel * 0.15));
    if (kernel > 60) expect(busyCpu).toBeGreaterThan(50);
    expect(busyCpu).toBeGreaterThan(20);
    expect(idleCpu).toBeLessThan(5);
    for (const s of second) {
      expect(s.cgroup).toBe('v1');
      expect(s.memory.usage).toBeGreaterThan(0);
      expect(s.memory.workingSet).toBeLessThanOrEqual(s.memory.usage);
      expect(s.pids).toBeGreaterThanOrEqual(1);
    }

    // One container asked for: only its sample; one that has no task: none.
    expect((await read([idle])).map((s) => s.id)).toEqual([idle]);
    ctr(f.socket, 'default', ['containers', 'create', f.img.name, `stats-none-${tag}`]);
    expect(await read([`stats-none-${tag}`])).toEqual([]);
  });

  it("cdesk stats --no-stream prints docker's columns; --json a line per container; a name with no task exits 1", async () => {
    const f = await startInside();
    fixtures.push(f);
    const h = await startControlHarness({
      prefix: 'cd-stats-',
      engine: f.engine,
      inside: f.inside,
    });
    try {
      const tag = randomBytes(3).toString('hex');
      const web = `stats-web-${tag}`;
      ctr(f.socket, 'default', ['run', '-d', f.img.name, web, 'sleep', '1000']);
      const t = io();
      expect(await stats(['--no-stream', '--control', h.sock], t)).toBe(0);
      expect(t.stdout).toMatch(
        /^CONTAINER\s+CPU %\s+MEM USAGE \/ LIMIT\s+MEM %\s+BLOCK I\/O\s+PIDS\n/,
      );
      expect(t.stdout).toMatch(
        new RegExp(`${web}\\s+\\d+\\.\\d\\d%\\s+[0-9.]+ [KMG]iB / [0-9.]+ [KMG]iB`),
      );

      const j = io();
      expect(await stats(['--no-stream', '--json', '--control', h.sock, web], j)).toBe(0);
      const rows = j.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ id: web, pids: 1 });
      expect(rows[0]!.cpuPercent).toBeLessThan(5);
      expect(rows[0]!.memUsage).toBeGreaterThan(0);

      const e = io();
      expect(await stats(['--no-stream', '--control', h.sock, web, 'nosuch'], e)).toBe(1);
      expect(e.stdout).toContain(web);
      expect(e.stderr).toContain('nosuch has no running task in namespace default');
    } finally {
      await h.close();
    }
  });
});
