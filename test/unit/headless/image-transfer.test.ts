// The headless page's image archives: uploads need the token and our Origin, are bounded in bytes,
// land in a temp file in the app's folder (gone afterwards); a save is downloaded once, then gone.
import * as fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
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
        return { ok: true, value: { namespace: payload.namespace, images: [], written: 3 } };
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
    maxUploadBytes: 1024,
  });
  origin = `http://127.0.0.1:${server.port}`;
});

afterEach(async () => {
  await server.close();
  base.dispose();
  await fsp.rm(dir, { recursive: true, force: true });
});

const url = (p: string) => `${origin}${p}`;
const staged = async () => (await fsp.readdir(transfers).catch(() => [])).length;

describe('image transfers over HTTP', () => {
  it('loads an upload from a 0600 temp file in the app folder, then removes it', async () => {
    const res = await fetch(url('/images/load?token=tok&namespace=ns1'), {
      method: 'POST',
      body: 'TARBYTES',
      headers: { Origin: origin },
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ ok: true, value: { namespace: 'ns1', written: 3 } });
    expect(calls).toHaveLength(1);
    expect(calls[0]!.bytes).toBe('TARBYTES');
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
      body: Buffer.alloc(2048),
      headers: { Origin: origin },
    });
    expect(res.status).toBe(413);
    const r = (await res.json()) as { error: { hint: string } };
    expect(r.error.hint).toContain('cdesk load -i FILE');
    expect(calls).toEqual([]);
    expect(await staged()).toBe(0);
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
