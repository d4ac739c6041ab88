// The closed list of error codes that may cross any transport; the type (here) and the schema (contract.ts) derive from it.
// No zod import: the preload bundle uses this list and must stay small.

/**
 * Every `error.code` a client can see. Adding a code is one line here; a code not listed here is a
 * type error wherever an error is built (ContractError, AppError, EngineError).
 */
export const ERROR_CODES = [
  // The request itself (any transport).
  'unknown-command',
  'bad-request',
  'bad-payload',
  'request-too-large',
  /** The answer exists but is bigger than a reply may be: page it (logs:read maxBytes / sinceSeq). */
  'reply-too-large',
  /** The transport broke (IPC threw, socket write failed…); the command may or may not have run. */
  'transport-failed',
  /** The connection closed with the request unanswered. */
  'disconnected',
  'forbidden-sender',
  'internal',
  // Reaching the app (CLI → control socket).
  'no-app',
  'control-denied',
  'control-connect',
  'control-listen',
  'control-dir',
  'control-dir-unsafe',
  'control-path-taken',
  'control-path-too-long',
  /** The CLI and the running app are from builds that speak different control protocols. */
  'protocol-mismatch',
  'control-in-use',
  // Headless mode.
  'port-in-use',
  'listen-failed',
  'renderer-missing',
  'token-file',
  // Settings.
  'invalid-settings',
  'invalid-override',
  'settings-write',
  // The engine (EngineError).
  'binary-missing',
  'binary-not-executable',
  'binary-is-directory',
  'config-invalid',
  'overrides-invalid',
  'socket-path-too-long',
  'state-dir',
  'pidfile-write',
  'spawn-failed',
  'startup-timeout',
  'crash-loop',
  'busy',
  // containerd's own API (inside commands).
  /** No containerd API client in this instance, or containerd is not reachable right now. */
  'containerd-api-unavailable',
  'containerd-api-error',
  'containerd-timeout',
  'not-found',
  'already-exists',
  'in-use',
  'failed-precondition',
  /** containerd's disk is full (ENOSPC). */
  'no-space',
  // Pulling from a registry.
  /** The image reference is malformed. */
  'bad-reference',
  /** The registry answered 401/403: credentials missing or refused. */
  'registry-unauthorized',
  /** The registry could not be reached (connection refused, DNS, TLS). */
  'registry-unreachable',
  /** The registry answered something unusable (5xx, a bad manifest, no manifest for the platform). */
  'registry-error',
  /** The docker-credential-NAME helper the docker config names is missing or failed. */
  'credential-helper',
  /** A blob's bytes do not match its digest (or its size). */
  'digest-mismatch',
  /** The action was cancelled on request. */
  'cancelled',
  // Image archives (load / save).
  /** The file is not an image archive (docker save or OCI layout tar), or is damaged. */
  'bad-archive',
  /** The archive file could not be opened, read or written. */
  'file-access',
  // Exec: docker's exit codes 127 and 126 for a command that cannot run.
  'command-not-found',
  'command-not-executable',
  // Other hosts (hosts.json, -H, ssh).
  /** The saved hosts file is not valid JSON of the expected shape. */
  'invalid-hosts',
  /** A host name, URL or identity file given to host add or -H is not usable. */
  'invalid-host',
  /** -H names no saved host. */
  'unknown-host',
  /** ssh refused the remote host's key (unknown or changed). */
  'ssh-host-key',
  /** The remote sshd refused every key ssh offered. */
  'ssh-auth',
  /** ssh logged in but the remote side has no cdesk on its PATH. */
  'ssh-no-cdesk',
  /** ssh could not reach the host (refused, timed out, unknown name). */
  'ssh-unreachable',
  /** ssh failed otherwise (not installed, or the link dropped). */
  'ssh-failed',
  /** The host is agentless (a bare containerd over ssh): only reading works there. */
  'host-read-only',
  /** ssh could not open the agentless host's containerd socket (missing, no access, forwarding off). */
  'host-socket',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

const KNOWN: ReadonlySet<string> = new Set(ERROR_CODES);

/** Is `code` on the list? (For data arriving from outside, e.g. a reply read off a socket.) */
export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && KNOWN.has(code);
}
