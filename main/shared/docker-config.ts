// Registry credentials in docker's config file (`auths`), as docker, nerdctl, skopeo and podman read
// them, and through the credential helpers it names (`credHelpers`, `credsStore`).
import { spawn } from 'node:child_process';
import { mkdir, readFile, realpath } from 'node:fs/promises';
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

type ConfigFile = Record<string, unknown> & {
  auths?: Record<string, Record<string, unknown>>;
  credHelpers?: unknown;
  credsStore?: unknown;
};

// ---- credential helpers: docker's protocol (`docker-credential-NAME get|store|erase`) ----------

/** A helper's name becomes part of a program name: nothing that could walk a path. */
const HELPER_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const HELPER_TIMEOUT_MS = 15_000;
/** A helper answers with one small JSON object; more is not a credential helper. */
const MAX_HELPER_OUTPUT = 64 * 1024;

interface Helper {
  name: string;
  /** Where the config names it, for errors: `credHelpers["host"]` or `credsStore`. */
  field: string;
}

/** The helper docker would use for this registry: credHelpers first, then credsStore. */
function helperFor(config: ConfigFile, registry: string, file: string): Helper | null {
  const helpers = config.credHelpers;
  let found: Helper | null = null;
  if (helpers && typeof helpers === 'object' && !Array.isArray(helpers)) {
    for (const k of authKeys(registry)) {
      const v = (helpers as Record<string, unknown>)[k];
      if (v !== undefined) {
        found = { name: String(v), field: `credHelpers["${k}"]` };
        break;
      }
    }
  }
  if (!found && config.credsStore !== undefined && config.credsStore !== '')
    found = { name: String(config.credsStore), field: 'credsStore' };
  if (found && !HELPER_NAME.test(found.name))
    throw new AppError(
      'bad-request',
      `${file}: ${found.field} is "${found.name.slice(0, 80)}", not a credential helper name`,
      `Name a helper docker-credential-NAME on your PATH (e.g. "pass"), or remove ${found.field}.`,
    );
  return found;
}

/** Run `docker-credential-NAME action` with `input` on stdin; its exit code and stdout. */
function runHelper(
  helper: Helper,
  action: 'get' | 'store' | 'erase',
  input: string,
  env: NodeJS.ProcessEnv,
  file: string,
): Promise<{ code: number | null; out: string }> {
  const program = `docker-credential-${helper.name}`;
  return new Promise((resolve, reject) => {
    const child = spawn(program, [action], {
      env: { ...process.env, ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
      timeout: HELPER_TIMEOUT_MS,
    });
    let out = '';
    let err = '';
    const take = (chunk: Buffer, into: 'out' | 'err') => {
      if (into === 'out' && out.length < MAX_HELPER_OUTPUT) out += chunk.toString('utf8');
      if (into === 'err' && err.length < 4096) err += chunk.toString('utf8');
      if (out.length >= MAX_HELPER_OUTPUT) child.kill('SIGKILL');
    };
    child.stdout.on('data', (c: Buffer) => take(c, 'out'));
    child.stderr.on('data', (c: Buffer) => take(c, 'err'));
    child.stdin.on('error', () => undefined);
    child.on('error', (e: NodeJS.ErrnoException) =>
      reject(
        e.code === 'ENOENT'
          ? new AppError(
              'credential-helper',
              `${program} is not on your PATH (${file} names it in ${helper.field})`,
              `Install ${program}, or remove ${helper.field} from ${file} to keep credentials in the file.`,
            )
          : new AppError(
              'credential-helper',
              `cannot run ${program}: ${e.message}`,
              'Check the helper.',
            ),
      ),
    );
    child.on('close', (code, signal) => {
      if (signal)
        return reject(
          new AppError(
            'credential-helper',
            `${program} ${action} did not answer (${signal === 'SIGTERM' ? `no answer in ${HELPER_TIMEOUT_MS / 1000} s` : signal})`,
            'Unlock your keychain or password store, then try again.',
          ),
        );
      if (code !== 0 && !(action === 'get' && /not found/i.test(out + err)))
        return reject(
          new AppError(
            'credential-helper',
            `${program} ${action} failed: ${(err || out).trim().slice(0, 300) || `exit ${code}`}`,
            'Check the helper (try it by hand: echo REGISTRY | ' + program + ' get).',
          ),
        );
      resolve({ code, out });
    });
    child.stdin.end(input);
  });
}

/** What a helper holds for `server`, or null when it holds nothing. */
async function helperGet(
  helper: Helper,
  server: string,
  env: NodeJS.ProcessEnv,
  file: string,
): Promise<Credentials | null> {
  const { code, out } = await runHelper(helper, 'get', server, env, file);
  if (code !== 0) return null;
  let v: { Username?: unknown; Secret?: unknown };
  try {
    v = JSON.parse(out) as typeof v;
  } catch {
    throw new AppError(
      'credential-helper',
      `docker-credential-${helper.name} get answered something that is not JSON`,
      'Check the helper (it must print {"Username": …, "Secret": …}).',
    );
  }
  if (typeof v.Username !== 'string' || typeof v.Secret !== 'string' || !v.Secret) return null;
  if (v.Username === '<token>')
    throw new AppError(
      'credential-helper',
      `docker-credential-${helper.name} holds an identity token for ${server}, which cdesk cannot use`,
      `Log in with a user and password or access token: cdesk login ${server} -u USER --password-stdin`,
    );
  return { username: v.Username, password: v.Secret };
}

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
  const file = dockerConfigPath(env);
  const config = await readConfig(file);
  const helper = helperFor(config, registry, file);
  // Asked by the one key docker itself asks and stores under.
  if (helper) return helperGet(helper, loginKey(registry), env, file);
  const auths = config.auths ?? {};
  for (const k of authKeys(registry)) {
    const e = auths[k];
    if (e && typeof e === 'object') {
      const c = decode(e);
      if (c) return c;
    }
  }
  return null;
}

/** The config file, what it holds, a copy of its auths to change, and the registry's helper if any. */
async function openAuths(registry: string, env: NodeJS.ProcessEnv) {
  const file = dockerConfigPath(env);
  const config = await readConfig(file);
  const auths = { ...(config.auths ?? {}) };
  return { file, config, auths, helper: helperFor(config, registry, file) };
}

/** Write the config back with `auths` (file 0600, every other key kept). */
async function writeAuths(
  file: string,
  config: ConfigFile,
  auths: NonNullable<ConfigFile['auths']>,
): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  // As docker does: a symlinked config (kept in a dotfiles repo) gets the file it points to
  // replaced, and stays a link; renaming onto the link would turn it into a copy.
  const target = await realpath(file).catch(() => file);
  await writeFileAtomic(target, `${JSON.stringify({ ...config, auths }, null, '\t')}\n`, 0o600);
}

/** Store credentials (file 0600, every other key kept); returns the file written. */
export async function saveCredentials(
  registry: string,
  creds: Credentials,
  env: NodeJS.ProcessEnv = process.env,
): Promise<string> {
  const { file, config, auths, helper } = await openAuths(registry, env);
  for (const k of authKeys(registry)) delete auths[k];
  if (helper) {
    const ServerURL = loginKey(registry);
    await runHelper(
      helper,
      'store',
      JSON.stringify({ ServerURL, Username: creds.username, Secret: creds.password }),
      env,
      file,
    );
    // As docker does: an empty entry says a login exists; the secret stays in the helper.
    auths[ServerURL] = {};
  } else {
    auths[loginKey(registry)] = {
      auth: Buffer.from(`${creds.username}:${creds.password}`).toString('base64'),
    };
  }
  await writeAuths(file, config, auths);
  return file;
}

/** Remove a registry's credentials; false when there were none. */
export async function removeCredentials(
  registry: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<boolean> {
  const { file, config, auths, helper } = await openAuths(registry, env);
  const found = authKeys(registry).filter((k) => k in auths);
  let erased = false;
  if (helper && (await helperGet(helper, loginKey(registry), env, file))) {
    await runHelper(helper, 'erase', loginKey(registry), env, file);
    erased = true;
  }
  if (!found.length) return erased;
  for (const k of found) delete auths[k];
  await writeAuths(file, config, auths);
  return true;
}
