// Load and Save for the Images page over whichever shell runs it: Electron's dialogs (through the
// preload's cdeskFiles), or in headless mode an upload of the chosen file and a browser download.
import type { LoadResult } from '../../../common/containerd';
import type { Result } from '../../../common/contract';
import { archiveFileName, type ImageFilesApi, type SaveOutcome } from '../../../common/image-files';
import { transportFailure } from '../../../common/rpc';
import { tokenFromLocation } from './token';

declare global {
  interface Window {
    cdeskFiles?: ImageFilesApi;
  }
}

export interface ImageFiles {
  /** 'dialog': load() shows the system's file chooser; 'upload': the page picks the file. */
  kind: 'dialog' | 'upload';
  /**
   * Load an archive: the dialog's (Electron) or `file` (headless). null: the user closed the
   * dialog. `loadId` names the load for image:load-cancel (Electron); aborting `signal` drops the
   * upload, which cancels its load on the server (headless).
   */
  load(
    namespace: string,
    file: File | undefined,
    loadId: string,
    signal: AbortSignal,
  ): Promise<Result<LoadResult | null>>;
  /** Save images as one archive: a save dialog (Electron) or a download (headless). */
  save(namespace: string, names: string[]): Promise<Result<SaveOutcome | null>>;
}

/** A JSON Result from the server, or a failure that says what came back instead. */
async function resultOf<T>(what: string, res: Response): Promise<Result<T>> {
  const text = await res.text();
  try {
    const r = JSON.parse(text) as Result<T>;
    if (typeof r === 'object' && r !== null && typeof r.ok === 'boolean') return r;
  } catch {
    // Not JSON: a refusal from the server's guard (token, Origin), in plain text.
  }
  return {
    ok: false,
    error: {
      code: res.status === 403 ? 'forbidden-sender' : 'transport-failed',
      message: `${what}: ${res.status} ${text.trim().slice(0, 300)}`,
      hint:
        res.status === 403
          ? 'Open the page from the URL `cdesk serve` printed (it carries the token).'
          : 'Check that cdesk serve is still running, then try again.',
    },
  };
}

function httpFiles(win: Window): ImageFiles {
  const token = tokenFromLocation(win.location) ?? '';
  const query = (params: [string, string][]) =>
    new URLSearchParams([['token', token], ...params]).toString();
  return {
    kind: 'upload',
    async load(namespace, file, _loadId, signal) {
      if (!file) return { ok: true, value: null };
      try {
        // The File is sent from disk as the body: the page never holds the archive in memory.
        const res = await win.fetch(`/images/load?${query([['namespace', namespace]])}`, {
          method: 'POST',
          body: file,
          headers: { 'Content-Type': 'application/x-tar' },
          credentials: 'omit',
          cache: 'no-store',
          signal,
        });
        return await resultOf<LoadResult>('load', res);
      } catch (err) {
        return { ok: false, error: transportFailure('load', err) };
      }
    },
    async save(namespace, names) {
      try {
        const res = await win.fetch(
          `/images/save?${query([['namespace', namespace], ...names.map((n): [string, string] => ['name', n])])}`,
          { method: 'POST', credentials: 'omit', cache: 'no-store' },
        );
        const r = await resultOf<{
          images: LoadResult['images'];
          bytes: number;
          downloadId: string;
        }>('save', res);
        if (!r.ok) return r;
        // The archive is ready on the server: a download the browser writes to disk as it comes.
        const a = win.document.createElement('a');
        a.href = `/images/download?${query([['id', r.value.downloadId]])}`;
        a.download = '';
        a.rel = 'noopener';
        win.document.body.append(a);
        a.click();
        a.remove();
        return {
          ok: true,
          value: {
            images: r.value.images,
            bytes: r.value.bytes,
            fileName: archiveFileName(names),
            download: true,
          },
        };
      } catch (err) {
        return { ok: false, error: transportFailure('save', err) };
      }
    },
  };
}

function dialogFiles(api: ImageFilesApi): ImageFiles {
  return {
    kind: 'dialog',
    load: (namespace, _file, loadId) =>
      api.loadImage(namespace, loadId).catch((e: unknown) => ({
        ok: false as const,
        error: transportFailure('load', e),
      })),
    save: (namespace, names) =>
      api.saveImage(namespace, names).catch((e: unknown) => ({
        ok: false as const,
        error: transportFailure('save', e),
      })),
  };
}

/** Electron's dialogs when the preload offers them, else the headless server's upload/download. */
export function pickImageFiles(win: Window = window): ImageFiles {
  return win.cdeskFiles ? dialogFiles(win.cdeskFiles) : httpFiles(win);
}
