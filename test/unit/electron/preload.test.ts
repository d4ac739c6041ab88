// The preload bridge under a recording stand-in for `electron`: what it exposes, and how it maps
// calls onto the per-command channels without re-listing the command names.
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { COMMAND_NAMES, type AnyEvent, type ContractClient } from '../../../common/contract';
import { IPC_COMMANDS_CHANNEL, IPC_EVENT_CHANNEL, ipcChannel } from '../../../common/rpc';
import {
  IPC_IMAGE_LOAD_CHANNEL,
  IPC_IMAGE_SAVE_CHANNEL,
  type ImageFilesApi,
} from '../../../common/image-files';

const rec = vi.hoisted(() => ({
  exposed: new Map<string, unknown>(),
  invokes: [] as { channel: string; args: unknown[] }[],
  answer: (_channel: string, ..._args: unknown[]): unknown => undefined,
  listeners: new Map<string, ((e: unknown, ...a: unknown[]) => void)[]>(),
}));

vi.mock('electron', () => ({
  contextBridge: { exposeInMainWorld: (k: string, v: unknown) => rec.exposed.set(k, v) },
  ipcRenderer: {
    invoke: async (channel: string, ...args: unknown[]) => {
      rec.invokes.push({ channel, args });
      return rec.answer(channel, ...args);
    },
    on: (channel: string, fn: (e: unknown, ...a: unknown[]) => void) =>
      rec.listeners.set(channel, [...(rec.listeners.get(channel) ?? []), fn]),
    removeListener: (channel: string, fn: unknown) =>
      rec.listeners.set(
        channel,
        (rec.listeners.get(channel) ?? []).filter((f) => f !== fn),
      ),
  },
}));

let api: ContractClient;

beforeEach(async () => {
  vi.resetModules();
  rec.exposed.clear();
  rec.invokes.length = 0;
  rec.listeners.clear();
  rec.answer = (channel) =>
    channel === IPC_COMMANDS_CHANNEL
      ? [...COMMAND_NAMES]
      : JSON.stringify({ id: null, result: { ok: true, value: { channel } } });
  await import('../../../preload/index');
  api = rec.exposed.get('cdesk') as ContractClient;
});

describe('preload', () => {
  it('exposes the contract client (invoke, subscribe, exec) and the file API (load, save), both frozen', () => {
    expect([...rec.exposed.keys()]).toEqual(['cdesk', 'cdeskFiles']);
    expect(Object.keys(api).sort()).toEqual(['exec', 'invoke', 'subscribe']);
    expect(Object.isFrozen(api)).toBe(true);
    const files = rec.exposed.get('cdeskFiles') as object;
    expect(Object.keys(files).sort()).toEqual(['loadImage', 'saveImage']);
    expect(Object.isFrozen(files)).toBe(true);
  });

  it('file requests carry a namespace, names and a load id, never a path, on their own channels', async () => {
    const files = rec.exposed.get('cdeskFiles') as ImageFilesApi;
    expect(await files.loadImage('default', 'l1')).toEqual({
      ok: true,
      value: { channel: IPC_IMAGE_LOAD_CHANNEL },
    });
    await files.saveImage('ns1', ['docker.io/library/alpine:3.20']);
    expect(rec.invokes).toEqual([
      { channel: IPC_IMAGE_LOAD_CHANNEL, args: [{ namespace: 'default', loadId: 'l1' }] },
      {
        channel: IPC_IMAGE_SAVE_CHANNEL,
        args: [{ namespace: 'ns1', names: ['docker.io/library/alpine:3.20'] }],
      },
    ]);
    rec.answer = () => {
      throw new Error('ipc gone');
    };
    expect(await files.loadImage('default', 'l2')).toMatchObject({
      ok: false,
      error: { code: 'transport-failed' },
    });
  });

  it("sends a command on its own channel and returns the envelope's result", async () => {
    const r = await api.invoke('daemon:status', {});
    expect(r).toEqual({ ok: true, value: { channel: ipcChannel('daemon:status') } });
    expect(rec.invokes.at(-1)).toEqual({ channel: ipcChannel('daemon:status'), args: [{}] });
  });

  it('asks main for the command list once, and refuses a name not on it without sending', async () => {
    await api.invoke('daemon:status', {});
    const r = await (api.invoke as (n: string, p: unknown) => Promise<unknown>)('shell:exec', {});
    expect(r).toMatchObject({ ok: false, error: { code: 'unknown-command' } });
    expect(rec.invokes.map((i) => i.channel)).toEqual([
      IPC_COMMANDS_CHANNEL,
      ipcChannel('daemon:status'),
    ]);
    for (const name of ['__proto__', 'toString', 'constructor'])
      expect(
        await (api.invoke as (n: string, p: unknown) => Promise<unknown>)(name, {}),
      ).toMatchObject({
        ok: false,
        error: { code: 'unknown-command' },
      });
  });

  it('answers a broken IPC with transport-failed, as data', async () => {
    rec.answer = (channel) => {
      if (channel === IPC_COMMANDS_CHANNEL) return [...COMMAND_NAMES];
      throw new Error('render frame was disposed');
    };
    expect(await api.invoke('daemon:start', {})).toMatchObject({
      ok: false,
      error: { code: 'transport-failed', message: expect.stringContaining('disposed') },
    });
  });

  it('hands the page parsed events only (never the IPC event, which carries the sender)', () => {
    const seen: AnyEvent[] = [];
    const off = api.subscribe((e) => seen.push(e));
    const fire = (text: unknown) =>
      rec.listeners.get(IPC_EVENT_CHANNEL)?.forEach((fn) => fn({ sender: 'secret' }, text));
    fire(JSON.stringify({ event: 'logs:lines', payload: { lines: [] } }));
    fire('not json');
    off();
    fire(JSON.stringify({ event: 'logs:lines', payload: { lines: [] } }));
    expect(seen).toEqual([{ event: 'logs:lines', payload: { lines: [] } }]);
  });
});
