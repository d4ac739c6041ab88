// Tasks/Metrics payloads of both cgroup versions decode to one shape; CPU % is docker's.
import { describe, expect, it } from 'vitest';
import { Metrics as V1 } from '../../../main/shared/api/cgroups/v1/metrics';
import { Metrics as V2 } from '../../../main/shared/api/cgroups/v2/metrics';
import { cpuPercent } from '../../../common/containerd';
import { statsFromMetric } from '../../../main/containerd/stats';

const at = { seconds: '1765000000', nanos: 250_000_000 };

describe('statsFromMetric', () => {
  it('reads a cgroup v1 payload: CPU ns, memory without inactive cache, no limit, pids, block I/O', () => {
    const value = V1.encode(
      V1.fromPartial({
        cpu: { usage: { total: '2500000000' } },
        memory: {
          total_inactive_file: '1048576',
          usage: { usage: '5242880', limit: '9223372036854771712' },
        },
        pids: { current: '3' },
        blkio: {
          io_service_bytes_recursive: [
            { op: 'Read', value: '4096', major: '8', minor: '0' },
            { op: 'Write', value: '8192', major: '8', minor: '0' },
            { op: 'Read', value: '100', major: '8', minor: '16' },
            { op: 'Total', value: '12388', major: '8', minor: '0' },
          ],
        },
      }),
    ).finish();
    const s = statsFromMetric({
      id: 'web',
      timestamp: at,
      data: { type_url: 'io.containerd.cgroups.v1.Metrics', value: Buffer.from(value) },
    });
    expect(s).toEqual({
      id: 'web',
      at: 1765000000250,
      cgroup: 'v1',
      cpuNs: 2_500_000_000,
      memory: { usage: 5_242_880, workingSet: 4_194_304, limit: null },
      pids: 3,
      blockIo: { read: 4196, write: 8192 },
    });
  });

  // Built with the generated v2 type, with values of the size an idle busybox under a 64 MiB
  // limit shows: this machine runs cgroup v1, so no v2 payload can be recorded here.
  it('reads a cgroup v2 payload: usage_usec, inactive_file, usage_limit, io rbytes/wbytes', () => {
    const value = V2.encode(
      V2.fromPartial({
        pids: { current: '1', limit: '4915' },
        cpu: { usage_usec: '31337', user_usec: '20000', system_usec: '11337' },
        memory: {
          usage: '1339392',
          usage_limit: '67108864',
          inactive_file: '339968',
          file: '425984',
          anon: '188416',
        },
        io: {
          usage: [
            { major: '254', minor: '0', rbytes: '487424', wbytes: '0', rios: '18', wios: '0' },
            { major: '254', minor: '16', rbytes: '1024', wbytes: '4096', rios: '1', wios: '1' },
          ],
        },
      }),
    ).finish();
    const s = statsFromMetric({
      id: 'db',
      timestamp: at,
      data: { type_url: 'io.containerd.cgroups.v2.Metrics', value: Buffer.from(value) },
    });
    expect(s).toEqual({
      id: 'db',
      at: 1765000000250,
      cgroup: 'v2',
      cpuNs: 31_337_000,
      memory: { usage: 1_339_392, workingSet: 999_424, limit: 67_108_864 },
      pids: 1,
      blockIo: { read: 488_448, write: 4096 },
    });
  });

  it('skips a payload of another kind, and one with no data', () => {
    expect(
      statsFromMetric({
        id: 'x',
        timestamp: at,
        data: { type_url: 'io.containerd.windows.Stats', value: Buffer.alloc(0) },
      }),
    ).toBeNull();
    expect(statsFromMetric({ id: 'x', timestamp: at, data: undefined })).toBeNull();
  });
});

describe('cpuPercent', () => {
  const sample = (cpuNs: number, atMs: number) => ({
    id: 'c',
    at: atMs,
    cgroup: 'v1' as const,
    cpuNs,
    memory: { usage: 0, workingSet: 0, limit: null },
    pids: null,
    blockIo: { read: 0, write: 0 },
  });

  it('is the CPU time used over the wall time between two samples, 100 % a core', () => {
    expect(cpuPercent(sample(1e9, 1000), sample(1.5e9, 2000))).toBeCloseTo(50);
    expect(cpuPercent(sample(0, 0), sample(3e9, 1500))).toBeCloseTo(200);
  });

  it('has no value without an earlier sample of the same task, or when no time passed', () => {
    expect(cpuPercent(undefined, sample(1, 1))).toBeNull();
    expect(cpuPercent(sample(0, 5), sample(9, 5))).toBeNull();
    expect(cpuPercent({ ...sample(0, 0), id: 'other' }, sample(9, 5))).toBeNull();
  });
});
