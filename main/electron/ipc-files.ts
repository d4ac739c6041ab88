// Load and Save of image archives for the window, over IPC channels of their own: the page asks
// with a namespace (and image names); main shows the system's file dialog and runs image:load /
// image:save on the path the user chose there. No path ever comes from the page.
import type { IpcMain, IpcMainInvokeEvent } from 'electron';
import path from 'node:path';
import * as z from 'zod';
import { imageName, namespaceName } from '../../common/container-commands';
import type { CommandName, CommandPayload, CommandResults, Result } from '../../common/contract';
import {
  IPC_IMAGE_LOAD_CHANNEL,
  IPC_IMAGE_SAVE_CHANNEL,
  archiveFileName,
  type SaveOutcome,
} from '../../common/image-files';
import type { LoadResult } from '../../common/containerd';
import { loadIdSchema } from '../../common/containerd-commands';
import { encodeReply, failure } from '../../common/rpc';
import { answerOnce } from '../shared/app-error';
import { senderInfoOf, type IpcOptions } from './ipc';

/** The dialogs main shows (Electron's dialog module in the app; stand-ins in tests). */
export interface FileDialogs {
  /** The archive to load, or null when the user cancelled. */
  chooseArchive(): Promise<string | null>;
  /** Where to save, suggesting `fileName`; null when the user cancelled. */
  chooseSavePath(fileName: string): Promise<string | null>;
}

export interface FileIpcService {
  invoke<C extends CommandName>(
    name: C,
    payload: CommandPayload<C>,
  ): Promise<Result<CommandResults[C]>>;
}

const loadPayload = z
  .object({ namespace: namespaceName, loadId: loadIdSchema.optional() })
  .strict();
const savePayload = z
  .object({ namespace: namespaceName, names: z.array(imageName).min(1).max(100) })
  .strict();

function invalid(what: string, err: z.ZodError): Result<never> {
  const fields = err.issues.map((i) => `${i.path.join('.') || '(payload)'}: ${i.message}`);
  return failure(
    'bad-payload',
    `${what}: invalid payload: ${fields.join('; ')}`,
    'fix the named fields',
  );
}

/** A file request's handler: the app, the dialogs, the trust check, the asking page, its payload. */
type FileHandler<T> = (
  service: FileIpcService,
  dialogs: FileDialogs,
  opts: IpcOptions,
  event: Pick<IpcMainInvokeEvent, 'sender' | 'senderFrame'>,
  payload: unknown,
) => Promise<Result<T | null>>;

/**
 * A handler that checks the request as both channels do (a trusted sender, then the payload's
 * shape, named `what` in the refusal) before `run` shows a dialog and asks the app.
 */
function fileHandler<P, T>(
  schema: z.ZodType<P>,
  what: string,
  run: (p: P, service: FileIpcService, dialogs: FileDialogs) => Promise<Result<T | null>>,
): FileHandler<T> {
  return async (service, dialogs, opts, event, payload) => {
    if (!opts.isTrustedSender(senderInfoOf(event)))
      return failure(
        'forbidden-sender',
        'refused a file request from an unknown page',
        'reload the window',
      );
    const p = schema.safeParse(payload ?? {});
    return p.success ? run(p.data, service, dialogs) : invalid(what, p.error);
  };
}

/** Load: the open dialog, then image:load on the chosen file. */
export const handleLoad = fileHandler(
  loadPayload,
  'image load',
  async (p, service, dialogs): Promise<Result<LoadResult | null>> => {
    const file = await dialogs.chooseArchive();
    if (file === null) return { ok: true, value: null };
    return service.invoke('image:load', {
      namespace: p.namespace,
      path: file,
      ...(p.loadId !== undefined ? { loadId: p.loadId } : {}),
    });
  },
);

/** Save: the save dialog, then image:save to the chosen path. */
export const handleSave = fileHandler(
  savePayload,
  'image save',
  async (p, service, dialogs): Promise<Result<SaveOutcome | null>> => {
    const file = await dialogs.chooseSavePath(archiveFileName(p.names));
    if (file === null) return { ok: true, value: null };
    const r = await service.invoke('image:save', { ...p, path: file });
    return r.ok
      ? { ok: true, value: { images: r.value.images, bytes: r.value.bytes, fileName: file } }
      : r;
  },
);

/** Register the two channels; returns a function that removes them. */
export function registerFileIpc(
  ipcMain: Pick<IpcMain, 'handle' | 'removeHandler'>,
  service: FileIpcService,
  dialogs: FileDialogs,
  opts: IpcOptions,
): () => void {
  const channels: [channel: string, what: string, handler: FileHandler<unknown>][] = [
    [IPC_IMAGE_LOAD_CHANNEL, 'image load', handleLoad],
    [IPC_IMAGE_SAVE_CHANNEL, 'image save', handleSave],
  ];
  for (const [channel, what, handler] of channels)
    ipcMain.handle(channel, async (event, payload: unknown) =>
      encodeReply(
        null,
        what,
        await answerOnce(() => handler(service, dialogs, opts, event, payload)),
      ),
    );
  return () => {
    for (const [channel] of channels) ipcMain.removeHandler(channel);
  };
}

/** Electron's dialogs, parented to the window when there is one. */
export function electronDialogs(
  dialog: Pick<Electron.Dialog, 'showOpenDialog' | 'showSaveDialog'>,
  downloads: () => string,
): FileDialogs {
  return {
    async chooseArchive() {
      const r = await dialog.showOpenDialog({
        title: 'Load an image archive',
        properties: ['openFile'],
        filters: [
          { name: 'Image archives', extensions: ['tar', 'gz', 'tgz'] },
          { name: 'All files', extensions: ['*'] },
        ],
      });
      return r.canceled || !r.filePaths[0] ? null : r.filePaths[0];
    },
    async chooseSavePath(fileName) {
      const r = await dialog.showSaveDialog({
        title: 'Save image archive',
        defaultPath: path.join(downloads(), fileName),
        filters: [{ name: 'Image archives', extensions: ['tar'] }],
      });
      return r.canceled || !r.filePath ? null : r.filePath;
    },
  };
}
