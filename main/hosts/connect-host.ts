// How the app reaches a saved host: one place that picks the transport for a target (ssh + `cdesk dial-stdio`, or a forwarded containerd socket).
import { connect as tcpConnect } from 'node:net';
import type { SshTarget } from '../../common/hosts';
import type { ControlClient } from '../control-socket/control-client';
import {
  connectSsh,
  isConnectFailure,
  SSH_CONNECT_TIMEOUT_S,
  SshUnreachableError,
  type ConnectFailureHow,
  type SshLinkOptions,
} from '../control-socket/ssh-link';
import { connectAgentless } from './agentless';

/** Open a ControlClient to the app on `target` (the hub's `connect`). */
export function connectHost(target: SshTarget, opts: SshLinkOptions = {}): Promise<ControlClient> {
  // A socket path in the URL: no app there, containerd's own API through an ssh forward.
  if (target.socket !== undefined) return connectAgentless(target, opts);
  return connectSsh(target, opts);
}

/**
 * ssh runs at least this often for a host whose address is checked without it, so a fixed
 * ~/.ssh/config (another HostName, Port or ProxyJump) is picked up within this long.
 */
export const SSH_RECHECK_MS = 5 * 60_000;

/** Addresses remembered at most (saved hosts are far fewer; URLs of removed hosts age out). */
const MAX_REMEMBERED = 1000;

/** Whether `host`:`port` accepts a TCP connection now, or how the connect failed. */
export type TcpProbe = (
  host: string,
  port: number,
  timeoutMs: number,
) => Promise<'accepted' | ConnectFailureHow | 'other'>;

export interface HostConnectorOptions extends SshLinkOptions {
  /** How a remembered address is checked (a TCP connect; a stand-in in tests). */
  probe?: TcpProbe;
  /** How a host is reached once its address accepts (connectHost; a stand-in in tests). */
  connect?: (t: SshTarget, opts: SshLinkOptions) => Promise<ControlClient>;
  now?: () => number;
}

/**
 * The hub's `connect`: connectHost, except that a host whose address ssh could not reach last
 * time (refused, timed out, no route) is first checked with a plain TCP connect to that address,
 * and while it still fails the same way, the attempt fails with ssh's error from last time without
 * running ssh. Each ssh costs ~30 ms of CPU; a fleet of machines switched off for the day is
 * retried at every backoff step, and a connect costs next to nothing.
 */
export function createHostConnector(
  opts: HostConnectorOptions = {},
): (t: SshTarget) => Promise<ControlClient> {
  const { probe = tcpProbe, connect = connectHost, now = Date.now, ...linkOpts } = opts;
  const unreachable = new Map<string, { error: SshUnreachableError; since: number }>();
  return async (t) => {
    // Per saved host, not per URL: the error names the host it was raised for.
    const key = `${t.label}\n${t.url}`;
    const last = unreachable.get(key);
    if (last && last.error.failure && now() - last.since < SSH_RECHECK_MS) {
      const { host, port, how } = last.error.failure;
      if ((await probe(host, port, SSH_CONNECT_TIMEOUT_S * 1000)) === how) throw last.error;
    }
    unreachable.delete(key);
    try {
      return await connect(t, linkOpts);
    } catch (err) {
      if (err instanceof SshUnreachableError && err.failure) {
        unreachable.set(key, { error: err, since: now() });
        if (unreachable.size > MAX_REMEMBERED) unreachable.delete(unreachable.keys().next().value!);
      }
      throw err;
    }
  };
}

/** One TCP connect, closed as soon as it is open: nothing is sent, so sshd only logs a closed connection. */
export const tcpProbe: TcpProbe = (host, port, timeoutMs) =>
  new Promise((resolve) => {
    const socket = tcpConnect({ host, port });
    const done = (r: Awaited<ReturnType<TcpProbe>>) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(r);
    };
    const timer = setTimeout(() => done('ETIMEDOUT'), timeoutMs);
    socket.once('connect', () => done('accepted'));
    socket.once('error', (err: NodeJS.ErrnoException) => {
      const code = err.code ?? '';
      done(isConnectFailure(code) ? code : 'other');
    });
  });
