// The token file a restarted server may reuse: only a private regular file of ours holding a token.
import { chmodSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { newToken } from '../../../main/headless/http-guard';
import { readKeptToken, writeTokenFile } from '../../../main/headless/token-file';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'cd-tok-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('readKeptToken', () => {
  it('reuses the token a previous start wrote', async () => {
    const token = newToken();
    await writeTokenFile(join(dir, 'serve.token'), token);
    expect(await readKeptToken(join(dir, 'serve.token'))).toEqual({ token });
  });

  it('no file: a fresh token, nothing to say', async () => {
    expect(await readKeptToken(join(dir, 'serve.token'))).toEqual({ token: null, why: null });
  });

  it('a file others can read is not trusted, and the reason names the mode', async () => {
    const f = join(dir, 'serve.token');
    writeFileSync(f, `${newToken()}\n`);
    chmodSync(f, 0o644);
    const r = await readKeptToken(f);
    expect(r.token).toBeNull();
    expect(r.token === null && r.why).toMatch(/readable by others \(mode 644, want 600\)/);
  });

  it('a symlink or a file without a token is not trusted', async () => {
    const real = join(dir, 'real');
    await writeTokenFile(real, newToken());
    symlinkSync(real, join(dir, 'link'));
    expect((await readKeptToken(join(dir, 'link'))).token).toBeNull();
    const junk = join(dir, 'junk');
    writeFileSync(junk, 'not a token\n', { mode: 0o600 });
    const r = await readKeptToken(junk);
    expect(r.token === null && r.why).toMatch(/does not hold a token/);
  });
});
