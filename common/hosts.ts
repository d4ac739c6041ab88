// Other machines' Containerd Desktop: host names and `ssh://user@host[:port]` URLs (no zod: every command's cold path reads this).
/** The name of this machine's own app; never saved, never taken by a saved host. */
export const LOCAL_HOST = 'local';

/**
 * How often a window's countdowns to hosts' next attempts move (all on the same boundary of the
 * wall clock), and so how often the app tells it of retry times alone (hosts:retries).
 */
export const RETRY_STEP_MS = 5000;

/** A saved host: a name, where to reach it, and optionally which key to offer. */
export interface SavedHost {
  name: string;
  url: string;
  /** An absolute path to a private key (ssh -i); else ssh's own config and agent decide. */
  identity?: string;
}

/** Where ssh connects: what `ssh [-l user] [-p port] [-i identity] host` needs. */
export interface SshTarget {
  /** The saved name, or the URL itself for `-H ssh://…`. */
  label: string;
  url: string;
  user?: string;
  host: string;
  port?: number;
  identity?: string;
  /**
   * Agentless: the absolute path of a bare containerd socket on that host (the URL's path), reached
   * by OpenSSH stream-local forwarding instead of `cdesk dial-stdio`; only reading works there.
   */
  socket?: string;
}

// As docker context names: a letter or digit, then letters, digits, `_ . + -`; short enough to print.
export const HOST_NAME_PATTERN = /^[a-zA-Z0-9][a-zA-Z0-9_.+-]{0,62}$/;
// Login names as useradd takes them (no leading `-`, so ssh can never read one as an option).
const USER = /^[a-zA-Z0-9_][a-zA-Z0-9_.-]{0,31}$/;
// DNS names and IPv4; no leading `-` for the same reason.
const HOSTNAME = /^[a-zA-Z0-9](?:[a-zA-Z0-9.-]{0,252})$/;
const IPV6 = /^\[([0-9a-fA-F:.]{2,45})\]$/;

/** Why `name` cannot name a host, or null. */
export function hostNameProblem(name: string): string | null {
  if (name === LOCAL_HOST) return `"${LOCAL_HOST}" is this machine's own app; pick another name`;
  if (!HOST_NAME_PATTERN.test(name))
    return `"${name}" is not a host name: use letters, digits and _ . + - (starting with a letter or digit, at most 63)`;
  return null;
}

/** `-H` takes a URL when it has a scheme; anything else is a saved name. */
export const looksLikeUrl = (s: string): boolean => s.includes('://');

const URL_FORM =
  'ssh://user@host[:port][/path/to/containerd.sock] (e.g. ssh://dev@buildbox, or ssh://me@node1/run/containerd/containerd.sock for a bare containerd)';

/** A unix socket path is at most 107 bytes; ssh binds our end of the forward, so keep well inside it. */
export const MAX_SOCKET_PATH_BYTES = 100;

// Plain characters only: the path reaches ssh's -L argument and a remote diagnostic command.
const SOCKET_CHARS = /^[A-Za-z0-9._/-]+$/;

/** Why `path` cannot name a remote containerd socket (the URL's path), or null. */
export function socketPathProblem(path: string): string | null {
  const form = 'an absolute path such as /run/containerd/containerd.sock';
  if (!path.startsWith('/')) return `the socket path "${path}" is not absolute: give ${form}`;
  if (path.length > MAX_SOCKET_PATH_BYTES)
    return `the socket path is ${path.length} bytes, longer than a unix socket path may be here (${MAX_SOCKET_PATH_BYTES}): give a shorter path to the socket (or a symlink to it)`;
  if (!SOCKET_CHARS.test(path))
    return `the socket path "${path}" has characters other than letters, digits and . _ - /: give ${form}`;
  const parts = path.slice(1).split('/');
  if (parts.some((p) => p === '' || p === '.' || p === '..'))
    return `the socket path "${path}" is not normalized (no "//", "." or ".." parts, no trailing "/"): give ${form}`;
  return null;
}

/** Parse `ssh://[user@]host[:port]`; a string error says what is wrong and the form it takes. */
export function parseHostUrl(
  url: string,
  label = url,
  identity?: string,
): { ok: true; target: SshTarget } | { ok: false; error: string } {
  const bad = (why: string) => ({ ok: false as const, error: `${why}; the form is ${URL_FORM}` });
  const m = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\/(.*)$/.exec(url);
  if (!m) return bad(`"${url}" is not a host URL`);
  if (m[1]!.toLowerCase() !== 'ssh') return bad(`"${m[1]}://" is not supported, only ssh://`);
  let rest = m[2]!;
  if (/[?#\s]/.test(rest)) return bad(`"${url}" has a query, fragment or spaces`);
  let socket: string | undefined;
  const slash = rest.indexOf('/');
  if (slash !== -1) {
    // A lone trailing "/" is no path; anything more names a bare containerd's socket (agentless).
    const path = rest.slice(slash);
    rest = rest.slice(0, slash);
    if (path !== '/') {
      const problem = socketPathProblem(path);
      if (problem) return bad(problem);
      socket = path;
    }
  }
  let user: string | undefined;
  const at = rest.lastIndexOf('@');
  if (at !== -1) {
    user = rest.slice(0, at);
    rest = rest.slice(at + 1);
    if (user.includes(':')) return bad('a password in the URL is not supported (use a key)');
    if (!USER.test(user)) return bad(`"${user}" is not a user name`);
  }
  let port: number | undefined;
  const v6 = /^(\[[^\]]*\])(?::(\d*))?$/.exec(rest);
  const hp = v6 ?? /^([^:]*)(?::(\d*))?$/.exec(rest);
  if (!hp) return bad(`"${rest}" is not host[:port]`);
  let host = hp[1]!;
  if (hp[2] !== undefined) {
    port = Number(hp[2]);
    if (!/^\d{1,5}$/.test(hp[2]) || port < 1 || port > 65535)
      return bad(`the port "${hp[2]}" is not a number from 1 to 65535`);
  }
  const six = IPV6.exec(host);
  if (six) host = six[1]!;
  else if (!HOSTNAME.test(host)) return bad(`"${host}" is not a host name or address`);
  const target: SshTarget = { label, url, host };
  if (user !== undefined) target.user = user;
  if (port !== undefined) target.port = port;
  if (identity !== undefined) target.identity = identity;
  if (socket !== undefined) target.socket = socket;
  return { ok: true, target };
}

/** The SSH target of a saved host (its URL was validated when it was read). */
export function targetOf(h: SavedHost): SshTarget {
  const r = parseHostUrl(h.url, h.name, h.identity);
  if (!r.ok) throw new Error(r.error);
  return r.target;
}

/** How the app reaches a host: itself, another Containerd Desktop over ssh, or a bare containerd socket over ssh. */
export type HostKind = 'local' | 'app' | 'agentless';

/** One row of the hosts overview: what the link knows, with the same truth rules as the status badge. */
export interface HostView {
  /** `local` for this machine's own app, else the saved name. */
  name: string;
  /** The saved URL; null for local. */
  url: string | null;
  kind: HostKind;
  /** The link itself: connecting, up, or down (reconnecting with backoff). Local is always up. */
  phase: 'connecting' | 'up' | 'down';
  /** containerd's state as the host last reported it while the link was up; 'unknown' whenever it is not. */
  state: import('./states').DaemonState | 'unknown';
  /** When the host last answered (epoch ms); null before the first answer. */
  lastSeen: number | null;
  /** One status request's round trip over the link (ms), as of lastSeen; 0 for local. */
  latencyMs: number | null;
  /** containerd's version on that host, as of lastSeen. */
  version: string | null;
  containers: { running: number; total: number } | null;
  /** Problems the host reports (plugin errors…), as of lastSeen. */
  problems: number;
  /** Why the link is down or the last attempt failed (what to run is in the hint). */
  error: import('./contract').ContractError | null;
  /** When the next attempt is due while down (epoch ms). */
  retryAt: number | null;
  /** Set when only reading works there (agentless): the reason an action is disabled. */
  readOnly: string | null;
}

/** How a saved URL reaches its host: a path names a bare containerd's socket (agentless). */
export function hostKindOf(url: string): Exclude<HostKind, 'local'> {
  const r = parseHostUrl(url);
  return r.ok && r.target.socket !== undefined ? 'agentless' : 'app';
}

/**
 * The only commands an agentless host answers: reading what its containerd holds. Every other
 * command is refused there with 'host-read-only' (the window disables those actions from this list).
 */
export const AGENTLESS_READ_COMMANDS = [
  'daemon:status',
  'namespaces:list',
  'containers:list',
  'images:list',
  'plugins:list',
  'events:recent',
  'tasks:stats',
  'container:inspect',
  'task:wait',
] as const satisfies readonly import('./contract').CommandName[];

/** Whether an agentless host answers `cmd`. */
export function agentlessReads(cmd: string): boolean {
  return (AGENTLESS_READ_COMMANDS as readonly string[]).includes(cmd);
}

/** Kubernetes' namespace: on a node, that is where the pods' containers and images are. */
export const K8S_NAMESPACE = 'k8s.io';

/**
 * The namespace to show first on a host: `k8s.io` on an agentless host (a Kubernetes node) that
 * has it, else `default` (the one ctr, nerdctl and the app use).
 */
export function preferredNamespace(
  namespaces: readonly (string | { name: string })[],
  kind: HostKind,
): string {
  const names = namespaces.map((n) => (typeof n === 'string' ? n : n.name));
  if (kind === 'agentless' && names.includes(K8S_NAMESPACE)) return K8S_NAMESPACE;
  return 'default';
}
