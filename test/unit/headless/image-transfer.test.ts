// The headless page's image archives: uploads need the token and our Origin, are bounded in bytes,
// land in a temp file in the app's folder (gone afterwards); a save is downloaded once, then gone.
import * as fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import * as tar from 'tar-stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AppInfo, CommandName } from '../../../common/contract';
import { createService, type Service } from '../../../main/service/service';
import { createSettingsStore } from '../../../main/service/settings-store';
import { startHttpServer, type HttpServer } from '../../../main/headless/http-server';
import { FakeEngine } from '../service/fake-engine';

const info = (): AppInfo => ({
  appVersion: 't',
  controlSocket: null,
  logsDir: '/',
  settingsFile: '/s',
  mode: 'headless',
});

let dir: string;
let transfers: string;
let base: Service;
let server: HttpServer;
let calls: { name: CommandName; payload: Record<string, unknown>; bytes?: string }[];
let origin: string;
/** The running "slow" loads' cancels, by loadId. */
const cancels = new Map<string, () => void>();

beforeEach(async () => {
  dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'cdesk-xfer-'));
  transfers = path.join(dir, 'state', 'transfers');
  await fsp.writeFile(path.join(dir, 'index.html'), '<!doctype html><title>t</title>');
  base = createService({
    engine: new FakeEngine(),
    settings: createSettingsStore({ file: path.join(dir, 's.json') }),
    info,
  });
  calls = [];
  // The service as far as transfers go: record what was asked, look at the staged file.
  const service = {
    ...base,
    invoke: async (name: CommandName, payload: Record<string, unknown>) => {
      const p = payload.path as string;
      if (name === 'image:load') {
        calls.push({ name, payload, bytes: await fsp.readFile(p, 'utf8') });
        // Namespace "slow": a load that runs until it is cancelled.
        if (payload.namespace === 'slow')
          return new Promise((resolve) =>
            cancels.set(payload.loadId as string, () =>
              resolve({ ok: false, error: { code: 'cancelled', message: 'cancelled', hint: '' } }),
            ),
          );
        return { ok: true, value: { namespace: payload.namespace, images: [], written: 3 } };
      }
      if (name === 'image:load-cancel') {
        calls.push({ name, payload });
        cancels.get(payload.loadId as string)?.();
        return { ok: true, value: { loadId: payload.loadId, cancelled: true } };
      }
      if (name === 'image:save') {
        calls.push({ name, payload });
        await fsp.writeFile(p, 'ARCHIVE');
        return { ok: true, value: { namespace: 'default', path: p, images: [], bytes: 7 } };
      }
      throw new Error(`unexpected ${name}`);
    },
  } as unknown as Service;
  server = await startHttpServer({
    service,
    staticDir: dir,
    port: 0,
    token: 'tok',
    transferDir: transfers,
    maxUploadBytes: 4096,
  });
  origin = `http://127.0.0.1:${server.port}`;
});

afterEach(async () => {
  await server.close();
  base.dispose();
  await fsp.rm(dir, { recursive: true, force: true });
});

/** A one-file tar archive, as tar-stream writes it (what the page uploads is a real tar). */
async function tarOf(name: string, text: string): Promise<Buffer> {
  const pack = tar.pack();
  pack.entry({ name }, text);
  pack.finalize();
  const parts: Buffer[] = [];
  for await (const b of pack as AsyncIterable<Buffer>) parts.push(b);
  return Buffer.concat(parts);
}

const url = (p: string) => `${origin}${p}`;
const staged = async () => (await fsp.readdir(transfers).catch(() => [])).length;

describe('image transfers over HTTP', () => {
  it('loads an upload from a 0600 temp file in the app folder, then removes it', async () => {
    const tar = await tarOf('index.json', '{}');
    const res = await fetch(url('/images/load?token=tok&namespace=ns1'), {
      method: 'POST',
      body: tar,
      headers: { Origin: origin },
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ ok: true, value: { namespace: 'ns1', written: 3 } });
    expect(calls).toHaveLength(1);
    expect(calls[0]!.bytes).toBe(tar.toString('utf8'));
    expect(path.dirname(calls[0]!.payload.path as string)).toBe(transfers);
    expect((await fsp.stat(transfers)).mode & 0o777).toBe(0o700);
    expect(await staged()).toBe(0);
  });

  it.each([
    ['no token', '/images/load?namespace=default', { Origin: 'SELF' }],
    ['a wrong token', '/images/load?token=nope&namespace=default', { Origin: 'SELF' }],
    ['no Origin', '/images/load?token=tok&namespace=default', {}],
    ['another Origin', '/images/load?token=tok&namespace=default', { Origin: 'http://evil.test' }],
  ])('refuses an upload with %s (403), running nothing', async (_why, p, headers) => {
    const h = Object.fromEntries(
      Object.entries(headers).map(([k, v]) => [k, v === 'SELF' ? origin : v]),
    );
    const res = await fetch(url(p), { method: 'POST', body: 'x', headers: h });
    expect(res.status).toBe(403);
    expect(calls).toEqual([]);
  });

  it('refuses an upload over the byte bound before reading it (413), with the terminal way', async () => {
    const res = await fetch(url('/images/load?token=tok&namespace=default'), {
      method: 'POST',
      body: Buffer.alloc(8192),
      headers: { Origin: origin },
    });
    expect(res.status).toBe(413);
    const r = (await res.json()) as { error: { hint: string } };
    expect(r.error.hint).toContain('cdesk load -i FILE');
    expect(calls).toEqual([]);
    expect(await staged()).toBe(0);
  });

  it.each([
    ['text', Buffer.from('this is not a tar file at all\n'.repeat(100)), /not a tar archive/],
    [
      'gzip, not of a tar',
      gzipSync(Buffer.from('this is not a tar file at all\n'.repeat(100))),
      /not a tar archive/,
    ],
    [
      'corrupt gzip',
      Buffer.concat([Buffer.from([0x1f, 0x8b, 8, 0]), Buffer.alloc(2000, 7)]),
      /gzip-compressed input is corrupt/,
    ],
    ['zstd', Buffer.concat([Buffer.from([0x28, 0xb5, 0x2f, 0xfd]), Buffer.alloc(600)]), /zstd -d/],
    ['shorter than a tar header', Buffer.from('TARBYTES'), /truncated/],
  ])(
    'refuses an upload that is not a tar (%s) from its first header (415), keeping nothing',
    async (_what, body, says) => {
      const res = await fetch(url('/images/load?token=tok&namespace=default'), {
        method: 'POST',
        body,
        headers: { Origin: origin },
      });
      expect(res.status).toBe(415);
      const r = (await res.json()) as { error: { code: string; message: string; hint: string } };
      expect(r.error.code).toBe('bad-archive');
      expect(r.error.message).toMatch(/^image load: not an image archive: /);
      expect(r.error.message).toMatch(says);
      expect(r.error.hint).toContain('docker save');
      expect(calls).toEqual([]);
      expect(await staged()).toBe(0);
    },
  );

  it('a page that goes while its upload loads cancels the load (by its id) and leaves no file', async () => {
    const ac = new AbortController();
    const sent = fetch(url('/images/load?token=tok&namespace=slow'), {
      method: 'POST',
      body: await tarOf('index.json', '{}'),
      headers: { Origin: origin },
      signal: ac.signal,
    }).catch((err: Error) => err);
    await expect.poll(() => calls.length).toBe(1);
    const loadId = calls[0]!.payload.loadId;
    expect(loadId).toMatch(/^[0-9a-f]{16}$/);
    ac.abort();
    await sent;
    await expect.poll(() => calls.map((c) => c.name)).toEqual(['image:load', 'image:load-cancel']);
    expect(calls[1]!.payload).toEqual({ loadId });
    await expect.poll(staged).toBe(0);
  });

  it('names a bad namespace (400) and loads nothing', async () => {
    const res = await fetch(url('/images/load?token=tok&namespace=..%2Fx'), {
      method: 'POST',
      body: 'x',
      headers: { Origin: origin },
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toContain(
      'namespace',
    );
    expect(calls).toEqual([]);
  });

  it('a page cannot pass a path: an unknown query field is refused', async () => {
    const res = await fetch(url('/images/load?token=tok&namespace=default&path=%2Fetc%2Fshadow'), {
      method: 'POST',
      body: 'x',
      headers: { Origin: origin },
    });
    expect(res.status).toBe(400);
    expect(calls).toEqual([]);
  });

  it('save: prepared, downloaded once with a safe file name, then gone', async () => {
    const prep = await fetch(
      url('/images/save?token=tok&namespace=default&name=docker.io%2Flibrary%2Falpine%3A3.20'),
      { method: 'POST', headers: { Origin: origin } },
    );
    expect(prep.status).toBe(200);
    const r = (await prep.json()) as { value: { downloadId: string; bytes: number; path: string } };
    expect(r.value.bytes).toBe(7);
    expect(r.value.path).toBe(''); // the app's temp path is not the page's business
    expect(calls[0]!.payload).toMatchObject({
      namespace: 'default',
      names: ['docker.io/library/alpine:3.20'],
    });
    const get = await fetch(url(`/images/download?token=tok&id=${r.value.downloadId}`));
    expect(get.status).toBe(200);
    expect(get.headers.get('content-disposition')).toBe('attachment; filename="alpine_3.20.tar"');
    expect(get.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(await get.text()).toBe('ARCHIVE');
    await expect.poll(staged).toBe(0);
    const again = await fetch(url(`/images/download?token=tok&id=${r.value.downloadId}`));
    expect(again.status).toBe(404);
    const noToken = await fetch(url(`/images/download?id=${r.value.downloadId}`));
    expect(noToken.status).toBe(403);
  });
});
