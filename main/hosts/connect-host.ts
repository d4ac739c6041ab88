// How the app reaches a saved host: one place that picks the transport for a target (ssh + `cdesk dial-stdio`, or a forwarded containerd socket).
import type { SshTarget } from '../../common/hosts';
import type { ControlClient } from '../control-socket/control-client';
import { connectSsh, type SshLinkOptions } from '../control-socket/ssh-link';
import { connectAgentless } from './agentless';

/** Open a ControlClient to the app on `target` (the hub's `connect`). */
export function connectHost(target: SshTarget, opts: SshLinkOptions = {}): Promise<ControlClient> {
  // A socket path in the URL: no app there, containerd's own API through an ssh forward.
  if (target.socket !== undefined) return connectAgentless(target, opts);
  return connectSsh(target, opts);
}
