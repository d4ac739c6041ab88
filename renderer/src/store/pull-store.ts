// The window's pulls: start and cancel them, follow every pull's progress events (this window's and
// the CLI's), so they keep going, visibly, on any page. Decisions are in pulls-reduce.ts.
import type { AnyEvent, ContractClient } from '../../../common/contract';
import { call } from './inside-call';
import { SmallStore } from './small-store';
import {
  pullDismissed,
  pullProgressed,
  pullSettled,
  pullStarted,
  type PullsState,
} from './pulls-reduce';

export interface PullStoreState {
  pulls: PullsState;
  /** The pull the user asked to see (from the tasks indicator): the Images page scrolls to it. */
  focused: string | null;
  /** The last pull the Pull field started: its failure shows beside the field, on any return to the page. */
  fieldPull: string | null;
}

/** 16 random hex characters: the id the app's events carry back. */
export function newPullId(): string {
  const b = new Uint8Array(8);
  globalThis.crypto.getRandomValues(b);
  return `w${[...b].map((x) => x.toString(16).padStart(2, '0')).join('')}`;
}

export class PullStore extends SmallStore<PullStoreState> {
  constructor(
    private readonly client: ContractClient,
    private readonly now: () => number = Date.now,
  ) {
    super({ pulls: new Map(), focused: null, fieldPull: null });
  }

  /** Follow progress events; returns the undo. */
  start(): () => void {
    return this.client.subscribe((e) => this.apply(e));
  }

  apply(e: AnyEvent): void {
    if (e.event !== 'image:pull-progress') return;
    const pulls = pullProgressed(this.state.pulls, e.payload, this.now());
    if (pulls !== this.state.pulls) this.set({ pulls });
  }

  /** Pull `ref` into `namespace`; resolves when it ended (the entry holds the outcome). */
  async pull(namespace: string, ref: string): Promise<string> {
    const pullId = newPullId();
    // The field's previous failure was shown beside it; the new attempt replaces it.
    const prev = this.state.fieldPull ? this.state.pulls.get(this.state.fieldPull) : undefined;
    const pulls =
      prev?.phase === 'failed' ? pullDismissed(this.state.pulls, prev.pullId) : this.state.pulls;
    this.set({
      pulls: pullStarted(pulls, { pullId, namespace, ref }, this.now()),
      fieldPull: pullId,
    });
    const r = await call(this.client, 'image:pull', { namespace, ref, pullId });
    this.set({ pulls: pullSettled(this.state.pulls, pullId, r, this.now()) });
    return pullId;
  }

  async cancel(pullId: string): Promise<void> {
    const r = await call(this.client, 'image:pull-cancel', { pullId });
    // The pull already ended (its reply settles it); a refused cancel has nothing more to say.
    if (!r.ok) console.warn(`cancel ${pullId}: ${r.error.message}`);
  }

  dismiss(pullId: string): void {
    this.set({
      pulls: pullDismissed(this.state.pulls, pullId),
      focused: this.state.focused === pullId ? null : this.state.focused,
    });
  }

  focus(pullId: string | null): void {
    if (this.state.focused !== pullId) this.set({ focused: pullId });
  }
}
