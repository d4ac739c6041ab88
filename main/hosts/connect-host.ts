// How the app reaches a saved host: one place that picks the transport for a target (today ssh + `cdesk dial-stdio`).
import type { SshTarget } from '../../common/hosts';
import type { ControlClient } from '../control-socket/control-client';
import { connectSsh, type SshLinkOptions } from '../control-socket/ssh-link';

/** Open a ControlClient to the app on `target` (the hub's `connect`). */
export function connectHost(target: SshTarget, opts: SshLinkOptions = {}): Promise<ControlClient> {
  return connectSsh(target, opts);
}
