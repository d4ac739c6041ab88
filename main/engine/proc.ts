// Cheap, synchronous reads of a process's identity from Linux /proc; null when unreadable or gone.
import { readFileSync, readlinkSync } from 'node:fs';

/** The /proc reads the pidfile check needs; injectable so tests can feed fake values. */
export interface ProcReader {
  isAlive(pid: number): boolean;
  readStartTime(pid: number): string | null;
  readExe(pid: number): string | null;
  readCmdline(pid: number): string[] | null;
  readState(pid: number): string | null;
}

function validPid(pid: number): boolean {
  // kill(0) / kill(-n) would address process groups: never treat those as a pid.
  return Number.isInteger(pid) && pid > 0;
}

/** True when a process with this pid exists (including zombies and other users' processes). */
export function isAlive(pid: number): boolean {
  if (!validPid(pid)) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists, we just may not signal it.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

// Fields 3.. of /proc/PID/stat. comm (field 2) may hold spaces and ')', so cut at the LAST ')'.
function statFields(pid: number): string[] | null {
  if (!validPid(pid)) return null;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const end = stat.lastIndexOf(')');
    if (end < 0) return null;
    return stat
      .slice(end + 1)
      .trim()
      .split(/\s+/);
  } catch {
    return null;
  }
}

/** Field 22 of /proc/PID/stat (start time in clock ticks since boot): tells pid reuse apart. */
export function readStartTime(pid: number): string | null {
  return statFields(pid)?.[19] ?? null;
}

/** Field 3 of /proc/PID/stat: 'R', 'S', 'D', 'T' (stopped), 'Z' (zombie)… */
export function readState(pid: number): string | null {
  return statFields(pid)?.[0] ?? null;
}

/** The executable's path; " (deleted)" stripped so an upgraded binary still matches. */
export function readExe(pid: number): string | null {
  if (!validPid(pid)) return null;
  try {
    return readlinkSync(`/proc/${pid}/exe`).replace(/ \(deleted\)$/, '');
  } catch {
    return null;
  }
}

/** The argv the process was started with (empty for zombies and kernel threads). */
export function readCmdline(pid: number): string[] | null {
  if (!validPid(pid)) return null;
  try {
    const raw = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    if (raw === '') return [];
    const args = raw.split('\0');
    if (args[args.length - 1] === '') args.pop();
    return args;
  } catch {
    return null;
  }
}

/** The real /proc. */
export const linuxProc: ProcReader = { isAlive, readStartTime, readExe, readCmdline, readState };

/** USER_HZ: /proc reports times in these ticks, 100 on every Linux architecture we run on. */
const USER_HZ = 100;
let bootTimeMs: number | null | undefined;

/**
 * The boot time (epoch ms) from /proc/uptime (to 10 ms; /proc/stat's btime is whole seconds);
 * null when unreadable. Read once: the wall clock may be stepped later, uptime is not.
 */
function bootTime(): number | null {
  if (bootTimeMs !== undefined) return bootTimeMs;
  try {
    const up = Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]);
    bootTimeMs = Number.isFinite(up) ? Date.now() - up * 1000 : null;
  } catch {
    bootTimeMs = null;
  }
  return bootTimeMs;
}

/**
 * When the process started (epoch ms, to 10 ms): boot time plus its start ticks. What uptime counts
 * from, whoever started it (a daemon adopted from an earlier app, a container's task).
 */
export function readStartedAt(pid: number): number | null {
  const ticks = readStartTime(pid);
  const boot = bootTime();
  if (ticks === null || boot === null || !/^\d+$/.test(ticks)) return null;
  return boot + (Number(ticks) * 1000) / USER_HZ;
}
