// `cdesk run`'s command line, docker's way: options before IMAGE, everything after it is
// the command (its own `-c` included); -e/-v/-l/--env-file repeat. Pure: files are read by the caller.
import type { RunPayload } from '../../common/container-commands';
import {
  parseContainerName,
  parseEnvEntry,
  parseNetwork,
  parsePublish as parsePublishField,
  parseRestart,
  parseVolume as parseVolumeField,
  PORTS_NEED_BRIDGE,
  RM_RESTART_CONFLICT,
  type BindMount,
  type FieldResult,
  type PortMapping,
} from '../../common/run-fields';
import {
  ARGV_MAX,
  nameProblem,
  NAMESPACE_RULE,
  USER_PATTERN,
  USER_RULE,
  WORKDIR_RULE,
} from '../../common/container-names';
import { fitsBytes, MAX_REQUEST_BYTES } from '../../common/rpc';
import { UsageError } from './args';

type Kind = 'bool' | 'value' | 'list';
const OPTIONS: Record<string, { kind: Kind; short?: string }> = {
  detach: { kind: 'bool', short: 'd' },
  rm: { kind: 'bool' },
  name: { kind: 'value' },
  entrypoint: { kind: 'value' },
  env: { kind: 'list', short: 'e' },
  'env-file': { kind: 'list' },
  workdir: { kind: 'value', short: 'w' },
  user: { kind: 'value', short: 'u' },
  volume: { kind: 'list', short: 'v' },
  label: { kind: 'list', short: 'l' },
  net: { kind: 'value' },
  publish: { kind: 'list', short: 'p' },
  restart: { kind: 'value' },
  network: { kind: 'value' },
  namespace: { kind: 'value', short: 'n' },
  control: { kind: 'value' },
  json: { kind: 'bool' },
  help: { kind: 'bool', short: 'h' },
};
const SHORT = new Map(
  Object.entries(OPTIONS)
    .filter(([, o]) => o.short)
    .map(([k, o]) => [o.short!, k]),
);

export interface RunArgs {
  bools: Set<string>;
  values: Map<string, string>;
  lists: Map<string, string[]>;
  image: string | null;
  command: string[];
}

/** docker's -i / -t: a terminal attached to the container's first process, which run lacks. */
const NO_TTY =
  'an attached terminal (-i, -t) is not supported by run; run it detached, then open a shell: ' +
  'cdesk run -d --name NAME IMAGE sleep infinity && cdesk exec -it NAME sh';

/** Split argv into options (up to IMAGE), IMAGE and the command after it. */
export function splitRunArgs(argv: string[]): RunArgs {
  const out: RunArgs = {
    bools: new Set(),
    values: new Map(),
    lists: new Map(),
    image: null,
    command: [],
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      out.image = argv[i + 1] ?? null;
      out.command = argv.slice(i + 2);
      return out;
    }
    if (!a.startsWith('-') || a === '-') {
      out.image = a;
      out.command = argv.slice(i + 1);
      return out;
    }
    if (['--interactive', '--tty'].includes(a) || /^-[dhit]*[it][dhit]*$/.test(a))
      throw new UsageError(`${a}: ${NO_TTY}`);
    let name: string;
    let inline: string | undefined;
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      name = eq === -1 ? a.slice(2) : a.slice(2, eq);
      inline = eq === -1 ? undefined : a.slice(eq + 1);
    } else {
      const long = SHORT.get(a[1]!);
      if (!long) throw new UsageError(`unknown option ${a}`);
      name = long;
      if (a.length > 2) {
        // -dit-style groups of booleans, or -eK=V / -v/a:/b with the value attached.
        if (OPTIONS[name]!.kind === 'bool') {
          for (const ch of a.slice(1)) {
            const n = SHORT.get(ch);
            if (!n || OPTIONS[n]!.kind !== 'bool')
              throw new UsageError(`unknown option -${ch} in ${a}`);
            out.bools.add(n);
          }
          continue;
        }
        inline = a.slice(2);
      }
    }
    const o = Object.hasOwn(OPTIONS, name) ? OPTIONS[name] : undefined;
    if (!o) throw new UsageError(`unknown option --${name}`);
    if (o.kind === 'bool') {
      if (inline !== undefined) throw new UsageError(`option --${name} takes no value`);
      out.bools.add(name);
      continue;
    }
    const value = inline ?? argv[++i];
    if (value === undefined) throw new UsageError(`option --${name} needs a value`);
    if (o.kind === 'value') out.values.set(name, value);
    else out.lists.set(name, [...(out.lists.get(name) ?? []), value]);
  }
  return out;
}

/** The field's value, or a UsageError naming the flag and what was given. */
function orThrow<T>(flag: string, given: string, r: FieldResult<T>): T {
  if (!r.ok) throw new UsageError(`${flag} ${given}: ${r.error}`);
  return r.value;
}

/** `-v /host:/ctr[:ro|rw]` → a mount; the error names the flag and the form. */
export function parseVolume(v: string): BindMount {
  return orThrow('-v', v, parseVolumeField(v));
}

/** `-p [IP:]HOST:CTR[/tcp|udp]` → a port mapping; the error names the flag and the form. */
export function parsePublish(v: string): PortMapping {
  return orThrow('-p', v, parsePublishField(v));
}

/** `-e K=V`; `-e K` takes K from our own environment, as docker does (skipped when unset). */
export function parseEnv(e: string, env: NodeJS.ProcessEnv): string | null {
  if (!e.includes('=')) {
    if (!/^[^=\s]+$/.test(e)) throw new UsageError(`-e ${e}: expected KEY=VALUE`);
    return env[e] === undefined ? null : `${e}=${env[e]}`;
  }
  return orThrow('-e', e, parseEnvEntry(e));
}

/** An --env-file's lines: KEY=VALUE, blank lines and # comments skipped. */
export function parseEnvFile(path: string, text: string, env: NodeJS.ProcessEnv): string[] {
  const out: string[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trimStart();
    if (!line || line.startsWith('#')) return;
    // docker refuses these too: a shell's `export A=1` or `A = 1` would give a variable no
    // program can read.
    const key = line.split('=', 1)[0]!;
    if (/\s/.test(key))
      throw new UsageError(
        `--env-file ${path}:${i + 1}: the name "${key}" contains whitespace (write KEY=VALUE${key.startsWith('export') ? ', without export' : ''})`,
      );
    try {
      const e = parseEnv(line, env);
      if (e) out.push(e);
    } catch {
      throw new UsageError(`--env-file ${path}:${i + 1}: expected KEY=VALUE (got "${raw}")`);
    }
  });
  return out;
}

/** `-l K=V` labels. */
export function parseLabels(ls: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const l of ls) {
    const eq = l.indexOf('=');
    const key = eq === -1 ? l : l.slice(0, eq);
    if (!key) throw new UsageError(`-l ${l}: expected KEY=VALUE`);
    out[key] = eq === -1 ? '' : l.slice(eq + 1);
  }
  return out;
}

/** The run payload from split arguments (env files already read into `envFiles`). */
export function runPayloadFrom(
  a: RunArgs,
  env: NodeJS.ProcessEnv,
  envFiles: { path: string; text: string }[],
): RunPayload {
  if (!a.image) throw new UsageError('missing IMAGE (cdesk images lists the local ones)');
  const ns = a.values.get('namespace') ?? 'default';
  const nsProblem = nameProblem(ns, NAMESPACE_RULE);
  if (nsProblem !== null) throw new UsageError(`--namespace ${ns}: ${nsProblem}`);
  const net = a.values.get('net') ?? a.values.get('network');
  if (net !== undefined) {
    const r = parseNetwork(net);
    if (!r.ok) throw new UsageError(`--net ${r.error} (got ${net})`);
  }
  const ports = (a.lists.get('publish') ?? []).map(parsePublish);
  if (ports.length && net !== undefined && net !== 'bridge')
    throw new UsageError(`-p ${PORTS_NEED_BRIDGE} (--net ${net})`);
  const restart = a.values.get('restart');
  if (restart !== undefined) orThrow('--restart', restart, parseRestart(restart));
  if (restart && restart !== 'no' && a.bools.has('rm'))
    throw new UsageError(`--restart and --rm conflict: --restart ${RM_RESTART_CONFLICT}`);
  const name = a.values.get('name');
  if (name !== undefined) orThrow('--name', name, parseContainerName(name));
  const workdir = a.values.get('workdir');
  // -w "" is docker's "the image's own", as no -w.
  if (workdir && !workdir.startsWith('/')) throw new UsageError(`-w ${workdir}: ${WORKDIR_RULE}`);
  const user = a.values.get('user');
  if (user !== undefined && !USER_PATTERN.test(user))
    throw new UsageError(`-u ${JSON.stringify(user)}: ${USER_RULE}`);
  if (a.command.length > ARGV_MAX)
    throw new UsageError(
      `the command has ${a.command.length} arguments, at most ${ARGV_MAX} (pass a list in a file or through sh -c)`,
    );
  const envs = [
    ...envFiles.flatMap((f) => parseEnvFile(f.path, f.text, env)),
    ...(a.lists.get('env') ?? []).map((e) => parseEnv(e, env)).filter((e): e is string => !!e),
  ];
  const entry = a.values.get('entrypoint');
  const p: RunPayload = {
    namespace: ns,
    image: a.image,
    env: envs,
    mounts: (a.lists.get('volume') ?? []).map(parseVolume),
    labels: parseLabels(a.lists.get('label') ?? []),
    rm: a.bools.has('rm'),
  };
  // The CLI removes an attached --rm container itself after its last read; the app only if it dies.
  if (p.rm && !a.bools.has('detach')) p.attached = true;
  if (a.values.has('name')) p.name = a.values.get('name')!;
  if (entry !== undefined) p.entrypoint = entry === '' ? [] : [entry];
  if (a.command.length) p.args = a.command;
  if (workdir) p.workdir = workdir;
  if (a.values.has('user')) p.user = a.values.get('user')!;
  if (restart !== undefined) p.restart = restart;
  // Without --net the app picks: bridge where the CNI plugins are, else host.
  if (net !== undefined) p.net = net as RunPayload['net'];
  if (ports.length) p.ports = ports;
  // One request carries the whole run: say what to shrink rather than the transport's limit.
  if (!fitsBytes(JSON.stringify({ id: 0, cmd: 'container:run', payload: p }), MAX_REQUEST_BYTES))
    throw new UsageError(
      `the command, environment (-e, --env-file), labels and mounts add up to over ${MAX_REQUEST_BYTES / 1024} KiB, more than the app takes in one request: pass fewer or shorter ones (e.g. a file mounted with -v)`,
    );
  return p;
}
