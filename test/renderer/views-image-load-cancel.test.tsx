// The Images page's Load… while a load runs: a Cancel beside it stops the load in the app (by the
// load's id through the desktop app's dialog, by dropping the upload in headless mode), and the
// outcome says nothing was kept, as news rather than an error.
import { cleanup, fireEvent, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { LoadResult } from '../../common/containerd';
import type { Result } from '../../common/contract';
import type { ImageFilesApi } from '../../common/image-files';
import { LoadControl, TransferOutcomeLine } from '../../renderer/src/components/image-transfer';
import { TransferStore } from '../../renderer/src/store/transfer-store';
import type { ImageFiles } from '../../renderer/src/transport/image-files';
import { FakeInsideClient, ok } from './fake-inside-client';
import { renderInside, settle } from './views-render';

afterEach(() => {
  cleanup();
  delete window.cdeskFiles;
});

const CANCELLED = { code: 'cancelled' as const, message: 'the load was cancelled', hint: '' };

describe('Load… Cancel', () => {
  it('desktop: Cancel sends image:load-cancel with the id the dialog load carries', async () => {
    const client = new FakeInsideClient();
    const asked: { namespace: string; loadId: string }[] = [];
    let finish: (r: Result<LoadResult | null>) => void = () => undefined;
    window.cdeskFiles = {
      loadImage: (namespace, loadId) => {
        asked.push({ namespace, loadId });
        return new Promise((r) => (finish = r));
      },
      saveImage: async () => ok(null),
    } satisfies ImageFilesApi;
    client.on('image:load-cancel', (p) => {
      finish({ ok: false, error: CANCELLED });
      return ok({ loadId: p.loadId, cancelled: true });
    });
    await renderInside(
      <>
        <LoadControl />
        <TransferOutcomeLine />
      </>,
      client,
    );
    expect(screen.queryByRole('button', { name: 'Cancel load' })).toBeNull();
    fireEvent.click(screen.getByRole('button', { name: /Load/ }));
    await settle();
    expect(asked).toEqual([
      { namespace: 'default', loadId: expect.stringMatching(/^w[0-9a-f]{16}$/) },
    ]);
    fireEvent.click(screen.getByRole('button', { name: 'Cancel load' }));
    await settle();
    expect(client.callsTo('image:load-cancel')).toEqual([{ loadId: asked[0]!.loadId }]);
    const line = screen.getByTestId('transfer-outcome');
    expect(line.textContent).toMatch(/Load cancelled: nothing of it was kept\./);
    expect(line.getAttribute('role')).toBe('status');
    expect(screen.queryByRole('button', { name: 'Cancel load' })).toBeNull();
  });

  it('headless: Cancel aborts the upload (the server then cancels its load); no command is sent', async () => {
    const client = new FakeInsideClient();
    const files: ImageFiles = {
      kind: 'upload',
      load: (_ns, _file, _id, signal) =>
        new Promise((resolve) =>
          signal.addEventListener('abort', () =>
            resolve({
              ok: false,
              error: { code: 'transport-failed', message: 'load: aborted', hint: '' },
            }),
          ),
        ),
      save: async () => ok(null),
    };
    const store = new TransferStore(() => files, client);
    const loading = store.load('default', new File(['x'], 'a.tar'));
    expect(store.getState().busy.has('load')).toBe(true);
    await store.cancelLoad();
    await loading;
    expect(store.getState().busy.has('load')).toBe(false);
    expect(store.getState().outcome).toMatchObject({ ok: false, error: { code: 'cancelled' } });
    expect(client.callsTo('image:load-cancel')).toEqual([]);
  });
});
