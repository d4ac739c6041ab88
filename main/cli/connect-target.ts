// Where a command's control connection goes: the local app (--control, the default socket) or another
// machine's over ssh (-H NAME|URL, else $CDESK_HOST).
import { LOCAL_HOST } from '../../common/hosts';
import { connectControl, type ControlClient } from '../control-socket/control-client';
import { defaultControlPath } from '../control-socket/control-paths';
import { UsageError, type Parsed } from './args';

/** The environment variable `-H` falls back to, as DOCKER_HOST for `docker -H`. */
export const HOST_ENV = 'CDESK_HOST';

/** -H's value, else $CDESK_HOST (unless --control names a socket); null for this machine. */
export function hostChoice(flags: Parsed['flags'], env: NodeJS.ProcessEnv): string | null {
  const flag = typeof flags.host === 'string' ? flags.host : undefined;
  if (flag !== undefined && typeof flags.control === 'string')
    throw new UsageError('-H and --control both say where to connect; give one of them');
  const host = flag ?? (typeof flags.control === 'string' ? undefined : env[HOST_ENV]);
  return host && host !== LOCAL_HOST ? host : null;
}

/** Connect as the flags say; AppErrors ('no-app', 'unknown-host', 'ssh-…') say what to do. */
export async function connectTarget(
  flags: Parsed['flags'],
  env: NodeJS.ProcessEnv,
): Promise<ControlClient> {
  // Node would take "" for a TCP port and throw: say what the flag wants instead.
  if (flags.control === '')
    throw new UsageError(
      "--control needs the path of the app's control socket (leave it out for the default)",
    );
  const host = hostChoice(flags, env);
  if (host !== null) {
    // Loaded only for -H: the hosts file's schema (zod) and ssh stay off every local command's path.
    const { defaultHostsFile, resolveHost } = await import('../hosts/hosts-file');
    const target = await resolveHost(defaultHostsFile(env), host);
    // A URL with a socket path: a bare containerd there, forwarded and read-only.
    if (target?.socket !== undefined)
      return (await import('../hosts/agentless')).connectAgentless(target, { env });
    if (target) return (await import('../control-socket/ssh-link')).connectSsh(target, { env });
  }
  return connectControl(
    typeof flags.control === 'string' ? flags.control : defaultControlPath(env),
  );
}

/**
 * For commands whose request names a file on this machine (load, save): the app on another host
 * would open *its* path (or, for stdin, another process's /proc/PID/fd/0 there), so -H is refused.
 */
export function refuseRemoteFiles(
  flags: Parsed['flags'],
  env: NodeJS.ProcessEnv,
  verb: string,
): void {
  const host = hostChoice(flags, env);
  if (host !== null)
    throw new UsageError(
      `${verb} with -H ${host} is not supported: the app there would use its own files, not this machine's; copy the archive over and run \`cdesk ${verb}\` on that host (e.g. ssh HOST cdesk ${verb} …)`,
    );
}
