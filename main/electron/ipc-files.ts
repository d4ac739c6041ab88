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

const loadPayload = z.object({ namespace: namespaceName }).strict();
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

/** The request's checks, both channels alike: a trusted sender, then the payload's shape. */
function checked<T>(
  opts: IpcOptions,
  event: Pick<IpcMainInvokeEvent, 'sender' | 'senderFrame'>,
  schema: z.ZodType<T>,
  payload: unknown,
  what: string,
): { ok: true; value: T } | { ok: false; refusal: Result<never> } {
  if (!opts.isTrustedSender(senderInfoOf(event)))
    return {
      ok: false,
      refusal: failure(
        'forbidden-sender',
        'refused a file request from an unknown page',
        'reload the window',
      ),
    };
  const p = schema.safeParse(payload ?? {});
  return p.success ? { ok: true, value: p.data } : { ok: false, refusal: invalid(what, p.error) };
}

/** Load: sender check, payload check, the open dialog, then image:load on the chosen file. */
export async function handleLoad(
  service: FileIpcService,
  dialogs: FileDialogs,
  opts: IpcOptions,
  event: Pick<IpcMainInvokeEvent, 'sender' | 'senderFrame'>,
  payload: unknown,
): Promise<Result<LoadResult | null>> {
  const p = checked(opts, event, loadPayload, payload, 'image load');
  if (!p.ok) return p.refusal;
  const file = await dialogs.chooseArchive();
  if (file === null) return { ok: true, value: null };
  return service.invoke('image:load', { namespace: p.value.namespace, path: file });
}

/** Save: sender check, payload check, the save dialog, then image:save to the chosen path. */
export async function handleSave(
  service: FileIpcService,
  dialogs: FileDialogs,
  opts: IpcOptions,
  event: Pick<IpcMainInvokeEvent, 'sender' | 'senderFrame'>,
  payload: unknown,
): Promise<Result<SaveOutcome | null>> {
  const p = checked(opts, event, savePayload, payload, 'image save');
  if (!p.ok) return p.refusal;
  const file = await dialogs.chooseSavePath(archiveFileName(p.value.names));
  if (file === null) return { ok: true, value: null };
  const r = await service.invoke('image:save', { ...p.value, path: file });
  return r.ok
    ? { ok: true, value: { images: r.value.images, bytes: r.value.bytes, fileName: file } }
    : r;
}

/** Register the two channels; returns a function that removes them. */
export function registerFileIpc(
  ipcMain: Pick<IpcMain, 'handle' | 'removeHandler'>,
  service: FileIpcService,
  dialogs: FileDialogs,
  opts: IpcOptions,
): () => void {
  ipcMain.handle(IPC_IMAGE_LOAD_CHANNEL, async (event, payload: unknown) =>
    encodeReply(
      null,
      'image load',
      await answerOnce(() => handleLoad(service, dialogs, opts, event, payload)),
    ),
  );
  ipcMain.handle(IPC_IMAGE_SAVE_CHANNEL, async (event, payload: unknown) =>
    encodeReply(
      null,
      'image save',
      await answerOnce(() => handleSave(service, dialogs, opts, event, payload)),
    ),
  );
  return () => {
    ipcMain.removeHandler(IPC_IMAGE_LOAD_CHANNEL);
    ipcMain.removeHandler(IPC_IMAGE_SAVE_CHANNEL);
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
          { name: 'Image archives', extensions: ['tar'] },
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
