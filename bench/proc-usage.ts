// A process's CPU time and resident memory from /proc, for the benches that record what the app costs.
import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second of /proc/PID/stat's utime and stime (Linux's USER_HZ is 100). */
const HZ = 100;

/** CPU time (user + system) the process has used, in ms. */
export function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces) in parentheses.
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(f[11]) + Number(f[12])) / HZ) * 1000;
}

/** Resident set size in bytes. */
export function rssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}

/** Sample RSS every `everyMs` until stopped; the peak and the samples' mean, in bytes. */
export function rssSampler(pid: number, everyMs = 20): { stop(): { peak: number; mean: number } } {
  let peak = 0;
  let sum = 0;
  let n = 0;
  const take = () => {
    try {
      const r = rssBytes(pid);
      peak = Math.max(peak, r);
      sum += r;
      n++;
    } catch {
      // The process ended.
    }
  };
  take();
  const t = setInterval(take, everyMs);
  return {
    stop() {
      clearInterval(t);
      take();
      return { peak, mean: n ? sum / n : 0 };
    },
  };
}

/** The process's CPU over `ms` of wall time, as a percentage of one core, and its RSS at the end. */
export async function cpuOver(pid: number, ms: number): Promise<{ cpuPct: number; rss: number }> {
  const c0 = cpuMs(pid);
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, ms));
  const c1 = cpuMs(pid);
  const wall = performance.now() - t0;
  return { cpuPct: ((c1 - c0) / wall) * 100, rss: rssBytes(pid) };
}

/** Every live process whose command line contains `needle` (e.g. a per-container logger's path). */
export function pidsMatching(needle: string): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (readFileSync(`/proc/${name}/cmdline`, 'utf8').includes(needle)) out.push(Number(name));
    } catch {
      // Gone meanwhile.
    }
  }
  return out;
}

/**
 * Proportional set size: private pages plus this process's share of pages it shares (the Node
 * binary's code is mapped by every logger once). A sum of PSS is what a group of processes
 * really costs; a sum of RSS counts the shared code once per process.
 */
export function pssBytes(pid: number): number {
  const m = /^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}

/** Summed CPU ms, RSS and PSS bytes of `pids` (those that ended meanwhile count as 0). */
export function usageOf(pids: readonly number[]): { cpuMs: number; rss: number; pss: number } {
  let c = 0;
  let r = 0;
  let p = 0;
  for (const pid of pids) {
    try {
      c += cpuMs(pid);
      r += rssBytes(pid);
      p += pssBytes(pid);
    } catch {
      // Gone meanwhile.
    }
  }
  return { cpuMs: c, rss: r, pss: p };
}
