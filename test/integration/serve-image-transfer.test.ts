// The headless server's image uploads against a real `cdesk serve`: what an app killed mid-upload
// leaves in STATE/transfers is gone once it runs again.
import { existsSync, readdirSync, statSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ensureBuilt, startServe, waitFor, type Serve } from '../helpers/serve';

const serves: Serve[] = [];
afterEach(() => {
  for (const s of serves.splice(0).reverse()) s.cleanup();
});

describe('headless image uploads', () => {
  it('a half-written upload of an app killed with SIGKILL is removed when the app starts again', async () => {
    ensureBuilt();
    const first = await startServe({ prefix: '/tmp/cdsx-' });
    serves.push(first);
    const transfers = join(first.stateDir, 'transfers');
    const { port, token } = first.info;
    const req = http.request({
      host: '127.0.0.1',
      port,
      method: 'POST',
      path: `/images/load?namespace=default&token=${token}`,
      headers: { Origin: `http://127.0.0.1:${port}`, 'Content-Length': 64 * 1024 * 1024 },
    });
    req.on('error', () => undefined);
    req.write(Buffer.alloc(4 * 1024 * 1024));
    const written = () =>
      existsSync(transfers)
        ? readdirSync(transfers).filter((f) => statSync(join(transfers, f)).size > 0)
        : [];
    await waitFor(() => written().length === 1, 15_000, 'the upload in STATE/transfers');
    first.child.kill('SIGKILL');
    await new Promise((r) => first.child.once('exit', r));
    req.destroy();
    expect(written()).toHaveLength(1);

    const again = await startServe({ dir: first.dir });
    serves.push(again);
    await waitFor(() => readdirSync(transfers).length === 0, 15_000, 'STATE/transfers emptied');
  }, 60_000);

  it('a 1 GiB upload that is not a tar is refused (415) after its first bytes, and nothing is staged', async () => {
    ensureBuilt();
    const s = await startServe({ prefix: '/tmp/cdsx-' });
    serves.push(s);
    const transfers = join(s.stateDir, 'transfers');
    const { port, token } = s.info;
    const sent = 64 * 1024;
    const req = http.request({
      host: '127.0.0.1',
      port,
      method: 'POST',
      path: `/images/load?namespace=default&token=${token}`,
      headers: { Origin: `http://127.0.0.1:${port}`, 'Content-Length': 1024 * 1024 * 1024 },
    });
    req.on('error', () => undefined);
    const answered = new Promise<{ status: number; body: string }>((resolve) =>
      req.on('response', (res) => {
        let body = '';
        res.on('data', (b: Buffer) => (body += b.toString('utf8')));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      }),
    );
    // The body so far: a text file, nowhere near its announced length, and no more comes.
    req.write(Buffer.from('just some text, not an archive\n'.repeat(sent / 32)));
    const r = await answered;
    expect(r.status).toBe(415);
    expect(JSON.parse(r.body)).toMatchObject({
      ok: false,
      error: {
        code: 'bad-archive',
        message: expect.stringMatching(/not an image archive: the input is not a tar archive/),
      },
    });
    req.destroy();
    // No temp file was made for it (none of its bytes reached the disk).
    const staged = existsSync(transfers) ? readdirSync(transfers) : [];
    expect(staged).toEqual([]);
  }, 60_000);
});
