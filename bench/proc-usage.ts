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

/** CPU time (user + system) of this process's children that have ended, in ms. */
export function endedChildrenCpuMs(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(f[13]) + Number(f[14])) / HZ) * 1000;
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

/** The parent pid of `pid` (0 once it is gone). */
function parentOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return 0;
  }
}

/** Every live process below `root` (children, grandchildren…). */
export function descendants(root: number): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let p = parentOf(Number(name));
    for (let hops = 0; p > 1 && hops < 16; hops++, p = parentOf(p))
      if (p === root) {
        out.push(Number(name));
        break;
      }
  }
  return out;
}

/** CPU ms of the main thread of `pid` (a Chromium renderer's main thread runs the page's script, style, layout and paint). */
export function mainThreadCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/task/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(f[11]) + Number(f[12])) / HZ) * 1000;
}

/** CPU ms of `pid` with the children it has waited for (an `ssh` per reconnect attempt ends there). */
export function cpuMsWithReaped(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) / HZ) * 1000;
}

/** The Chromium renderer processes below `root` (this process, when it launched the browser). */
export function rendererPids(root: number): number[] {
  return descendants(root).filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('--type=renderer');
    } catch {
      return false;
    }
  });
}

/** A process's CPU ms with its ended children and its live `ssh` children (a hosts link's cost). */
export function cpuMsWithSsh(pid: number): number {
  let total = cpuMsWithReaped(pid);
  for (const d of descendants(pid))
    try {
      if (readFileSync(`/proc/${d}/comm`, 'utf8').trim() === 'ssh') total += cpuMs(d);
    } catch {
      // Ended meanwhile: its time is in the parent's reaped figure now.
    }
  return total;
}
