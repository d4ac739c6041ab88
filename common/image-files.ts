// Load and Save of image archives from the window, where the file comes from the user (a dialog in
// Electron, an upload or a download in headless mode), never from a path the page names.
import type { LoadResult } from './containerd';
import type { Result } from './contract';

/** Electron IPC channels, apart from the contract's: main shows the dialog, then runs the command. */
export const IPC_IMAGE_LOAD_CHANNEL = 'cdesk:files:image-load';
export const IPC_IMAGE_SAVE_CHANNEL = 'cdesk:files:image-save';

/** What a save produced (the file's place is the user's choice; the page is not told it). */
export interface SaveOutcome {
  images: LoadResult['images'];
  bytes: number;
  /** The file the user chose (Electron) or the download's name (headless). */
  fileName: string;
  /** True when the browser downloads it (headless): the file lands where the browser puts downloads. */
  download?: boolean;
}

/** The preload's second API (window.cdeskFiles): a null value means the user closed the dialog. */
export interface ImageFilesApi {
  /** `loadId` lets the page cancel the load (image:load-cancel) once the file is chosen. */
  loadImage(namespace: string, loadId: string): Promise<Result<LoadResult | null>>;
  saveImage(namespace: string, names: string[]): Promise<Result<SaveOutcome | null>>;
}

/** A file name for an archive of `names`: the first image's repository and tag, safe characters only. */
export function archiveFileName(names: readonly string[]): string {
  const base = (names[0] ?? 'images')
    .replace(/^docker\.io\/(library\/)?/, '')
    .replace(/@sha256:.*/, '')
    .replace(/[^A-Za-z0-9._-]+/g, '_')
    .replace(/^[._]+/, '')
    .slice(0, 100);
  return `${base || 'images'}${names.length > 1 ? `-and-${names.length - 1}-more` : ''}.tar`;
}
