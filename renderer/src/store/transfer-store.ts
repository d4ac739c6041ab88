// Load and Save of image archives from the Images page: which are running, and how the last one
// ended (shown once, beside the Load button), over Electron's dialogs or the headless server.
import type { LoadResult } from '../../../common/containerd';
import type { ContractError } from '../../../common/contract';
import type { SaveOutcome } from '../../../common/image-files';
import { pickImageFiles, type ImageFiles } from '../transport/image-files';
import { SmallStore } from './small-store';

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

  constructor(private readonly pick: () => ImageFiles = () => pickImageFiles()) {
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
    const r = await this.shell().load(namespace, file);
    this.mark('load', false);
    if (r.ok && r.value === null) return; // the dialog was closed
    this.set({
      outcome: r.ok ? { kind: 'load', ok: true, value: r.value! } : { kind: 'load', ...r },
    });
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
