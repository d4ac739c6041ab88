// `cdesk run` and `cdesk exec` in their own local bundle answer an agentless host without dialling it:
// both change something there, which a bare containerd reached over ssh is never asked to do (the
// full link answers the same), and the link's code (containerd's API, grpc-js) stays out of the bundle.
import type { SshTarget } from '../../common/hosts';
import { AppError } from '../shared/app-error';

export function connectAgentless(t: SshTarget): Promise<never> {
  return Promise.reject(
    new AppError(
      'host-read-only',
      `${t.label} is read-only (agentless: a bare containerd over ssh): run and exec need Containerd Desktop on ${t.host}`,
      `Install Containerd Desktop on ${t.host} and reach it as ssh://… without a socket path to run containers there.`,
    ),
  );
}
