// The generated gRPC types (main/shared/api) are what `npm run proto:gen` makes from proto/ today.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const COMMITTED = join(ROOT, 'main/shared/api');

let dir = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'cdesk-proto-gen-'));
  execFileSync(process.execPath, ['scripts/proto-gen.mjs', dir], { cwd: ROOT, stdio: 'pipe' });
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Every file under `root`, relative to it, sorted. */
function files(root: string): string[] {
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(root, join(e.parentPath, e.name)))
    .sort();
}

describe('generated gRPC types', () => {
  it('match a fresh generation file for file (run `npm run proto:gen` after editing proto/)', () => {
    const fresh = join(dir, 'main/shared/api');
    expect(files(COMMITTED)).toEqual(files(fresh));
    const stale = files(fresh).filter(
      (f) => readFileSync(join(COMMITTED, f), 'utf8') !== readFileSync(join(fresh, f), 'utf8'),
    );
    expect(stale, 'stale generated files: run npm run proto:gen').toEqual([]);
  });

  it('cover every service the app calls, by the paths containerd serves', async () => {
    const { TasksService } = await import('../../../main/shared/api/services/tasks/v1/tasks');
    const { HealthService } = await import('../../../main/shared/api/grpc/health/v1/health');
    const { EventsService } = await import('../../../main/shared/api/services/events/v1/events');
    expect(HealthService.check.path).toBe('/grpc.health.v1.Health/Check');
    expect(TasksService.kill.path).toBe('/containerd.services.tasks.v1.Tasks/Kill');
    expect(EventsService.subscribe.responseStream).toBe(true);
  });
});
