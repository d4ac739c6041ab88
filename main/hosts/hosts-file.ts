// The saved hosts list: `$XDG_CONFIG_HOME/containerd-desktop/hosts.json` next to settings.json, read bounded, written atomically.
import { constants as fsConstants } from 'node:fs';
import * as fsp from 'node:fs/promises';
import path from 'node:path';
import { hostsFileProblem, type HostsFile } from '../../common/hosts-schema';
import {
  hostNameProblem,
  LOCAL_HOST,
  looksLikeUrl,
  parseHostUrl,
  targetOf,
  type SavedHost,
  type SshTarget,
} from '../../common/hosts';
import { AppError } from '../shared/app-error';
import { makeDirs } from '../shared/make-dirs';
import { readAtMost } from '../shared/read-at-most';
import { writeFileAtomic } from '../shared/write-file-atomic';
import { appConfigFile } from '../shared/xdg';

/** A list of a few hosts is a few KiB; anything bigger is not a hosts file. */
export const MAX_HOSTS_FILE_BYTES = 256 * 1024;

/** `$XDG_CONFIG_HOME/containerd-desktop/hosts.json`, default `~/.config/…`. */
export const defaultHostsFile = (env?: NodeJS.ProcessEnv, home?: string): string =>
  appConfigFile('hosts.json', env, home);

const EDIT_HINT = (file: string) =>
  `Fix or remove ${file} (cdesk host add / rm rewrite it); nothing was changed.`;

function badFile(file: string, why: string): AppError {
  return new AppError('invalid-hosts', `the hosts file ${file} ${why}`, EDIT_HINT(file));
}

/** The file's hosts; a missing file is an empty list; a bad one throws 'invalid-hosts' naming the field. */
export async function readHosts(file: string): Promise<SavedHost[]> {
  let fh: fsp.FileHandle;
  try {
    // Non-blocking: a FIFO planted there must not hang the CLI.
    fh = await fsp.open(file, fsConstants.O_RDONLY | fsConstants.O_NONBLOCK | fsConstants.O_NOCTTY);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return [];
    throw badFile(file, `could not be read (${code ?? String(err)})`);
  }
  let text: string;
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw badFile(file, 'is not a regular file');
    const buf = await readAtMost(fh, MAX_HOSTS_FILE_BYTES);
    if (!buf) throw badFile(file, `is larger than ${MAX_HOSTS_FILE_BYTES} bytes`);
    text = buf.toString('utf8');
  } finally {
    await fh.close().catch(() => undefined);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw badFile(file, `is not JSON (${(err as Error).message})`);
  }
  const problem = hostsFileProblem(json);
  if (problem) throw badFile(file, `is invalid: ${problem}`);
  return (json as HostsFile).hosts;
}

async function writeHosts(file: string, hosts: SavedHost[]): Promise<void> {
  const data: HostsFile = { version: 1, hosts };
  await makeDirs(path.dirname(file), 0o700);
  await writeFileAtomic(file, `${JSON.stringify(data, null, 2)}\n`, 0o600);
}

/** Check a new host; throws 'invalid-host' naming the field, before anything is written. */
export async function checkNewHost(
  file: string,
  h: SavedHost,
): Promise<{ hosts: SavedHost[]; host: SavedHost }> {
  const nameProblem = hostNameProblem(h.name);
  if (nameProblem) throw new AppError('invalid-host', `NAME: ${nameProblem}`, 'Nothing was saved.');
  const url = parseHostUrl(h.url);
  if (!url.ok) throw new AppError('invalid-host', `URL: ${url.error}`, 'Nothing was saved.');
  const host: SavedHost = { name: h.name, url: h.url };
  if (h.identity !== undefined) {
    const abs = path.resolve(h.identity);
    const st = await fsp.stat(abs).catch((err: NodeJS.ErrnoException) => err);
    if (st instanceof Error || !st.isFile())
      throw new AppError(
        'invalid-host',
        `--identity: ${abs} ${st instanceof Error ? `cannot be read (${st.code ?? st.message})` : 'is not a file'}`,
        'Give the path of your private key (e.g. ~/.ssh/id_ed25519); nothing was saved.',
      );
    host.identity = abs;
  }
  const hosts = await readHosts(file);
  if (hosts.some((x) => x.name === h.name))
    throw new AppError(
      'invalid-host',
      `NAME: a host named "${h.name}" is already saved`,
      `Pick another name, or remove it first (cdesk host rm ${h.name}); nothing was saved.`,
    );
  return { hosts, host };
}

/** Add a host (validated; a duplicate name is refused). */
export async function addHost(file: string, h: SavedHost): Promise<SavedHost> {
  const { hosts, host } = await checkNewHost(file, h);
  await writeHosts(file, [...hosts, host]);
  return host;
}

/** Remove a saved host; an unknown name throws 'unknown-host'. */
export async function removeHost(file: string, name: string): Promise<void> {
  const hosts = await readHosts(file);
  if (!hosts.some((h) => h.name === name)) throw unknownHost(name, hosts);
  await writeHosts(
    file,
    hosts.filter((h) => h.name !== name),
  );
}

function unknownHost(name: string, hosts: SavedHost[]): AppError {
  const known = hosts.map((h) => h.name);
  return new AppError(
    'unknown-host',
    `no saved host named "${name}"${known.length ? ` (saved: ${known.join(', ')})` : ''}`,
    `Save it first (cdesk host add ${hostNameProblem(name) ? 'NAME' : name} ssh://user@host[:port]), or give a URL (-H ssh://user@host).`,
  );
}

/** What `-H` names: this machine's app (null), or where ssh goes. */
export async function resolveHost(file: string, nameOrUrl: string): Promise<SshTarget | null> {
  if (nameOrUrl === LOCAL_HOST) return null;
  if (looksLikeUrl(nameOrUrl)) {
    const r = parseHostUrl(nameOrUrl);
    if (!r.ok) throw new AppError('invalid-host', `-H: ${r.error}`, 'Nothing was contacted.');
    return r.target;
  }
  const hosts = await readHosts(file);
  const h = hosts.find((x) => x.name === nameOrUrl);
  if (!h) throw unknownHost(nameOrUrl, hosts);
  return targetOf(h);
}
