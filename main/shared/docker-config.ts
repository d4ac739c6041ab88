// Registry credentials in docker's config file (`auths`), as docker, nerdctl, skopeo and podman read them.
import { mkdir, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { AppError } from './app-error';
import { writeFileAtomic } from './write-file-atomic';

export interface Credentials {
  username: string;
  password: string;
}

/** A config file bigger than this is not docker's (it holds a few lines per registry). */
const MAX_CONFIG_BYTES = 1024 * 1024;

/** `$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`. */
export function dockerConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  const dir = env.DOCKER_CONFIG || path.join(env.HOME || os.homedir(), '.docker');
  return path.join(dir, 'config.json');
}

/** The keys docker may have stored a registry under (Docker Hub has its historic v1 URL). */
export function authKeys(registry: string): string[] {
  const host = registry.replace(/^https?:\/\//, '').replace(/\/.*$/, '');
  const keys = [
    host,
    `https://${host}`,
    `http://${host}`,
    `https://${host}/v1/`,
    `https://${host}/v2/`,
  ];
  if (host === 'docker.io' || host === 'index.docker.io' || host === 'registry-1.docker.io')
    keys.unshift(
      'https://index.docker.io/v1/',
      'index.docker.io',
      'docker.io',
      'registry-1.docker.io',
    );
  return [...new Set(keys)];
}

/** The key `cdesk login` writes (docker's own choice for Docker Hub). */
export function loginKey(registry: string): string {
  const host = registry.replace(/^https?:\/\//, '').replace(/\/.*$/, '');
  return host === 'docker.io' || host === 'index.docker.io' || host === 'registry-1.docker.io'
    ? 'https://index.docker.io/v1/'
    : host;
}

type ConfigFile = Record<string, unknown> & { auths?: Record<string, Record<string, unknown>> };

async function readConfig(file: string): Promise<ConfigFile> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new AppError(
      'internal',
      `cannot read ${file}: ${(err as Error).message}`,
      'Check the file and its permissions.',
    );
  }
  if (text.length > MAX_CONFIG_BYTES)
    throw new AppError(
      'bad-request',
      `${file} is larger than 1 MiB`,
      'It is not a docker config file; move it aside.',
    );
  try {
    const parsed = JSON.parse(text || '{}') as unknown;
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      throw new Error('not an object');
    return parsed as ConfigFile;
  } catch (err) {
    throw new AppError(
      'bad-request',
      `${file} is not valid JSON (${(err as Error).message})`,
      'Fix or move the file aside, then try again.',
    );
  }
}

function decode(entry: Record<string, unknown>): Credentials | null {
  if (typeof entry.auth === 'string' && entry.auth) {
    const plain = Buffer.from(entry.auth, 'base64').toString('utf8');
    const i = plain.indexOf(':');
    if (i > 0) return { username: plain.slice(0, i), password: plain.slice(i + 1) };
  }
  if (typeof entry.username === 'string' && typeof entry.password === 'string')
    return { username: entry.username, password: entry.password };
  return null;
}

/** The stored credentials for a registry (`127.0.0.1:5000`, `docker.io`), or null. */
export async function readCredentials(
  registry: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<Credentials | null> {
  const auths = (await readConfig(dockerConfigPath(env))).auths ?? {};
  for (const k of authKeys(registry)) {
    const e = auths[k];
    if (e && typeof e === 'object') {
      const c = decode(e);
      if (c) return c;
    }
  }
  return null;
}

/** Store credentials (file 0600, every other key kept); returns the file written. */
export async function saveCredentials(
  registry: string,
  creds: Credentials,
  env: NodeJS.ProcessEnv = process.env,
): Promise<string> {
  const file = dockerConfigPath(env);
  const config = await readConfig(file);
  const auths = { ...(config.auths ?? {}) };
  for (const k of authKeys(registry)) delete auths[k];
  auths[loginKey(registry)] = {
    auth: Buffer.from(`${creds.username}:${creds.password}`).toString('base64'),
  };
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  await writeFileAtomic(file, `${JSON.stringify({ ...config, auths }, null, '\t')}\n`, 0o600);
  return file;
}

/** Remove a registry's credentials; false when there were none. */
export async function removeCredentials(
  registry: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<boolean> {
  const file = dockerConfigPath(env);
  const config = await readConfig(file);
  const auths = { ...(config.auths ?? {}) };
  const found = authKeys(registry).filter((k) => k in auths);
  if (!found.length) return false;
  for (const k of found) delete auths[k];
  await writeFileAtomic(file, `${JSON.stringify({ ...config, auths }, null, '\t')}\n`, 0o600);
  return true;
}
