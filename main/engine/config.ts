// Builds, renders and atomically writes the containerd config (v2 TOML) the engine runs with.
import { chmod, readFile } from 'node:fs/promises';
import { parse as parseToml, stringify as stringifyToml } from '@iarna/toml';
import { makeDirs } from '../shared/make-dirs';
import type { Settings } from '../../common/settings';
import { EngineError } from './errors';
import type { Layout } from './paths';
import { GRPC_MAX_MESSAGE } from '../shared/limits';
import { writeFileAtomic } from '../shared/write-file-atomic';

type Table = Record<string, unknown>;

const CRI_PLUGIN = 'io.containerd.grpc.v1.cri';
/** containerd's restart monitor (1.x name; 2.x migrates it to io.containerd.monitor.v1.restart). */
export const RESTART_MONITOR_PLUGIN = 'io.containerd.internal.v1.restart';
/** How often it checks: --restart always brings a dead task back within about this (its default is 10 s). */
export const RESTART_MONITOR_INTERVAL = '1s';

const OVERRIDES_HINT =
  'Set rootDir/stateDir in Settings (or --root/--state) instead; the engine needs to know these paths.';

function isTable(v: unknown): v is Table {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);
}

// Keys the engine depends on (it probes the socket, owns root/state): overrides may not move them.
function checkOverrides(overrides: Table): void {
  const refuse = (key: string, why: string): never => {
    throw new EngineError(
      'overrides-invalid',
      `The overrides file sets \`${key}\`: ${why}`,
      OVERRIDES_HINT,
    );
  };
  if ('version' in overrides && overrides.version !== 2) {
    throw new EngineError(
      'overrides-invalid',
      `The overrides file sets \`version = ${String(overrides.version)}\`; only config version 2 is supported.`,
      'Remove `version` from the overrides file (the generated config is version 2).',
    );
  }
  if ('root' in overrides) refuse('root', 'the engine manages this path.');
  if ('state' in overrides) refuse('state', 'the engine manages this path.');
  if ('grpc' in overrides) {
    if (!isTable(overrides.grpc)) refuse('grpc', 'it must be a table ([grpc]).');
    else if ('address' in overrides.grpc) refuse('grpc.address', 'the engine probes this socket.');
    else if (overrides.grpc.tcp_address !== undefined && overrides.grpc.tcp_address !== '')
      // Whoever can write settings (or holds the headless token) could otherwise open root's
      // containerd to the network at the next start.
      throw new EngineError(
        'overrides-invalid',
        "The overrides file sets `grpc.tcp_address`: containerd's API on TCP has no authentication, so anyone who reaches that port controls containerd (as root).",
        'Remove `tcp_address` from the overrides file. To reach this containerd from another machine, forward its socket over SSH (`ssh -L /tmp/c.sock:SOCKET host`).',
      );
  }
}

// Tables merge recursively; arrays and scalars replace. Returns new objects, inputs untouched.
function deepMerge(base: Table, over: Table, prefix = ''): Table {
  const out: Table = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const current = out[key];
    if (isTable(current) && isTable(value)) {
      out[key] = deepMerge(current, value, `${prefix}${key}.`);
    } else if (isTable(current) && !isTable(value)) {
      // Replacing a generated table with a scalar would drop settings the engine wrote on purpose.
      throw new EngineError(
        'overrides-invalid',
        `The overrides file sets \`${prefix}${key}\` to a value, but it must be a table ([${prefix}${key}]).`,
        `Write it as a [${prefix}${key}] table with the keys you want to change.`,
      );
    } else {
      out[key] = value;
    }
  }
  return out;
}

/** The containerd config (v2) as a plain object; user overrides merged over the generated tables. */
export function buildConfig(
  layout: Layout,
  s: Settings,
  ids: { uid: number; gid: number },
  overrides?: Record<string, unknown>,
): Record<string, unknown> {
  const rootless = ids.uid !== 0;
  // CRI (Kubernetes tools) is off unless asked for: containerd boots faster and logs no CNI errors.
  // A normal user cannot chown the sockets to root, nor run CRI (it needs root for networking).
  const criOff = s.cri !== 'on' || rootless;
  const disabled = [...new Set([...s.disabledPlugins, ...(criOff ? [CRI_PLUGIN] : [])])];
  const owner = rootless ? { uid: ids.uid, gid: ids.gid } : {};
  const cfg: Table = {
    version: 2,
    root: layout.daemonRoot,
    state: layout.daemonState,
    disabled_plugins: disabled,
    grpc: {
      address: layout.socket,
      max_recv_message_size: GRPC_MAX_MESSAGE,
      max_send_message_size: GRPC_MAX_MESSAGE,
      ...owner,
    },
    // containerd chowns the debug socket too (to 0:0 unless told), which fails for a normal user.
    debug: { address: layout.debugSocket, level: s.logLevel, format: s.logFormat, ...owner },
    ...(rootless ? { ttrpc: { ...owner } } : {}),
    plugins: { [RESTART_MONITOR_PLUGIN]: { interval: RESTART_MONITOR_INTERVAL } },
  };
  if (!overrides) return cfg;
  checkOverrides(overrides);
  return deepMerge(cfg, overrides);
}

/** The config as TOML text, headed by a warning that edits here are lost. */
export function renderConfigToml(cfg: Record<string, unknown>): string {
  const header =
    '# Generated by Containerd Desktop and overwritten on every start: do not edit.\n' +
    '# Put your own settings in a TOML file and name it in the overridesFile setting.\n\n';
  return header + stringifyToml(cfg as Parameters<typeof stringifyToml>[0]);
}

/** The user's overrides table, or undefined when no overrides file is set. */
export async function loadOverrides(
  file: string | null,
): Promise<Record<string, unknown> | undefined> {
  if (file === null) return undefined;
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    const missing = code === 'ENOENT';
    throw new EngineError(
      'overrides-invalid',
      missing
        ? `The overrides file ${file} does not exist.`
        : `Cannot read the overrides file ${file}: ${code}.`,
      missing
        ? 'Create it (it can be empty) or clear the overridesFile setting.'
        : 'Make it a readable file, or clear the overridesFile setting.',
      { cause: err },
    );
  }
  try {
    return parseToml(text) as Record<string, unknown>;
  } catch (err) {
    const e = err as { line?: number; col?: number; message?: string };
    // @iarna/toml reports 0-based line/col; editors count from 1.
    const where =
      typeof e.line === 'number' && typeof e.col === 'number'
        ? ` at line ${e.line + 1}, column ${e.col + 1}`
        : '';
    const first = String(e.message ?? err).split('\n')[0];
    throw new EngineError(
      'overrides-invalid',
      `The overrides file ${file} is not valid TOML${where}: ${first}`,
      'Fix the TOML syntax there (or clear the overridesFile setting).',
      { cause: err },
    );
  }
}

async function mkdirMode(dir: string, mode: number, forceMode: boolean): Promise<void> {
  try {
    // A file (or anything but a directory) at `dir` or above it fails here: EEXIST / ENOTDIR.
    await makeDirs(dir, mode);
    if (forceMode) await chmod(dir, mode);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw new EngineError(
      'state-dir',
      `Cannot create or use the directory ${dir}: ${code} (${(err as Error).message}).`,
      code === 'EACCES' || code === 'EPERM'
        ? `Make ${dir} (and its parents) owned and writable by you, or choose another directory with the rootDir/stateDir setting (--root/--state).`
        : code === 'ENOENT' || code === 'EROFS'
          ? `${dir} cannot be made there (a read-only or virtual filesystem such as /proc or /sys): choose another directory with the rootDir/stateDir setting (--root/--state).`
          : `Remove whatever is in the way at ${dir}, or choose another directory with the rootDir/stateDir setting (--root/--state).`,
      { cause: err },
    );
  }
}

/** Create the directories containerd and the engine write to, private to this user. */
export async function ensureDirs(layout: Layout): Promise<void> {
  // Two chains side by side (each parent before its child, so the child's mode never lands on
  // the parent): the state dir holds the sockets and pidfile, 0700 even if it already existed;
  // the daemon root is 0711 like containerd's own, its private parent keeping other users out.
  const state = async () => {
    await mkdirMode(layout.stateDir, 0o700, true);
    await mkdirMode(layout.daemonState, 0o700, false);
  };
  const root = async () => {
    await mkdirMode(layout.rootDir, 0o700, false);
    await mkdirMode(layout.daemonRoot, 0o711, false);
  };
  await Promise.all([state(), root()]);
}

/** The uid/gid containerd's sockets are owned by: this process's. */
const currentIds = () => ({ uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 });

/** The config TOML these settings produce for `layout` (reads the overrides file; writes nothing). */
export async function renderConfigFor(
  layout: Layout,
  s: Settings,
  ids: { uid: number; gid: number } = currentIds(),
): Promise<string> {
  const overrides = await loadOverrides(s.overridesFile);
  return renderConfigToml(buildConfig(layout, s, ids, overrides));
}

/**
 * Renders the config for `layout` and writes it (0600), returning its text; the directories must
 * exist (ensureDirs). Rebuilt on every launch, so without fsync: a spawn need not wait for the
 * disk, and readers still never see half a file.
 */
export async function writeConfigFile(
  layout: Layout,
  s: Settings,
  ids: { uid: number; gid: number } = currentIds(),
): Promise<string> {
  const toml = await renderConfigFor(layout, s, ids);
  await writeFileAtomic(layout.configFile, toml, 0o600, { durable: false });
  return toml;
}
