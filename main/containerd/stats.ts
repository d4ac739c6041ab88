// Live resource use of running tasks: containerd's Tasks/Metrics, decoded from either cgroup
// version's payload into one shape (CPU time, memory, pids, block I/O) that the CLI and the window
// turn into docker's columns.
import type { TaskStats } from '../../common/containerd';
import { Metrics as CgroupV1Metrics } from '../shared/api/cgroups/v1/metrics';
import { Metrics as CgroupV2Metrics } from '../shared/api/cgroups/v2/metrics';
import { MetricsRequest, TasksService } from '../shared/api/services/tasks/v1/tasks';
import type { Metric } from '../shared/api/types/metrics';
import type { ContainerdClient } from './client';
import { toMs } from './map';

/** The payloads' type names (an Any's type_url, with or without a host prefix). */
const V1 = 'io.containerd.cgroups.v1.Metrics';
const V2 = 'io.containerd.cgroups.v2.Metrics';

/**
 * A limit this large means "none": cgroup v1 reports the page-rounded max int64
 * (9223372036854771712), v2 the max uint64. Anything past 2^52 bytes (4 PiB) is no real limit.
 */
const NO_LIMIT = 2 ** 52;

/** A uint64 as ts-proto gives it (a decimal string) to a number; big values lose precision only. */
const num = (v: string | undefined): number => (v ? Number(v) : 0);

const limitOf = (v: string | undefined): number | null => {
  const n = num(v);
  return n > 0 && n < NO_LIMIT ? n : null;
};

/** One task's sample; null when the payload is of neither cgroup version. */
export function statsFromMetric(m: Metric): TaskStats | null {
  const url = m.data?.type_url ?? '';
  const bytes = m.data?.value ?? Buffer.alloc(0);
  const at = toMs(m.timestamp) ?? Date.now();
  if (url.endsWith(V1)) {
    const s = CgroupV1Metrics.decode(bytes);
    const usage = num(s.memory?.usage?.usage);
    // docker's "MEM USAGE" on v1: usage minus the inactive page cache (total_inactive_file).
    const inactive = num(s.memory?.total_inactive_file);
    const io = s.blkio?.io_service_bytes_recursive ?? [];
    const sum = (op: string) =>
      io.filter((e) => e.op.toLowerCase() === op).reduce((a, e) => a + num(e.value), 0);
    return {
      id: m.id,
      at,
      cgroup: 'v1',
      cpuNs: num(s.cpu?.usage?.total),
      memory: {
        usage,
        workingSet: Math.max(0, usage - inactive),
        limit: limitOf(s.memory?.usage?.limit),
      },
      pids: s.pids ? num(s.pids.current) : null,
      blockIo: { read: sum('read'), write: sum('write') },
    };
  }
  if (url.endsWith(V2)) {
    const s = CgroupV2Metrics.decode(bytes);
    const usage = num(s.memory?.usage);
    const io = s.io?.usage ?? [];
    return {
      id: m.id,
      at,
      cgroup: 'v2',
      cpuNs: num(s.cpu?.usage_usec) * 1000,
      memory: {
        usage,
        workingSet: Math.max(0, usage - num(s.memory?.inactive_file)),
        limit: limitOf(s.memory?.usage_limit),
      },
      pids: s.pids ? num(s.pids.current) : null,
      blockIo: {
        read: io.reduce((a, e) => a + num(e.rbytes), 0),
        write: io.reduce((a, e) => a + num(e.wbytes), 0),
      },
    };
  }
  return null;
}

/** Tasks/Metrics answers for one namespace within this long (a hung shim must not hold a poll). */
const METRICS_TIMEOUT_MS = 5_000;

/** Samples for the running tasks of `ids` (every task in the namespace when `ids` is empty). */
export async function readTaskStats(
  c: ContainerdClient,
  namespace: string,
  ids: readonly string[],
): Promise<TaskStats[]> {
  // Filters are ORed; `id==x` selects one task (its container's id).
  const filters = ids.map((id) => `id==${id}`);
  const r = await c.call(TasksService.metrics, MetricsRequest.create({ filters }), {
    namespace,
    timeoutMs: METRICS_TIMEOUT_MS,
  });
  return r.metrics.flatMap((m) => statsFromMetric(m) ?? []);
}
