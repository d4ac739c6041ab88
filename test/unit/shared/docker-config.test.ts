// Registry credentials in docker's config file: the keys docker uses, the forms it writes, the file mode.
import {
  chmodSync,
  existsSync,
  mkdirSync,
  lstatSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
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
      JSON.stringify({
        detachKeys: 'ctrl-x',
        auths: { 'http://r.lan:5000': { auth: 'b2xkOm9sZA==' } },
      }),
    );
    await saveCredentials('r.lan:5000', { username: 'me', password: 'pw' }, env);
    expect(statSync(file()).mode & 0o777).toBe(0o600);
    const cfg = JSON.parse(readFileSync(file(), 'utf8')) as Record<string, unknown>;
    expect(cfg).toEqual({
      detachKeys: 'ctrl-x',
      auths: { 'r.lan:5000': { auth: Buffer.from('me:pw').toString('base64') } },
    });
    expect(await removeCredentials('r.lan:5000', env)).toBe(true);
    expect(await removeCredentials('r.lan:5000', env)).toBe(false);
    expect(JSON.parse(readFileSync(file(), 'utf8'))).toEqual({ detachKeys: 'ctrl-x', auths: {} });
  });

  it('a symlinked config (a dotfiles repo) stays a link: login and logout write the file it points to', async () => {
    const real = join(dir, 'dotfiles-config.json');
    writeFileSync(real, JSON.stringify({ psFormat: 'x' }));
    symlinkSync(real, file());
    await saveCredentials('127.0.0.1:5000', { username: 'u', password: 'p' }, env);
    expect(lstatSync(file()).isSymbolicLink()).toBe(true);
    expect(JSON.parse(readFileSync(real, 'utf8'))).toMatchObject({
      psFormat: 'x',
      auths: { '127.0.0.1:5000': { auth: Buffer.from('u:p').toString('base64') } },
    });
    expect(statSync(real).mode & 0o777).toBe(0o600);
    expect(await removeCredentials('127.0.0.1:5000', env)).toBe(true);
    expect(lstatSync(file()).isSymbolicLink()).toBe(true);
    expect(JSON.parse(readFileSync(real, 'utf8'))).toEqual({ psFormat: 'x', auths: {} });
  });
});

/**
 * A real credential helper (docker's protocol: get/store/erase over stdin/stdout), keeping its
 * secrets in a JSON file, installed as docker-credential-NAME on a PATH of the test's own.
 */
function installHelper(name: string): {
  store: () => Record<string, unknown>;
  env: NodeJS.ProcessEnv;
} {
  const bin = join(dir, 'bin');
  const storeFile = join(dir, `${name}-store.json`);
  mkdirSync(bin, { recursive: true });
  const program = join(bin, `docker-credential-${name}`);
  writeFileSync(
    program,
    `#!${process.execPath}
const fs = require('fs');
const file = ${JSON.stringify(storeFile)};
const db = fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : {};
let input = '';
process.stdin.on('data', (c) => (input += c)).on('end', () => {
  const action = process.argv[2];
  if (action === 'get') {
    const hit = db[input.trim()];
    if (!hit) { process.stdout.write('credentials not found in native keychain\\n'); process.exit(1); }
    process.stdout.write(JSON.stringify({ ServerURL: input.trim(), ...hit }));
  } else if (action === 'store') {
    const v = JSON.parse(input);
    db[v.ServerURL] = { Username: v.Username, Secret: v.Secret };
    fs.writeFileSync(file, JSON.stringify(db));
  } else if (action === 'erase') {
    delete db[input.trim()];
    fs.writeFileSync(file, JSON.stringify(db));
  } else process.exit(2);
});
`,
  );
  chmodSync(program, 0o755);
  return {
    store: () =>
      existsSync(storeFile)
        ? (JSON.parse(readFileSync(storeFile, 'utf8')) as Record<string, unknown>)
        : {},
    env: { ...env, PATH: `${bin}:${process.env.PATH ?? ''}` },
  };
}

describe('docker credential helpers (credsStore, credHelpers)', () => {
  it('with credsStore, login stores the secret in the helper (the file keeps an empty entry), pull reads it, logout erases it', async () => {
    const h = installHelper('cdtest');
    writeFileSync(file(), JSON.stringify({ credsStore: 'cdtest', auths: {} }));
    await saveCredentials('r.lan:5000', { username: 'u', password: 's3cret' }, h.env);
    expect(h.store()).toEqual({ 'r.lan:5000': { Username: 'u', Secret: 's3cret' } });
    const text = readFileSync(file(), 'utf8');
    expect(text).not.toContain('s3cret');
    expect(JSON.parse(text)).toEqual({ credsStore: 'cdtest', auths: { 'r.lan:5000': {} } });
    expect(await readCredentials('r.lan:5000', h.env)).toEqual({
      username: 'u',
      password: 's3cret',
    });
    expect(await readCredentials('other.lan', h.env)).toBeNull();
    expect(await removeCredentials('r.lan:5000', h.env)).toBe(true);
    expect(h.store()).toEqual({});
    expect(await readCredentials('r.lan:5000', h.env)).toBeNull();
  });

  it('credHelpers for a registry win over auths and credsStore', async () => {
    const h = installHelper('pick');
    writeFileSync(
      file(),
      JSON.stringify({
        credsStore: 'absent',
        credHelpers: { 'r.lan:5000': 'pick' },
        auths: { 'r.lan:5000': { auth: Buffer.from('file:pw').toString('base64') } },
      }),
    );
    await saveCredentials('r.lan:5000', { username: 'helper', password: 'pw2' }, h.env);
    expect(await readCredentials('r.lan:5000', h.env)).toEqual({
      username: 'helper',
      password: 'pw2',
    });
  });

  it('a helper that is not installed, or a name that is not one, is a clear error and nothing changes', async () => {
    writeFileSync(file(), JSON.stringify({ credsStore: 'nosuchhelper' }));
    await expect(readCredentials('r.lan', env)).rejects.toMatchObject({
      code: 'credential-helper',
      message: expect.stringMatching(
        /docker-credential-nosuchhelper is not on your PATH .*credsStore/,
      ),
      hint: expect.stringMatching(/Install docker-credential-nosuchhelper, or remove credsStore/),
    });
    await expect(
      saveCredentials('r.lan', { username: 'u', password: 'p' }, env),
    ).rejects.toMatchObject({
      code: 'credential-helper',
    });
    expect(JSON.parse(readFileSync(file(), 'utf8'))).toEqual({ credsStore: 'nosuchhelper' });
    writeFileSync(file(), JSON.stringify({ credHelpers: { 'r.lan': '../../bin/sh' } }));
    await expect(readCredentials('r.lan', env)).rejects.toMatchObject({
      code: 'bad-request',
      message: expect.stringContaining('credHelpers["r.lan"]'),
    });
  });
});
