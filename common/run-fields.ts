// The fields of a run, parsed the one way both the CLI (`cdesk run -p/-v/-e/--restart/--name`)
// and the window's Run… form read them: each parser returns the value or the reason, and the
// caller names the field (the CLI as the flag, the form next to the input).
// Plain patterns, not the zod schemas: `cdesk run` parses its flags with this module (no zod there).
import type { RunPayload } from './container-commands';
import {
  CONTAINER_ID_RULE,
  isEnvEntry,
  nameProblem,
  NETWORK_MODES,
  type NetworkMode,
} from './container-names';

export type FieldResult<T> = { ok: true; value: T } | { ok: false; error: string };

const ok = <T>(value: T): FieldResult<T> => ({ ok: true, value });
const bad = <T>(error: string): FieldResult<T> => ({ ok: false, error });

export type PortMapping = NonNullable<RunPayload['ports']>[number];
export type BindMount = NonNullable<RunPayload['mounts']>[number];

/** `[IP:]HOST:CTR[/tcp|udp]` → a port mapping. */
export function parsePublish(v: string): FieldResult<PortMapping> {
  const m = /^(?:(\d{1,3}(?:\.\d{1,3}){3}):)?(\d{1,5}):(\d{1,5})(?:\/(tcp|udp))?$/.exec(v);
  const port = (s: string) => {
    const n = Number(s);
    return n >= 1 && n <= 65535 ? n : null;
  };
  const hostPort = m ? port(m[2]!) : null;
  const containerPort = m ? port(m[3]!) : null;
  const ipOk = !m?.[1] || m[1].split('.').every((o) => Number(o) <= 255);
  if (!m || !hostPort || !containerPort || !ipOk)
    return bad(
      'expected [IP:]HOST:CONTAINER[/tcp|udp], ports 1-65535 (e.g. 127.0.0.1:8080:80 or 8080:80)',
    );
  return ok({
    ...(m[1] ? { hostIp: m[1] } : {}),
    hostPort,
    containerPort,
    protocol: (m[4] as 'tcp' | 'udp' | undefined) ?? 'tcp',
  });
}

/** `/host:/ctr[:ro|rw]` → a bind mount. */
export function parseVolume(v: string): FieldResult<BindMount> {
  const parts = v.split(':');
  const no = () =>
    bad<BindMount>(
      'expected /host/path:/container/path[:ro|rw] (both absolute paths; named volumes are not supported)',
    );
  if (parts.length < 2 || parts.length > 3) return no();
  const [source, destination, mode] = parts as [string, string, string | undefined];
  if (!source.startsWith('/') || !destination.startsWith('/')) return no();
  if (mode !== undefined && mode !== 'ro' && mode !== 'rw') return no();
  // Over the root the container has no /proc, /dev or its own files left: docker refuses it too.
  if (/^\/+$/.test(destination))
    return bad("the container path can't be / (mount it at a folder, e.g. /data)");
  return ok({ source, destination, readonly: mode === 'ro' });
}

/** `KEY=VALUE` (KEY not empty, no NUL). */
export function parseEnvEntry(e: string): FieldResult<string> {
  return isEnvEntry(e) ? ok(e) : bad('expected KEY=VALUE (KEY not empty)');
}

/** docker's --restart policies. */
export const RESTART_POLICIES = ['no', 'always', 'unless-stopped', 'on-failure'] as const;

export function parseRestart(v: string): FieldResult<string> {
  return /^(no|always|unless-stopped|on-failure(:\d{1,6})?)$/.test(v)
    ? ok(v)
    : bad('expected no, always, unless-stopped or on-failure[:N] (N a retry count)');
}

export function parseContainerName(v: string): FieldResult<string> {
  const problem = nameProblem(v, CONTAINER_ID_RULE);
  return problem === null ? ok(v) : bad(problem);
}

export function parseNetwork(v: string): FieldResult<NetworkMode> {
  return (NETWORK_MODES as readonly string[]).includes(v)
    ? ok(v as NetworkMode)
    : bad(`must be one of ${NETWORK_MODES.join(', ')}`);
}

/** Published ports need the bridge: with host networking the port is the host's already. */
export const PORTS_NEED_BRIDGE = 'needs the bridge network; host and none have no published ports';

/** The restart policy and auto-remove exclude each other. */
export const RM_RESTART_CONFLICT =
  'conflicts with remove-on-exit: a container removed when it exits cannot restart';

/**
 * A command line typed in one field → argv, as a shell splits words (no expansion, nothing run):
 * blanks separate, '…' keeps everything, "…" and \ escape.
 */
export function splitCommandLine(text: string): FieldResult<string[]> {
  const out: string[] = [];
  let word: string | null = null;
  let quote: "'" | '"' | null = null;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quote === "'") {
      if (ch === "'") quote = null;
      else word = (word ?? '') + ch;
    } else if (quote === '"') {
      if (ch === '"') quote = null;
      else if (ch === '\\' && i + 1 < text.length && '"\\$`'.includes(text[i + 1]!))
        word = (word ?? '') + text[++i]!;
      else word = (word ?? '') + ch;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      word ??= '';
    } else if (ch === '\\' && i + 1 < text.length) {
      word = (word ?? '') + text[++i]!;
    } else if (/\s/.test(ch)) {
      if (word !== null) out.push(word);
      word = null;
    } else word = (word ?? '') + ch;
  }
  if (quote) return bad(`unclosed ${quote} quote`);
  if (word !== null) out.push(word);
  return ok(out);
}

/** What the Run… form holds: text as typed. */
export interface RunFormFields {
  namespace: string;
  image: string;
  name: string;
  command: string;
  /** KEY=VALUE, one a line. */
  env: string;
  /** -p forms, one a line (or separated by commas / blanks). */
  ports: string;
  /** -v forms, one a line. */
  volumes: string;
  /** '' (the app picks: bridge where the CNI plugins are, else host) or a mode. */
  network: string;
  /** no | always | unless-stopped | on-failure | on-failure:N. */
  restart: string;
  rm: boolean;
}

export type RunFormField = 'name' | 'command' | 'env' | 'ports' | 'volumes' | 'network' | 'restart';

/** The payload, or an error per field (the first bad entry of a list, quoted). */
export function runFormPayload(
  f: RunFormFields,
):
  { ok: true; payload: RunPayload } | { ok: false; errors: Partial<Record<RunFormField, string>> } {
  const errors: Partial<Record<RunFormField, string>> = {};
  const lines = (text: string, split: RegExp) =>
    text
      .split(split)
      .map((l) => l.trim())
      .filter(Boolean);
  const list = <T>(field: RunFormField, items: string[], parse: (s: string) => FieldResult<T>) => {
    const out: T[] = [];
    for (const item of items) {
      const r = parse(item);
      if (!r.ok) {
        errors[field] ??= `${item}: ${r.error}`;
        continue;
      }
      out.push(r.value);
    }
    return out;
  };
  const name = f.name.trim();
  if (name) {
    const r = parseContainerName(name);
    if (!r.ok) errors.name = r.error;
  }
  const cmd = splitCommandLine(f.command);
  if (!cmd.ok) errors.command = cmd.error;
  const env = list('env', lines(f.env, /\r?\n/), parseEnvEntry);
  const ports = list('ports', lines(f.ports, /[\s,]+/), parsePublish);
  const mounts = list('volumes', lines(f.volumes, /\r?\n/), parseVolume);
  let net: NetworkMode | undefined;
  if (f.network) {
    const r = parseNetwork(f.network);
    if (r.ok) net = r.value;
    else errors.network = r.error;
  }
  if (ports.length && net && net !== 'bridge') errors.ports ??= `${PORTS_NEED_BRIDGE}`;
  const restart = f.restart.trim() || 'no';
  const rr = parseRestart(restart);
  if (!rr.ok) errors.restart = rr.error;
  else if (f.rm && restart !== 'no') errors.restart = RM_RESTART_CONFLICT;
  if (Object.keys(errors).length) return { ok: false, errors };
  const payload: RunPayload = {
    namespace: f.namespace,
    image: f.image,
    env,
    mounts,
    rm: f.rm,
  };
  if (name) payload.name = name;
  if (cmd.ok && cmd.value.length) payload.args = cmd.value;
  if (ports.length) payload.ports = ports;
  if (net) payload.net = net;
  if (restart !== 'no') payload.restart = restart;
  return { ok: true, payload };
}
