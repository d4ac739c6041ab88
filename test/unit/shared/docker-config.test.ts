// Registry credentials in docker's config file: the keys docker uses, the forms it writes, the file mode.
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  dockerConfigPath,
  readCredentials,
  removeCredentials,
  saveCredentials,
} from '../../../main/shared/docker-config';

let dir: string;
let env: NodeJS.ProcessEnv;
const file = () => join(dir, 'config.json');

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'cd-dc-'));
  env = { DOCKER_CONFIG: dir };
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('docker config credentials', () => {
  it('lives in $DOCKER_CONFIG, else ~/.docker', () => {
    expect(dockerConfigPath(env)).toBe(file());
    expect(dockerConfigPath({ HOME: '/home/u' })).toBe('/home/u/.docker/config.json');
  });

  it('reads auth (base64 user:pass, a colon in the password kept) and username/password forms', async () => {
    writeFileSync(
      file(),
      JSON.stringify({
        auths: {
          'https://index.docker.io/v1/': { auth: Buffer.from('hub:p:w').toString('base64') },
          'https://r.lan:5000': { username: 'u', password: 'pw' },
        },
      }),
    );
    expect(await readCredentials('docker.io', env)).toEqual({ username: 'hub', password: 'p:w' });
    expect(await readCredentials('r.lan:5000', env)).toEqual({ username: 'u', password: 'pw' });
    expect(await readCredentials('other.lan', env)).toBeNull();
  });

  it('no file means no credentials; a broken file is a clear error', async () => {
    expect(await readCredentials('r.lan', env)).toBeNull();
    writeFileSync(file(), '{not json');
    await expect(readCredentials('r.lan', env)).rejects.toThrow(/is not valid JSON/);
  });

  it('save writes 0600, keeps other keys and replaces older keys for the same registry', async () => {
    writeFileSync(
      file(),
      JSON.stringify({ credsStore: 'x', auths: { 'http://r.lan:5000': { auth: 'b2xkOm9sZA==' } } }),
    );
    await saveCredentials('r.lan:5000', { username: 'me', password: 'pw' }, env);
    expect(statSync(file()).mode & 0o777).toBe(0o600);
    const cfg = JSON.parse(readFileSync(file(), 'utf8')) as Record<string, unknown>;
    expect(cfg).toEqual({
      credsStore: 'x',
      auths: { 'r.lan:5000': { auth: Buffer.from('me:pw').toString('base64') } },
    });
    expect(await removeCredentials('r.lan:5000', env)).toBe(true);
    expect(await removeCredentials('r.lan:5000', env)).toBe(false);
    expect(JSON.parse(readFileSync(file(), 'utf8'))).toEqual({ credsStore: 'x', auths: {} });
  });
});
