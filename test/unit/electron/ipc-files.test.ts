// The window's Load and Save over IPC: the path comes only from main's dialog; the page's request
// is checked (sender, namespace, names) before any dialog shows; a cancelled dialog changes nothing.
import { describe, expect, it } from 'vitest';
import type { CommandName, CommandPayload } from '../../../common/contract';
import { archiveFileName } from '../../../common/image-files';
import { handleLoad, handleSave, type FileDialogs } from '../../../main/electron/ipc-files';

const trusted = { isTrustedSender: () => true };
const untrusted = { isTrustedSender: () => false };
const frame = { url: 'file:///app/index.html' };
const event = { sender: { mainFrame: frame }, senderFrame: frame } as never;

function fakes(chosen: string | null) {
  const calls: { name: CommandName; payload: unknown }[] = [];
  const asked: string[] = [];
  const service = {
    invoke: async <C extends CommandName>(name: C, payload: CommandPayload<C>) => {
      calls.push({ name, payload });
      if (name === 'image:save')
        return { ok: true, value: { namespace: 'default', path: 'x', images: [], bytes: 42 } };
      return { ok: true, value: { namespace: 'default', images: [], written: 7 } };
    },
  } as never;
  const dialogs: FileDialogs = {
    chooseArchive: async () => {
      asked.push('open');
      return chosen;
    },
    chooseSavePath: async (name) => {
      asked.push(`save ${name}`);
      return chosen;
    },
  };
  return { calls, asked, service, dialogs };
}

describe('ipc-files', () => {
  it('load: runs image:load on the file the dialog chose', async () => {
    const f = fakes('/home/u/busybox.tar');
    const r = await handleLoad(f.service, f.dialogs, trusted, event, { namespace: 'ns1' });
    expect(r).toMatchObject({ ok: true, value: { written: 7 } });
    expect(f.calls).toEqual([
      { name: 'image:load', payload: { namespace: 'ns1', path: '/home/u/busybox.tar' } },
    ]);
  });

  it("load: passes the page's load id on, so the page can cancel the load", async () => {
    const f = fakes('/home/u/busybox.tar');
    await handleLoad(f.service, f.dialogs, trusted, event, { namespace: 'ns1', loadId: 'abc_1' });
    expect(f.calls).toEqual([
      {
        name: 'image:load',
        payload: { namespace: 'ns1', path: '/home/u/busybox.tar', loadId: 'abc_1' },
      },
    ]);
    const bad = await handleLoad(f.service, f.dialogs, trusted, event, {
      namespace: 'ns1',
      loadId: '../x',
    });
    expect(bad).toMatchObject({ ok: false, error: { code: 'bad-payload' } });
    expect(f.calls).toHaveLength(1);
  });

  it('load: a path in the request is refused before any dialog shows', async () => {
    const f = fakes('/x.tar');
    const r = await handleLoad(f.service, f.dialogs, trusted, event, {
      namespace: 'default',
      path: '/etc/shadow',
    });
    expect(r).toMatchObject({ ok: false, error: { code: 'bad-payload' } });
    expect(f.asked).toEqual([]);
    expect(f.calls).toEqual([]);
  });

  it('refuses a sender that is not our window, and a bad namespace, without a dialog', async () => {
    const f = fakes('/x.tar');
    expect(
      await handleLoad(f.service, f.dialogs, untrusted, event, { namespace: 'default' }),
    ).toMatchObject({
      ok: false,
      error: { code: 'forbidden-sender' },
    });
    expect(
      await handleSave(f.service, f.dialogs, trusted, event, { namespace: '../x', names: ['a'] }),
    ).toMatchObject({
      ok: false,
      error: { code: 'bad-payload', message: expect.stringContaining('namespace') },
    });
    expect(f.asked).toEqual([]);
  });

  it('a cancelled dialog answers null and runs nothing', async () => {
    const f = fakes(null);
    expect(
      await handleLoad(f.service, f.dialogs, trusted, event, { namespace: 'default' }),
    ).toEqual({
      ok: true,
      value: null,
    });
    expect(
      await handleSave(f.service, f.dialogs, trusted, event, {
        namespace: 'default',
        names: ['a:1'],
      }),
    ).toEqual({ ok: true, value: null });
    expect(f.calls).toEqual([]);
  });

  it('save: suggests a name from the image, writes where the user chose, says where', async () => {
    const f = fakes('/home/u/Downloads/alpine_3.20.tar');
    const r = await handleSave(f.service, f.dialogs, trusted, event, {
      namespace: 'default',
      names: ['docker.io/library/alpine:3.20'],
    });
    expect(f.asked).toEqual(['save alpine_3.20.tar']);
    expect(f.calls).toEqual([
      {
        name: 'image:save',
        payload: {
          namespace: 'default',
          names: ['docker.io/library/alpine:3.20'],
          path: '/home/u/Downloads/alpine_3.20.tar',
        },
      },
    ]);
    expect(r).toEqual({
      ok: true,
      value: { images: [], bytes: 42, fileName: '/home/u/Downloads/alpine_3.20.tar' },
    });
  });

  it('archive names keep only safe characters', () => {
    expect(archiveFileName(['127.0.0.1:5000/x/y:1'])).toBe('127.0.0.1_5000_x_y_1.tar');
    expect(archiveFileName(['../../etc/passwd'])).toBe('etc_passwd.tar');
    expect(archiveFileName(['a:1', 'b:2'])).toBe('a_1-and-1-more.tar');
  });
});
