// `cdesk run`'s command line, docker's way: options before IMAGE, everything after it is
// the command (its own `-c` included); -e/-v/-l/--env-file repeat. Pure: files are read by the caller.
import { envEntry, NETWORK_MODES, type RunPayload } from '../../common/container-commands';
import { namespaceName } from '../../common/containerd-commands';
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

/** `-v /host:/ctr[:ro|rw]` → a mount; the error names the flag and the form. */
export function parseVolume(v: string): { source: string; destination: string; readonly: boolean } {
  const parts = v.split(':');
  const bad = () =>
    new UsageError(
      `-v ${v}: expected /host/path:/container/path[:ro|rw] (both absolute paths; named volumes are not supported)`,
    );
  if (parts.length < 2 || parts.length > 3) throw bad();
  const [source, destination, mode] = parts as [string, string, string | undefined];
  if (!source.startsWith('/') || !destination.startsWith('/')) throw bad();
  if (mode !== undefined && mode !== 'ro' && mode !== 'rw') throw bad();
  return { source, destination, readonly: mode === 'ro' };
}

/** `-p [IP:]HOST:CTR[/tcp|udp]` → a port mapping; the error names the flag and the form. */
export function parsePublish(v: string): NonNullable<RunPayload['ports']>[number] {
  const m = /^(?:(\d{1,3}(?:\.\d{1,3}){3}):)?(\d{1,5}):(\d{1,5})(?:\/(tcp|udp))?$/.exec(v);
  const port = (s: string) => {
    const n = Number(s);
    return n >= 1 && n <= 65535 ? n : null;
  };
  const hostPort = m ? port(m[2]!) : null;
  const containerPort = m ? port(m[3]!) : null;
  const ipOk = !m?.[1] || m[1].split('.').every((o) => Number(o) <= 255);
  if (!m || !hostPort || !containerPort || !ipOk)
    throw new UsageError(
      `-p ${v}: expected [IP:]HOST:CONTAINER[/tcp|udp], ports 1-65535 (e.g. -p 127.0.0.1:8080:80)`,
    );
  return {
    ...(m[1] ? { hostIp: m[1] } : {}),
    hostPort,
    containerPort,
    protocol: (m[4] as 'tcp' | 'udp' | undefined) ?? 'tcp',
  };
}

/** `-e K=V`; `-e K` takes K from our own environment, as docker does (skipped when unset). */
export function parseEnv(e: string, env: NodeJS.ProcessEnv): string | null {
  if (!e.includes('=')) {
    if (!/^[^=\s]+$/.test(e)) throw new UsageError(`-e ${e}: expected KEY=VALUE`);
    return env[e] === undefined ? null : `${e}=${env[e]}`;
  }
  if (!envEntry.safeParse(e).success)
    throw new UsageError(`-e ${e}: expected KEY=VALUE (KEY not empty)`);
  return e;
}

/** An --env-file's lines: KEY=VALUE, blank lines and # comments skipped. */
export function parseEnvFile(path: string, text: string, env: NodeJS.ProcessEnv): string[] {
  const out: string[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trimStart();
    if (!line || line.startsWith('#')) return;
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
  const nsOk = namespaceName.safeParse(ns);
  if (!nsOk.success) throw new UsageError(`--namespace ${ns}: ${nsOk.error.issues[0]?.message}`);
  const net = a.values.get('net') ?? a.values.get('network');
  if (net !== undefined && !(NETWORK_MODES as readonly string[]).includes(net)) {
    throw new UsageError(`--net must be one of ${NETWORK_MODES.join(', ')} (got ${net})`);
  }
  const ports = (a.lists.get('publish') ?? []).map(parsePublish);
  if (ports.length && net !== undefined && net !== 'bridge')
    throw new UsageError(`-p needs the bridge network; --net ${net} has no published ports`);
  const restart = a.values.get('restart');
  if (restart !== undefined && !/^(no|always|unless-stopped|on-failure(:\d{1,6})?)$/.test(restart))
    throw new UsageError(
      `--restart ${restart}: expected no, always, unless-stopped or on-failure[:N] (N a retry count)`,
    );
  if (restart && restart !== 'no' && a.bools.has('rm'))
    throw new UsageError('--restart and --rm conflict: a container removed on exit cannot restart');
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
    rm: a.bools.has('rm') && a.bools.has('detach'),
  };
  if (a.values.has('name')) p.name = a.values.get('name')!;
  if (entry !== undefined) p.entrypoint = entry === '' ? [] : [entry];
  if (a.command.length) p.args = a.command;
  if (a.values.has('workdir')) p.workdir = a.values.get('workdir')!;
  if (a.values.has('user')) p.user = a.values.get('user')!;
  if (restart !== undefined) p.restart = restart;
  // Without --net the app picks: bridge where the CNI plugins are, else host.
  if (net !== undefined) p.net = net as RunPayload['net'];
  if (ports.length) p.ports = ports;
  return p;
}
