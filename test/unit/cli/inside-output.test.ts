// What containerd names (images, ids, plugin errors, events) reaches a terminal escaped: a name
// cannot retitle the window, clear the screen or forge table rows; piped output keeps the bytes.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ContainerdEvent } from '../../../common/containerd';
import type { InsideEvent, InsideProvider } from '../../../main/containerd/provider';
import { run as events } from '../../../main/cli/cmd-events';
import { run as images } from '../../../main/cli/cmd-images';
import { run as plugins } from '../../../main/cli/cmd-plugins';
import { run as ps } from '../../../main/cli/cmd-ps';
import { captureIo as io, startControlHarness, type ControlHarness } from '../../helpers/cli-io';
import { FakeEngine } from '../service/fake-engine';

/** An OSC window title, a screen clear and a forged second row. */
const EVIL = 'evil\x1b]0;pwned\x07\x1b[2J\nfake-row\x9b1m';

let h: ControlHarness;
let emit: (e: InsideEvent) => void = () => undefined;

beforeEach(async () => {
  const inside: InsideProvider = {
    handlers: {
      'namespaces:list': async () => ({ namespaces: [] }),
      'containers:list': async (p) => ({
        namespace: p.namespace,
        containers: [
          {
            namespace: p.namespace,
            id: `c-${EVIL}`,
            image: `img-${EVIL}`,
            runtime: 'io.containerd.runc.v2',
            labels: {},
            snapshotter: 'overlayfs',
            snapshotKey: 'k',
            createdAt: 0,
            updatedAt: 0,
            task: { pid: 42, status: 'running', exitStatus: null, exitedAt: null },
          },
        ],
      }),
      'images:list': async (p) => ({
        namespace: p.namespace,
        images: [
          {
            namespace: p.namespace,
            name: `img-${EVIL}`,
            digest: 'sha256:00',
            mediaType: 'm',
            createdAt: 0,
            updatedAt: 0,
            size: 1,
            usedBy: [`c-${EVIL}`],
          },
        ],
        totalSize: 1,
        snapshotters: [],
      }),
      'plugins:list': async () => ({
        plugins: [
          {
            type: 'io.containerd.snapshotter.v1',
            id: 'x',
            status: 'error',
            initError: EVIL,
            requires: [],
            platforms: [],
            exports: {},
          },
        ],
        problems: [],
        version: null,
      }),
      'events:recent': async () => ({ events: [] }),
      'task:stop': async (p) => ({ id: p.id, exitStatus: 0, killed: false }),
      'task:kill': async (p) => ({ id: p.id }),
      'container:delete': async (p) => ({ id: p.id }),
      'image:delete': async (p) => ({ name: p.name }),
      'container:run': async (p) => ({
        id: p.name ?? 'c1',
        namespace: p.namespace,
        pid: 1,
        net: 'host' as const,
      }),
      'container:start': async (p) => ({ id: p.id, pid: 1 }),
      'task:wait': async (p) => ({ id: p.id, exitStatus: 0 }),
      'container:logs': async () => ({ source: 'app', lines: [], cursor: '0:0', more: false }),
      'container:inspect': async () => {
        throw new Error('not used here');
      },
      'tasks:stats': async (p) => ({ namespace: p.namespace, stats: [], hostMemory: 1 }),
      'image:pull': async () => {
        throw new Error('not in this test');
      },
      'image:pull-cancel': async (p) => ({ pullId: p.pullId, cancelled: false }),
      'image:load': async () => Promise.reject(new Error('not used')),
      'image:load-cancel': async (p) => ({ loadId: p.loadId, cancelled: false }),
      'image:save': async () => Promise.reject(new Error('not used')),
      'system:df': async () => Promise.reject(new Error('not used')),
      'system:prune': async () => Promise.reject(new Error('not used')),
    },
    onEvent(fn) {
      emit = fn;
      return () => (emit = () => undefined);
    },
    summary: () => ({
      problems: [],
      containers: { running: 1, total: 1 },
      inside: { state: 'connected', listedAt: 1, message: null },
    }),
    stopNotice: async () => null,
  };
  h = await startControlHarness({ prefix: 'cdesk-tty-', engine: new FakeEngine(), inside });
});
afterEach(() => h.close());

// eslint-disable-next-line no-control-regex
const RAW_CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/;

describe('inside commands on a terminal', () => {
  it('ps, images and plugins escape control characters in text and JSON output', async () => {
    for (const cmd of [ps, images, plugins]) {
      for (const json of [[], ['--json']]) {
        const o = io();
        expect(await cmd(['--control', h.sock, ...json], o, { tty: true })).toBe(0);
        expect(o.stdout).not.toMatch(RAW_CONTROL);
        expect(o.stdout).not.toContain('\nfake-row');
        expect(o.stdout).toMatch(/evil\\(x1b|u001b)\]0;pwned/);
      }
    }
  });

  it('events escapes them in text and JSON output', async () => {
    const ev: ContainerdEvent = {
      at: 0,
      namespace: 'default',
      topic: '/images/create',
      type: 'containerd.events.ImageCreate',
      image: `img-${EVIL}`,
      containerId: `c-${EVIL}`,
    };
    for (const json of [[], ['--json']]) {
      const o = io();
      const done = events(['--control', h.sock, ...json], o, { tty: true });
      await expect
        .poll(() => {
          emit({ event: 'containerd:events', payload: { events: [ev] } });
          return o.stdout;
        })
        .toContain('pwned');
      o.abort();
      expect(await done).toBe(0);
      expect(o.stdout).not.toMatch(RAW_CONTROL);
      expect(o.stdout).not.toContain('\nfake-row');
    }
  });

  it('piped output keeps the bytes as containerd has them', async () => {
    const o = io();
    expect(await ps(['--control', h.sock], o, { tty: false })).toBe(0);
    expect(o.stdout).toContain(EVIL);
  });
});
