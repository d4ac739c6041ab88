// containerd's rules for namespace names, container ids and env entries, as plain patterns (no zod):
// `cdesk run` and `cdesk exec` check their flags with these, where zod's schemas would add ~40 ms of
// start-up, and the contract's schemas (container-commands.ts) are built from the same constants.

/**
 * containerd's identifier rule (namespaces, container ids; its pkg/identifiers): letters and
 * digits, one . _ or - between them (`a..b` and `a_-b` are refused there, so here too).
 */
export const NAME_PATTERN = /^[A-Za-z0-9]+(?:[._-][A-Za-z0-9]+)*$/;
export const NAME_MAX = 76;
export const NAMESPACE_RULE =
  'must be a containerd namespace name (letters, digits, one . _ - between them), e.g. default';
export const CONTAINER_ID_RULE = 'must be a container id (letters, digits, one . _ - between them)';

/** `KEY=VALUE` as docker's `-e` takes it: the key is non-empty and has no '='; no NUL. */
export const ENV_ENTRY_PATTERN = /^[^=\0]+=[^\0]*$/s;
export const ENV_ENTRY_MAX = 128 * 1024;

/** `-u` for run: a user name or uid, optionally `:group` or `:gid` (looked up in the image). */
export const USER_PATTERN =
  /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,31}(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,31})?$/;
export const USER_RULE =
  'must be a user name or uid, optionally :group or :gid, e.g. 1000:1000 or nobody';
/** `-u` for exec: the same forms, checked more loosely (the container's files decide). */
export const EXEC_USER_PATTERN = /^[A-Za-z0-9_.-]+(:[A-Za-z0-9_.-]+)?$/;
export const EXEC_USER_RULE = 'must be USER, UID, USER:GROUP or UID:GID (e.g. -u 1000:1000)';
/** Working directories (`-w`): inside the container, so absolute. */
export const WORKDIR_RULE = 'must be an absolute path in the container (e.g. -w /app)';
/** Arguments of a command line a request carries. */
export const ARGV_MAX = 1024;

export const NETWORK_MODES = ['host', 'none', 'bridge'] as const;
export type NetworkMode = (typeof NETWORK_MODES)[number];

/** Why `v` is not a valid name under `rule` (NAMESPACE_RULE, CONTAINER_ID_RULE), or null. */
export function nameProblem(v: string, rule: string): string | null {
  if (v.length > NAME_MAX) return `must be at most ${NAME_MAX} characters`;
  return NAME_PATTERN.test(v) ? null : rule;
}

export function isEnvEntry(v: string): boolean {
  return v.length <= ENV_ENTRY_MAX && ENV_ENTRY_PATTERN.test(v);
}
