// The pulls' thread in the built app: dist/pull-thread.cjs lies beside both bundles that start it
// (the CLI's chunks, which `cdesk serve` runs, and dist/electron-main.js), needs nothing beside it,
// and runs as a worker; in the packaged app it is looked for outside app.asar.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { beforeAll, describe, expect, it } from 'vitest';
import { threadFile } from '../../../main/containerd/pull/blob-thread';
import type { FromThread, ToThread } from '../../../main/containerd/pull/blob-thread-messages';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const DIST = join(ROOT, 'dist');
const THREAD = join(DIST, 'pull-thread.cjs');
/** How blob-thread.ts names the file, relative to the bundle it is in (its import.meta.url). */
const STARTS_IT = 'new URL("./pull-thread.cjs", bundle)';

beforeAll(() => {
  if (!existsSync(THREAD) || !existsSync(join(DIST, 'electron-main.js')))
    execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'ignore' });
}, 120_000);

describe('dist/pull-thread.cjs', () => {
  it('is where the Electron main bundle and the CLI chunk that pull start it from', () => {
    expect(readFileSync(join(DIST, 'electron-main.js'), 'utf8')).toContain(STARTS_IT);
    const chunks = readdirSync(DIST).filter(
      (f) => /^cli.*\.js$/.test(f) && readFileSync(join(DIST, f), 'utf8').includes(STARTS_IT),
    );
    expect(chunks.length).toBeGreaterThan(0);
    expect(existsSync(THREAD)).toBe(true);
  });

  it("needs nothing beside it: every require is one of Node's own modules", () => {
    const required = [...readFileSync(THREAD, 'utf8').matchAll(/require\("([^"]+)"\)/g)].map(
      (m) => m[1]!,
    );
    expect(required).toContain('node:worker_threads');
    // grpc-js asks for proto-loader only inside channelz and ORCA, which the app never turns on.
    const own = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);
    expect([...new Set(required.filter((r) => !own.has(r)))]).toEqual(['@grpc/proto-loader']);
  });

  it('is run from app.asar.unpacked in the packaged app, where electron-builder puts it', () => {
    expect(
      threadFile('file:///opt/Containerd%20Desktop/resources/app.asar/dist/electron-main.js'),
    ).toBe('/opt/Containerd Desktop/resources/app.asar.unpacked/dist/pull-thread.cjs');
    expect(threadFile(pathToFileURL(join(DIST, 'cli-chunk-x.js')).href)).toBe(THREAD);
    expect(readFileSync(join(ROOT, 'electron-builder.yml'), 'utf8')).toMatch(
      /^asarUnpack:\n {2}- dist\/pull-thread\.cjs$/m,
    );
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
        scope: { namespace: 'ns', lease: 'l', order: 0 },
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
