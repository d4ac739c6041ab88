// Static file resolution for the headless server: inside the renderer folder only, no listings.
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contentTypeFor, resolveStatic } from '../../../main/headless/static-files';

let base: string;
let root: string;

beforeAll(() => {
  base = realpathSync(mkdtempSync(join(tmpdir(), 'cdst-')));
  root = join(base, 'renderer');
  mkdirSync(join(root, 'assets'), { recursive: true });
  writeFileSync(join(root, 'index.html'), '<!doctype html>');
  writeFileSync(join(root, 'assets', 'app.js'), '1');
  writeFileSync(join(root, 'assets', '.hidden.js'), '1');
  writeFileSync(join(base, 'secret.js'), 'secret');
  symlinkSync(join(base, 'secret.js'), join(root, 'assets', 'link.js'));
  mkdirSync(join(root, 'dir.js'));
});
afterAll(() => rmSync(base, { recursive: true, force: true }));

describe('resolveStatic', () => {
  it('serves a file under the root with its content type', async () => {
    expect(await resolveStatic(root, '/assets/app.js')).toEqual({
      ok: true,
      file: join(root, 'assets', 'app.js'),
      type: 'text/javascript; charset=utf-8',
    });
  });

  it('refuses traversal, encoded or not, backslashes, NUL and hidden files (403)', async () => {
    for (const p of [
      '/../secret.js',
      '/assets/%2e%2e/%2e%2e/secret.js',
      '/assets/..%2f..%2fsecret.js',
      '/assets\\..\\x.js',
      '/a%00.js',
      '/assets/.hidden.js',
      '/%E0%A4%A.js',
    ]) {
      expect((await resolveStatic(root, p)).ok, p).toBe(false);
      expect(await resolveStatic(root, p), p).toMatchObject({ status: 403 });
    }
  });

  it('refuses a symlink that leaves the root', async () => {
    expect(await resolveStatic(root, '/assets/link.js')).toMatchObject({ ok: false, status: 403 });
  });

  it('never lists a directory and 404s unknown types and missing files', async () => {
    expect(await resolveStatic(root, '/assets/')).toMatchObject({ ok: false, status: 404 });
    expect(await resolveStatic(root, '/dir.js')).toMatchObject({ ok: false, status: 404 });
    expect(await resolveStatic(root, '/missing.js')).toMatchObject({ ok: false, status: 404 });
    expect(await resolveStatic(root, '/package.sh')).toMatchObject({ ok: false, status: 404 });
  });

  it('knows the types the renderer uses', () => {
    expect(contentTypeFor('a.css')).toBe('text/css; charset=utf-8');
    expect(contentTypeFor('a.png')).toBe('image/png');
    expect(contentTypeFor('a.exe')).toBeNull();
  });
});
