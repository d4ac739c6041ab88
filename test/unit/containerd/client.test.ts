// Failed calls come back as errors that say what to do.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ContainerdClient } from '../../../main/containerd/client';
import { fromGrpc, InsideError } from '../../../main/containerd/errors';
import { status as GRPC } from '@grpc/grpc-js';
import { Empty } from '../../../main/shared/api/google/protobuf/empty';
import { VersionService } from '../../../main/shared/api/services/version/v1/version';
import { DaemonChannel } from '../../../main/shared/daemon-channel';

const svcErr = (code: number, details: string) =>
  Object.assign(new Error(details), { code, details, metadata: null });

describe('fromGrpc', () => {
  const map = (code: number, details: string) =>
    fromGrpc(svcErr(code, details), 'Tasks/List', '/run/x.sock', 2000);

  it('UNAVAILABLE: not reachable, or not allowed (EACCES)', () => {
    expect(
      map(GRPC.UNAVAILABLE, 'No connection established. Last error: connect ENOENT /run/x.sock'),
    ).toMatchObject({
      code: 'containerd-api-unavailable',
      message: expect.stringContaining('not reachable at /run/x.sock'),
      hint: expect.stringContaining('cdesk daemon start'),
    });
    expect(map(GRPC.UNAVAILABLE, 'connect EACCES /run/x.sock').hint).toMatch(/as that user/);
  });

  it('DEADLINE_EXCEEDED: hung, with the deadline named', () => {
    const e = map(GRPC.DEADLINE_EXCEEDED, 'Deadline exceeded');
    expect(e.code).toBe('containerd-timeout');
    expect(e.message).toBe('Tasks/List: containerd did not answer within 2000 ms');
    expect(e.hint).toMatch(/hung/);
    expect(e.grpcCode).toBe(GRPC.DEADLINE_EXCEEDED);
  });

  it('NOT_FOUND / ALREADY_EXISTS / other codes', () => {
    expect(map(GRPC.NOT_FOUND, 'container "x": not found').code).toBe('not-found');
    expect(map(GRPC.ALREADY_EXISTS, 'exists').code).toBe('already-exists');
    expect(map(GRPC.UNKNOWN, 'cannot delete a running process')).toMatchObject({
      code: 'containerd-api-error',
      message: 'Tasks/List: cannot delete a running process',
    });
  });
});

describe('ContainerdClient', () => {
  it('a socket nobody listens on fails fast as containerd-api-unavailable', async () => {
    const d = mkdtempSync(join(tmpdir(), 'cd-cl-'));
    const channel = new DaemonChannel(join(d, 'none.sock'));
    const c = new ContainerdClient(channel);
    try {
      const err = await c
        .call(VersionService.version, Empty.create(), { timeoutMs: 3000 })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(InsideError);
      expect((err as InsideError).code).toBe('containerd-api-unavailable');
      expect((err as InsideError).message).toMatch(/^Version\/Version: /);
    } finally {
      channel.close();
      rmSync(d, { recursive: true, force: true });
    }
  });

  it('refuses a relative socket path', () => {
    expect(() => new DaemonChannel('run/x.sock')).toThrow(/absolute/);
  });
});

describe('DaemonChannel.track', () => {
  it('ends work done for the channel elsewhere when it is reset or closed, not once it is done', () => {
    const channel = new DaemonChannel('/run/x.sock');
    const ended: string[] = [];
    channel.track({ cancel: () => ended.push('reset') });
    const untrack = channel.track({ cancel: () => ended.push('done before') });
    untrack();
    channel.reset();
    expect(ended).toEqual(['reset']);
    channel.track({ cancel: () => ended.push('close') });
    channel.close();
    channel.track({ cancel: () => ended.push('after close') });
    expect(ended).toEqual(['reset', 'close', 'after close']);
  });
});
