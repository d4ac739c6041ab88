// The running pulls of one app: start one (image:pull), follow it (events), cancel it by id.
import type { CommandPayload } from '../../../common/contract';
import type { PullProgress, PullResult } from '../../../common/containerd';
import { readCredentials } from '../../shared/docker-config';
import type { ContainerdClient } from '../client';
import { RunningById } from '../by-id';
import { InsideError } from '../errors';
import { pullImage } from './pull';
import { parseReference } from './reference';

export interface PullsDeps {
  ready(): ContainerdClient;
  insecureRegistries(): readonly string[];
  onProgress(p: PullProgress): void;
  /** The image list changed (a pull created or moved an image). */
  changed(): void;
}

/** At most this many pulls at once per app (each runs 3 downloads). */
const MAX_PULLS = 8;

export class Pulls {
  private readonly running = new RunningById();

  constructor(private readonly d: PullsDeps) {}

  async pull(p: CommandPayload<'image:pull'>): Promise<PullResult> {
    if (this.running.has(p.pullId))
      throw new InsideError(
        'already-exists',
        `a pull with id ${p.pullId} is already running`,
        'Use a new pull id for each pull.',
      );
    if (this.running.size >= MAX_PULLS)
      throw new InsideError(
        'busy',
        `${MAX_PULLS} pulls are already running`,
        'Wait for one to finish, then pull again.',
      );
    const ref = parseReference(p.ref);
    const c = this.d.ready();
    return this.running.run(p.pullId, async (signal) => {
      // A credential helper that is missing or locked must not stop public images: pull without
      // credentials, and if the registry then wants some, say why there were none.
      let noCredentials: unknown = null;
      const credentials =
        p.auth ??
        (await readCredentials(ref.domain).catch((err: unknown) => {
          noCredentials = err;
          return null;
        }));
      const r = await pullImage(c, {
        namespace: p.namespace,
        ref: p.ref,
        platform: p.platform,
        pullId: p.pullId,
        insecureRegistries: this.d.insecureRegistries(),
        credentials,
        signal,
        onProgress: (e) => this.d.onProgress(e),
      }).catch((err: unknown) => {
        const unauthorized = (err as { code?: unknown }).code === 'registry-unauthorized';
        throw unauthorized && noCredentials ? noCredentials : err;
      });
      this.d.changed();
      return r;
    });
  }

  cancel(pullId: string): { pullId: string; cancelled: boolean } {
    return { pullId, cancelled: this.running.cancel(pullId) };
  }

  /** Cancel every pull (the app is quitting). */
  dispose(): void {
    this.running.dispose();
  }
}
