// Load and Save of image archives from the Images page: which are running, and how the last one
// ended (shown once, beside the Load button), over Electron's dialogs or the headless server.
import type { LoadResult } from '../../../common/containerd';
import type { ContractClient, ContractError } from '../../../common/contract';
import type { SaveOutcome } from '../../../common/image-files';
import { pickImageFiles, type ImageFiles } from '../transport/image-files';
import { call } from './inside-call';
import { newPullId } from './pull-store';
import { SmallStore } from './small-store';

/** What a cancelled load shows (the app dropped what it had written). */
const CANCELLED: ContractError = {
  code: 'cancelled',
  message: 'the load was cancelled; nothing of it was kept',
  hint: 'Load the archive again to import it.',
};

export type TransferOutcome =
  | { kind: 'load'; ok: true; value: LoadResult }
  | { kind: 'save'; ok: true; value: SaveOutcome; name: string }
  | { kind: 'load' | 'save'; ok: false; error: ContractError; name?: string };

export interface TransferState {
  /** 'load', or the name of an image being saved. */
  busy: ReadonlySet<string>;
  outcome: TransferOutcome | null;
}

export class TransferStore extends SmallStore<TransferState> {
  private files: ImageFiles | null = null;
  /** The running load: its id (Electron cancels by it) and its upload's abort (headless). */
  private running: { loadId: string; ac: AbortController } | null = null;

  constructor(
    private readonly pick: () => ImageFiles = () => pickImageFiles(),
    private readonly client: ContractClient | null = null,
  ) {
    super({ busy: new Set(), outcome: null });
  }

  /** Chosen on first use: the page's shell does not change under it. */
  get kind(): ImageFiles['kind'] {
    return this.shell().kind;
  }

  private shell(): ImageFiles {
    return (this.files ??= this.pick());
  }

  private mark(key: string, on: boolean): void {
    const busy = new Set(this.state.busy);
    if (on) busy.add(key);
    else busy.delete(key);
    this.set({ busy });
  }

  async load(namespace: string, file?: File): Promise<void> {
    this.mark('load', true);
    this.set({ outcome: null });
    const running = { loadId: newPullId(), ac: new AbortController() };
    this.running = running;
    const r = await this.shell().load(namespace, file, running.loadId, running.ac.signal);
    this.running = null;
    this.mark('load', false);
    if (r.ok && r.value === null) return; // the dialog was closed
    // However the cut showed (the app's 'cancelled', the upload's abort), it was the user's Cancel.
    const cancelled = !r.ok && running.ac.signal.aborted;
    this.set({
      outcome: r.ok
        ? { kind: 'load', ok: true, value: r.value! }
        : { kind: 'load', ok: false, error: cancelled ? CANCELLED : r.error },
    });
  }

  /** Cancel the running load: the app stops it and drops what it wrote. */
  async cancelLoad(): Promise<void> {
    const running = this.running;
    if (!running) return;
    running.ac.abort();
    if (this.client && this.kind === 'dialog') {
      const r = await call(this.client, 'image:load-cancel', { loadId: running.loadId });
      if (!r.ok) console.warn(`cancel load ${running.loadId}: ${r.error.message}`);
    }
  }

  async save(namespace: string, name: string): Promise<void> {
    this.mark(name, true);
    this.set({ outcome: null });
    const r = await this.shell().save(namespace, [name]);
    this.mark(name, false);
    if (r.ok && r.value === null) return;
    this.set({
      outcome: r.ok
        ? { kind: 'save', ok: true, value: r.value!, name }
        : { kind: 'save', ok: false, error: r.error, name },
    });
  }

  dismiss(): void {
    this.set({ outcome: null });
  }
}
