// The API definitions load, and failed calls come back as errors that say what to do.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ContainerdClient } from '../../../main/containerd/client';
import { fromGrpc, InsideError } from '../../../main/containerd/errors';
import { GRPC } from '../../../main/shared/grpc-status';
import { loadApi } from '../../../main/shared/proto';

const svcErr = (code: number, details: string) =>
  Object.assign(new Error(details), { code, details, metadata: null });

describe('containerd API definitions', () => {
  it('load every service with the methods the client calls', async () => {
    const { services } = await loadApi();
    const methods = (s: keyof typeof services) => Object.keys(services[s].service).sort();
    expect(methods('Tasks')).toEqual(['Delete', 'Get', 'Kill', 'List', 'Wait']);
    expect(methods('Containers')).toEqual(['Delete', 'Get', 'List', 'ListStream']);
    expect(methods('Events')).toEqual(['Publish', 'Subscribe']);
    expect(services.Events.service.Subscribe!.path).toBe(
      '/containerd.services.events.v1.Events/Subscribe',
    );
    expect(services.Introspection.service.Plugins!.path).toBe(
      '/containerd.services.introspection.v1.Introspection/Plugins',
    );
    expect(services.Content.service.Read!.responseStream).toBe(true);
  });
});

describe('fromGrpc', () => {
  const map = (code: number, details: string) =>
    fromGrpc(svcErr(code, details), 'Tasks/List', '/run/x.sock', 2000);

  it('UNAVAILABLE: not reachable, or not allowed (EACCES)', () => {
    expect(
      map(GRPC.UNAVAILABLE, 'No connection established. Last error: connect ENOENT /run/x.sock'),
    ).toMatchObject({
      code: 'containerd-api-unavailable',
      message: expect.stringContaining('not reachable at /run/x.sock'),
      hint: expect.stringContaining('cdesk start'),
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
    const c = new ContainerdClient(join(d, 'none.sock'));
    try {
      const err = await c
        .call('Version', 'Version', {}, { timeoutMs: 3000 })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(InsideError);
      expect((err as InsideError).code).toBe('containerd-api-unavailable');
    } finally {
      c.close();
      rmSync(d, { recursive: true, force: true });
    }
  });

  it('refuses a relative socket path', () => {
    expect(() => new ContainerdClient('run/x.sock')).toThrow(/absolute/);
  });
});
