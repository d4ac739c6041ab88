// The pulls' thread in the built app: dist/pull-thread.js lies beside both bundles that start it
// (the CLI's chunks, which `cdesk serve` runs, and dist/electron-main.js), and runs as a worker.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { beforeAll, describe, expect, it } from 'vitest';
import type { FromThread, ToThread } from '../../../main/containerd/pull/blob-thread';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const DIST = join(ROOT, 'dist');
const THREAD = join(DIST, 'pull-thread.js');
/** How blob-thread.ts names the file, relative to the bundle it is in (its import.meta.url). */
const STARTS_IT = 'new URL("./pull-thread.js", here)';

beforeAll(() => {
  if (!existsSync(THREAD) || !existsSync(join(DIST, 'electron-main.js')))
    execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'ignore' });
}, 120_000);

describe('dist/pull-thread.js', () => {
  it('is where the Electron main bundle and the CLI chunk that pull start it from', () => {
    expect(readFileSync(join(DIST, 'electron-main.js'), 'utf8')).toContain(STARTS_IT);
    const chunks = readdirSync(DIST).filter(
      (f) => /^cli.*\.js$/.test(f) && readFileSync(join(DIST, f), 'utf8').includes(STARTS_IT),
    );
    expect(chunks.length).toBeGreaterThan(0);
    expect(existsSync(THREAD)).toBe(true);
  });

  it('runs as a worker and answers a blob it cannot write with the reason', async () => {
    const w = new Worker(THREAD);
    try {
      const answer = new Promise<FromThread>((resolve, reject) => {
        w.on('message', (m: FromThread) => m.type !== 'bytes' && resolve(m));
        w.on('error', reject);
      });
      w.postMessage({
        type: 'write',
        id: 1,
        pullId: 'p',
        source: {
          socket: '/nonexistent/containerd.sock',
          ref: {
            domain: '127.0.0.1:1',
            path: 'x/y',
            name: '127.0.0.1:1/x/y:1',
            tag: '1',
            digest: null,
          },
          insecure: true,
          credentials: null,
          authorization: null,
        },
        scope: { namespace: 'ns', lease: 'l' },
        target: { digest: `sha256:${'a'.repeat(64)}`, size: 10, ref: 'layer-x', labels: {} },
      } satisfies ToThread);
      expect(await answer).toMatchObject({
        type: 'failed',
        id: 1,
        error: {
          inside: true,
          code: 'containerd-api-unavailable',
          message: expect.stringContaining('/nonexistent/containerd.sock'),
        },
      });
    } finally {
      await w.terminate();
    }
  });
});
