// The window on any host: the host client's wrapping, the switcher and Overview from hosts:list (live on hosts:changed), the truth rules per host, read-only hosts, the host in the route.
import { act, cleanup, render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { AnyEvent, ContractClient } from '../../common/contract';
import type { HostView } from '../../common/hosts';
import { App } from '../../renderer/src/app';
import {
  COUNTDOWN_STEP_MS,
  hostTruth,
  retryText,
  steppedRetryText,
  unreachableText,
} from '../../renderer/src/store/host-truth';
import {
  HOSTS_NOTIFY_MS,
  HostsStore,
  onlyRetryMoved,
  withHostRow,
} from '../../renderer/src/store/hosts-store';
import {
  containerHash,
  containerRouteFromHash,
  pageFromHash,
  splitHostHash,
  withHost,
} from '../../renderer/src/store/pages';
import { preferredNamespace } from '../../common/hosts';
import { hostClient } from '../../renderer/src/transport/host-client';
import { cellRenders, sharedErrors } from '../../renderer/src/views/overview-view';
import { countdownsTicking } from '../../renderer/src/components/retry-countdown';
import type { ConnectionState } from '../../renderer/src/transport/connection';
import { FakeClient, makeStatus, ok } from './fake-client';
import { FakeInsideClient, makeContainer } from './fake-inside-client';

afterEach(() => {
  vi.useRealTimers();
  cleanup();
  window.location.hash = '';
});

const T = new Date(2026, 0, 5, 14, 1, 0).getTime();

function row(name: string, over: Partial<HostView> = {}): HostView {
  return {
    name,
    url: name === 'local' ? null : `ssh://dev@${name}`,
    kind: name === 'local' ? 'local' : 'app',
    phase: 'up',
    state: 'running',
    lastSeen: T,
    latencyMs: name === 'local' ? 0 : 12,
    version: 'v2.1.0',
    containers: { running: 1, total: 2 },
    problems: 0,
    error: null,
    retryAt: null,
    readOnly: null,
    ...over,
  };
}

const DOWN = {
  phase: 'down' as const,
  state: 'unknown' as const,
  error: {
    code: 'transport-failed' as const,
    message: 'ssh: connect to host far port 22: Connection refused',
    hint: 'check that far is up and sshd runs there',
  },
};

/** A base client (this machine) whose hosts:invoke runs on per-host fakes. */
function world(hosts: HostView[], remotes: Record<string, ContractClient> = {}) {
  const base = new FakeClient(makeStatus('running'));
  base.stub('hosts:list', ok({ hosts }));
  base.stub('hosts:invoke', async (p) => {
    const far = remotes[p.host];
    if (!far)
      return {
        ok: false,
        error: { code: 'unknown-host' as never, message: `no host ${p.host}`, hint: 'add it' },
      };
    return far.invoke(p.cmd as never, p.payload as never);
  });
  return base;
}

/** Row changes reach the window batched (HOSTS_NOTIFY_MS): wait that out. */
const settle = () => act(() => new Promise<void>((r) => setTimeout(r, HOSTS_NOTIFY_MS + 50)));

async function renderApp(base: ContractClient) {
  render(<App client={base} />);
  await act(async () => {});
  await act(async () => {});
}

describe('hostClient', () => {
  it('is the base client itself for this machine', () => {
    const base = new FakeClient();
    expect(hostClient(base, 'local')).toBe(base);
  });

  it('sends every command as hosts:invoke with the host, the command and its payload', async () => {
    const base = new FakeClient();
    base.stub('hosts:invoke', ok({ answered: true }));
    const r = await hostClient(base, 'far').invoke('containers:list', { namespace: 'default' });
    expect(r).toEqual(ok({ answered: true }));
    expect(base.callsTo('hosts:invoke')).toEqual([
      { host: 'far', cmd: 'containers:list', payload: { namespace: 'default' } },
    ]);
  });

  it("passes on that host's events unwrapped and drops other hosts', malformed and hosts events", () => {
    const base = new FakeClient();
    const seen: AnyEvent[] = [];
    const off = hostClient(base, 'far').subscribe((e) => seen.push(e));
    const status = makeStatus('stopped');
    const wrapped = (payload: unknown) => ({ event: 'host:event', payload }) as AnyEvent;
    base.push(
      wrapped({ host: 'far', event: 'daemon:state', payload: { status, transition: null } }),
    );
    base.push(wrapped({ host: 'near', event: 'daemon:state', payload: { status } }));
    base.push(wrapped({ host: 'far', event: '', payload: {} }));
    base.push(wrapped({ host: 'far', payload: {} }));
    base.push(wrapped(null));
    base.push(wrapped({ host: 'far', event: 'hosts:changed', payload: { host: row('x') } }));
    base.push({
      event: 'daemon:state',
      payload: { status: makeStatus('running'), transition: null },
    });
    off();
    base.push(wrapped({ host: 'far', event: 'logs:lines', payload: { lines: [] } }));
    expect(seen).toEqual([{ event: 'daemon:state', payload: { status, transition: null } }]);
  });

  it('opens exec streams on the host (host in exec:start) only when main routes them', () => {
    const opened: unknown[] = [];
    const base = Object.assign(new FakeClient(), {
      openStream: (cmd: string, payload: unknown) => {
        opened.push([cmd, payload]);
        return { result: Promise.resolve(ok({})), send: () => true };
      },
    });
    const far = hostClient(base, 'far', { execRoutesHost: true }) as ContractClient & {
      openStream?: typeof base.openStream;
    };
    far.openStream!('exec:start', { namespace: 'default', id: 'web', args: ['sh'] });
    expect(opened).toEqual([
      ['exec:start', { namespace: 'default', id: 'web', args: ['sh'], host: 'far' }],
    ]);
    // Without routing, no stream: the terminal says why rather than opening a shell here.
    expect('openStream' in hostClient(base, 'far')).toBe(false);
  });

  it("reports the host's link as the connection: up is open, down is closed, unknown is connecting", () => {
    const base = new FakeClient();
    let view: HostView | undefined;
    const listeners = new Set<() => void>();
    const links = {
      get: () => view,
      subscribe: (l: () => void) => (listeners.add(l), () => listeners.delete(l)),
    };
    const states: ConnectionState[] = [];
    const c = hostClient(base, 'far', { links }) as ContractClient & {
      onConnection(l: (s: ConnectionState) => void): () => void;
    };
    c.onConnection((s) => states.push(s));
    const change = (v: HostView) => {
      view = v;
      for (const l of listeners) l();
    };
    change(row('far'));
    change(row('far', { latencyMs: 30 }));
    change(row('far', DOWN));
    change(row('far'));
    base.setConnection('closed');
    expect(states).toEqual(['connecting', 'open', 'closed', 'open', 'closed']);
  });
});

describe('host rows', () => {
  it('are Unknown with when they were last seen and the countdown while the link is down', () => {
    const t = hostTruth(row('far', { ...DOWN, retryAt: T + 8000 }), T);
    expect(t).toMatchObject({ kind: 'unknown', label: 'Unknown', tone: 'unknown', live: false });
    expect(t.reason).toBe('last seen 14:01 · reconnecting in 8s');
  });

  it('count down in whole seconds in the last ten, in fives before', () => {
    expect(retryText(T + 8000, T)).toBe('in 8s');
    expect(retryText(T + 8001, T)).toBe('in 9s');
    expect(retryText(T + 21_000, T)).toBe('in 25s');
    expect(retryText(T, T)).toBe('now');
    expect(retryText(null, T)).toBeNull();
  });

  it('count down on the Overview in steps of five seconds of the wall clock, all on the same boundary', () => {
    // T is on a boundary: the text holds until T + 5 s, so it says the time left at T + 2.5 s.
    expect(T % COUNTDOWN_STEP_MS).toBe(0);
    expect(steppedRetryText(T + 22_000, T)).toBe('in ~20s');
    expect(steppedRetryText(T + 23_000, T)).toBe('in ~20s');
    expect(steppedRetryText(T + 22_000, T + 5000)).toBe('in ~15s');
    // Anywhere in a step, the same text (a row drawn mid-step agrees with its neighbours).
    for (const at of [T + 1, T + 2500, T + 4999])
      expect(steppedRetryText(T + 22_000, at)).toBe('in ~20s');
    // Due before the next boundary: "soon"; due: "now".
    expect(steppedRetryText(T + 5000, T)).toBe('soon');
    expect(steppedRetryText(T + 6000, T + 2000)).toBe('in ~5s');
    expect(steppedRetryText(T + 5000, T + 2000)).toBe('soon');
    expect(steppedRetryText(T, T)).toBe('now');
    expect(steppedRetryText(T + 60_000, T)).toBe('in ~1m');
  });

  it('are never green on a guess: connecting or no state yet is Unknown', () => {
    expect(hostTruth(row('far', { phase: 'connecting', state: 'running' }), T).kind).toBe(
      'unknown',
    );
    expect(hostTruth(row('far', { state: 'unknown' }), T).kind).toBe('unknown');
    expect(hostTruth(row('far'), T)).toMatchObject({ kind: 'running', tone: 'ok', live: true });
    expect(hostTruth(row('far', { problems: 2 }), T).reason).toBe('2 problems');
  });

  it('say over the pages since when a host is unreachable and what the pages still show', () => {
    const down = row('far', { ...DOWN, retryAt: T + 8000 + 60_000 });
    expect(unreachableText(down, T + 60_000, T + 60_000)).toBe(
      'far is unreachable since 14:02 — reconnecting in 8s; what you see is from 14:01.',
    );
    expect(unreachableText(row('far'), null, T)).toBeNull();
  });

  it('are replaced where they stand by hosts:changed; a new name is appended', () => {
    const list = [row('local'), row('a'), row('b')];
    const next = withHostRow(list, row('a', DOWN));
    expect(next.map((h) => [h.name, h.phase])).toEqual([
      ['local', 'up'],
      ['a', 'down'],
      ['b', 'up'],
    ]);
    expect(withHostRow(next, row('c')).map((h) => h.name)).toEqual(['local', 'a', 'b', 'c']);
  });

  it('reach listeners once for a burst of changes, with the latest rows', async () => {
    const base = world([row('local'), row('a'), row('b')]);
    const store = new HostsStore(base);
    const stop = store.start();
    await act(async () => {});
    let heard = 0;
    store.subscribe(() => heard++);
    for (let i = 0; i < 20; i++)
      base.push({
        event: 'hosts:changed',
        payload: { host: row(i % 2 ? 'a' : 'b', { latencyMs: i }) },
      });
    expect(heard).toBe(0);
    await settle();
    expect(heard).toBe(1);
    expect(store.get('a')?.latencyMs).toBe(19);
    expect(store.get('b')?.latencyMs).toBe(18);
    stop();
  });

  it('keep this machine live from daemon:state (the service builds its row only on hosts:list)', async () => {
    const base = world([row('local'), row('far')]);
    const store = new HostsStore(base);
    const stop = store.start();
    await act(async () => {});
    base.push({
      event: 'daemon:state',
      payload: { status: makeStatus('stopped', { containers: null }), transition: null },
    });
    expect(store.get('local')?.state).toBe('stopped');
    expect(store.get('far')?.state).toBe('running');
    stop();
  });
});

describe('routes', () => {
  it('carry the host: "#/@far/containers"; this machine keeps its routes', () => {
    expect(withHost('local', '#/containers')).toBe('#/containers');
    expect(withHost('far', '#/containers')).toBe('#/@far/containers');
    expect(splitHostHash('#/@far/containers/default/web')).toEqual({
      host: 'far',
      rest: '#/containers/default/web',
    });
    expect(splitHostHash('#/images')).toEqual({ host: null, rest: '#/images' });
    // The tray opens a host by "#/@far" (its pages, the page left to the window).
    expect(splitHostHash('#/@far')).toEqual({ host: 'far', rest: '#/' });
    expect(pageFromHash('#/@far/plugins')).toBe('plugins');
    expect(containerRouteFromHash('#/@far/containers/k8s.io/web/logs')).toEqual({
      namespace: 'k8s.io',
      id: 'web',
      tab: 'logs',
    });
    expect(containerHash({ namespace: 'default', id: 'web', tab: 'logs' }, 'far')).toBe(
      '#/@far/containers/default/web/logs',
    );
  });

  it('opens a host from the address: its pages list what runs there, through hosts:invoke', async () => {
    const far = new FakeInsideClient();
    far.containers.set('default', [makeContainer('only-on-far', 'running')]);
    const base = world([row('local'), row('far')], { far });
    window.location.hash = '#/@far/containers';
    await renderApp(base);
    await act(async () => {});
    expect(screen.getByTestId('host-switcher').getAttribute('data-host')).toBe('far');
    expect(screen.getByTestId('page-containers').hidden).toBe(false);
    expect(await screen.findByText('only-on-far')).toBeTruthy();
    expect(base.callsTo('hosts:invoke')).toContainEqual({
      host: 'far',
      cmd: 'containers:list',
      payload: { namespace: 'default' },
    });
    // Nothing went to this machine's containers:list.
    expect(base.callsTo('containers:list')).toEqual([]);
    // A link inside the page stays on far.
    expect(screen.getByTestId('container-link').getAttribute('href')).toBe(
      '#/@far/containers/default/only-on-far',
    );
  });
});

describe("far's Status page", () => {
  it("offers cdesk -H from this machine, and marks far's socket commands as far's", async () => {
    const base = world([row('local'), row('far')], { far: new FakeClient(makeStatus('running')) });
    window.location.hash = '#/@far/status';
    await renderApp(base);
    expect(screen.getByTestId('cmd-cdesk').textContent).toBe('cdesk -H far ps -a -n default');
    expect(screen.getByTestId('cmd-ctr').closest('li')?.textContent).toContain('on far itself');
    expect(base.callsTo('hosts:invoke')).toContainEqual({
      host: 'far',
      cmd: 'daemon:status',
      payload: {},
    });
  });
});

describe('host switcher', () => {
  it('lists every host with its badge, Unknown with last seen for one that is down, and opens the one picked', async () => {
    const base = world([row('local'), row('far', { ...DOWN, retryAt: Date.now() + 8000 })]);
    await renderApp(base);
    const button = screen.getByTestId('host-switcher');
    expect(button.getAttribute('data-host')).toBe('local');
    button.focus();
    await userEvent.keyboard('{ArrowDown}');
    const list = screen.getByRole('listbox', { name: 'Hosts' });
    const far = within(list).getByTestId('host-option-far');
    expect(far.querySelector('[data-kind]')?.getAttribute('data-kind')).toBe('unknown');
    expect(far.textContent).toContain('last seen 14:01');
    expect(far.textContent).toContain('reconnecting in');
    expect(
      within(list)
        .getByTestId('host-option-local')
        .querySelector('[data-kind]')
        ?.getAttribute('data-kind'),
    ).toBe('running');
    await userEvent.keyboard('{ArrowDown}{Enter}');
    expect(window.location.hash).toBe('#/@far/status');
    await act(async () => {});
    expect(screen.getByTestId('host-switcher').getAttribute('data-host')).toBe('far');
  });

  it("freezes far's pages while its link is down: the badge is Unknown and the banner says since when", async () => {
    const base = world([row('local'), row('far', { ...DOWN, retryAt: Date.now() + 8000 })], {
      far: new FakeClient(makeStatus('running')),
    });
    window.location.hash = '#/@far/status';
    await renderApp(base);
    const badge = screen.getByTestId('state-badge');
    expect(badge.getAttribute('data-kind')).toBe('unknown');
    const banner = screen.getByTestId('host-banner');
    expect(banner.textContent).toMatch(
      /^far is unreachable since \d\d:\d\d — reconnecting in \d+s; what you see is from 14:01\./,
    );
    expect(banner.textContent).toContain('Connection refused');
    expect(screen.getByTestId('state-reason').textContent).toMatch(
      /^last seen \d\d:\d\d · the link to far is down; reconnecting…$/,
    );
    // The link comes back: the pages go live.
    await act(async () =>
      base.push({
        event: 'hosts:changed',
        payload: { host: row('far', { lastSeen: Date.now() }) },
      }),
    );
    await settle();
    expect(screen.queryByTestId('host-banner')).toBeNull();
    expect(screen.getByTestId('state-badge').getAttribute('data-kind')).toBe('running');
  });
});

describe('HostsStore', () => {
  it("tells a down host's new retry time alone on the countdowns' step, any other change within a second", async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    const far = row('far', { ...DOWN, retryAt: Date.now() + 1000 });
    expect(onlyRetryMoved(far, { ...far, retryAt: Date.now() + 30_000 })).toBe(true);
    expect(onlyRetryMoved(far, { ...far, lastSeen: T + 1 })).toBe(false);
    expect(onlyRetryMoved(far, row('far'))).toBe(false);
    expect(onlyRetryMoved(row('far'), row('far', { latencyMs: 3 }))).toBe(false);
    const base = world([row('local'), far]);
    const store = new HostsStore(base);
    const stop = store.start();
    await act(async () => {});
    let heard = 0;
    store.subscribe(() => heard++);
    // Put the clock just after a step, so a second and a step are told apart.
    await act(async () =>
      vi.advanceTimersByTime(COUNTDOWN_STEP_MS - (Date.now() % COUNTDOWN_STEP_MS) + 10),
    );
    heard = 0;
    base.push({
      event: 'hosts:changed',
      payload: { host: { ...far, retryAt: Date.now() + 30_000 } },
    });
    await act(async () => vi.advanceTimersByTime(HOSTS_NOTIFY_MS + 50));
    expect(heard).toBe(0);
    await act(async () => vi.advanceTimersByTime(COUNTDOWN_STEP_MS - HOSTS_NOTIFY_MS));
    expect(heard).toBe(1);
    // A real change (the link is up again) goes out within the second, with any retry pending.
    base.push({
      event: 'hosts:changed',
      payload: { host: { ...far, retryAt: Date.now() + 9000 } },
    });
    base.push({ event: 'hosts:changed', payload: { host: row('far') } });
    await act(async () => vi.advanceTimersByTime(HOSTS_NOTIFY_MS + 50));
    expect(heard).toBe(2);
    expect(store.get('far')?.phase).toBe('up');
    stop();
  });

  it("takes hosts:retries' new times for down hosts on the countdowns' step, and ignores up or unknown hosts", async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    const far = row('far', { ...DOWN, retryAt: Date.now() + 1000 });
    const base = world([row('local'), far, row('edge')]);
    const store = new HostsStore(base);
    const stop = store.start();
    await act(async () => {});
    let heard = 0;
    store.subscribe(() => heard++);
    const at = Date.now() + 30_000;
    base.push({
      event: 'hosts:retries',
      payload: {
        retries: [
          { name: 'far', retryAt: at },
          { name: 'edge', retryAt: at },
          { name: 'nobody', retryAt: at },
        ],
      },
    });
    expect(store.get('far')?.retryAt).toBe(at);
    expect(store.get('edge')?.retryAt).toBeNull();
    expect(heard).toBe(0);
    await act(async () => vi.advanceTimersByTime(COUNTDOWN_STEP_MS + 10));
    expect(heard).toBe(1);
    // Nothing for a row it knows: no notice at all.
    base.push({ event: 'hosts:retries', payload: { retries: [{ name: 'edge', retryAt: at }] } });
    await act(async () => vi.advanceTimersByTime(COUNTDOWN_STEP_MS + 10));
    expect(heard).toBe(1);
    stop();
  });

  it('drops a row when hosts:changed says the host was removed', async () => {
    const base = world([row('local'), row('far'), row('edge')]);
    const store = new HostsStore(base, 0);
    const stop = store.start();
    await act(async () => {});
    expect(store.getState().hosts?.map((h) => h.name)).toEqual(['local', 'far', 'edge']);
    store.apply({ event: 'hosts:changed', payload: { host: row('far'), removed: true } });
    expect(store.getState().hosts?.map((h) => h.name)).toEqual(['local', 'edge']);
    expect(store.get('far')).toBeUndefined();
    stop();
  });
});

describe('Overview', () => {
  it('shows one row per host with state, version, counts, latency and the link error, live on hosts:changed', async () => {
    const base = world([
      row('local', { containers: { running: 3, total: 7 } }),
      row('far', { ...DOWN, retryAt: Date.now() + 8000 }),
      row('edge', { kind: 'agentless', readOnly: 'agentless: only reading works there' }),
    ]);
    window.location.hash = '#/overview';
    await renderApp(base);
    const rows = screen.getAllByTestId('overview-table-row');
    expect(rows.map((r) => r.getAttribute('data-key'))).toEqual(['local', 'far', 'edge']);
    expect(rows[0]!.textContent).toContain('3 / 7');
    expect(rows[0]!.textContent).toContain('v2.1.0');
    expect(within(rows[1]!).getByTestId('overview-badge').getAttribute('data-kind')).toBe(
      'unknown',
    );
    expect(rows[1]!.textContent).toContain('last seen 14:01 · reconnecting');
    expect(within(rows[1]!).getByTestId('overview-retry').textContent).toMatch(/^in ~(5|10)s$/);
    // An error one host has: under its row, with what to do.
    expect(screen.getByTestId('overview-error').textContent).toBe(
      'ssh: connect to host far port 22: Connection refused — check that far is up and sshd runs there',
    );
    expect(screen.queryByTestId('overview-error-groups')).toBeNull();
    expect(rows[2]!.textContent).toContain('read-only');
    expect(rows[2]!.textContent).toContain('12 ms');
    expect(screen.getByTestId('overview-summary').textContent).toBe('3 hosts · 2 reachable');

    await act(async () =>
      base.push({
        event: 'hosts:changed',
        payload: { host: row('far', { containers: { running: 5, total: 6 }, latencyMs: 40 }) },
      }),
    );
    await settle();
    const after = screen.getAllByTestId('overview-table-row');
    expect(after[1]!.textContent).toContain('5 / 6');
    expect(after[1]!.textContent).toContain('40 ms');
    expect(within(after[1]!).getByTestId('overview-badge').getAttribute('data-kind')).toBe(
      'running',
    );
    expect(screen.queryByTestId('overview-error')).toBeNull();
  });

  it('says an error several hosts share once above the table, with how many and which, each row keeping its badge', async () => {
    const downs = Array.from({ length: 5 }, (_, i) =>
      row(`down-${i}`, { ...DOWN, retryAt: Date.now() + 20_000 }),
    );
    const own = {
      ...DOWN,
      error: { code: 'ssh-auth' as const, message: 'the server refused the key', hint: 'add it' },
    };
    const base = world([row('local'), ...downs, row('edge', own)]);
    window.location.hash = '#/overview';
    await renderApp(base);
    const groups = screen.getAllByTestId('overview-error-group');
    expect(groups.length).toBe(1);
    expect(groups[0]!.getAttribute('data-hosts')).toBe('5');
    expect(groups[0]!.querySelector('summary')!.textContent).toBe(
      '5 hosts ssh: connect to host far port 22: Connection refused — check that far is up and sshd runs there',
    );
    expect(groups[0]!.textContent).toContain('down-0, down-1, down-2, down-3, down-4');
    // The shared error is not repeated under those rows; edge's own error stays under edge.
    const errors = screen.getAllByTestId('overview-error');
    expect(
      errors.map((e) => e.closest('tr')?.previousElementSibling?.getAttribute('data-key')),
    ).toEqual(['edge']);
    expect(errors[0]!.textContent).toBe('the server refused the key — add it');
    // Every row keeps its own badge and countdown.
    const rows = screen.getAllByTestId('overview-table-row');
    expect(rows.length).toBe(7);
    for (const r of rows.slice(1)) {
      expect(within(r).getByTestId('overview-badge').getAttribute('data-kind')).toBe('unknown');
      expect(r.textContent).toContain('last seen 14:01 · reconnecting');
    }
    // One of them comes back: four share the error now.
    await act(async () => base.push({ event: 'hosts:changed', payload: { host: row('down-0') } }));
    await settle();
    expect(screen.getByTestId('overview-error-group').getAttribute('data-hosts')).toBe('4');
  });

  it('groups hosts by the error text without their names, and the hint', () => {
    const a = row('a', {
      ...DOWN,
      url: 'ssh://x',
      error: { ...DOWN.error, message: 'a (ssh://x): refused' },
    });
    const b = row('b', {
      ...DOWN,
      url: 'ssh://y',
      error: { ...DOWN.error, message: 'b (ssh://y): refused' },
    });
    const c = row('c', { ...DOWN, error: { ...DOWN.error, hint: 'another hint' } });
    const d = row('d', { ...DOWN, error: { ...DOWN.error, hint: 'another hint' } });
    const e = row('e', { ...DOWN, error: { ...DOWN.error, hint: 'another hint' } });
    expect(sharedErrors([row('local'), a, b, c, d, e, row('up')])).toEqual([
      {
        key: expect.any(String),
        text: DOWN.error.message,
        hint: 'another hint',
        hosts: ['c', 'd', 'e'],
      },
      { key: expect.any(String), text: 'refused', hint: DOWN.error.hint, hosts: ['a', 'b'] },
    ]);
    expect(sharedErrors([row('local'), a])).toEqual([]);
  });

  it("renders only the changed host's row, and countdowns move together on the clock's step without re-rendering rows", async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    const downs = Array.from({ length: 20 }, (_, i) =>
      row(`down-${i}`, { ...DOWN, retryAt: Date.now() + 13_000 + i * 1000 }),
    );
    const base = world([row('local'), row('far'), ...downs]);
    window.location.hash = '#/overview';
    await renderApp(base);
    const texts = () => screen.getAllByTestId('overview-retry').map((e) => e.textContent);
    expect(texts().length).toBe(20);
    // From just past a step, a whole step's room before the next: the clock also runs on its own
    // (shouldAdvanceTime), and a slow machine must not carry it over the next step unseen.
    await act(async () =>
      vi.advanceTimersByTime(COUNTDOWN_STEP_MS - (Date.now() % COUNTDOWN_STEP_MS) + 10),
    );
    const first = texts();
    cellRenders.clear();
    // Until the step, no countdown moves; on it, they move together, and no row renders again.
    const toStep = COUNTDOWN_STEP_MS - (Date.now() % COUNTDOWN_STEP_MS);
    const step = Date.now() + toStep;
    await act(async () => vi.advanceTimersByTime(toStep - 300));
    expect(texts()).toEqual(first);
    await act(async () => vi.advanceTimersByTime(600));
    const moved = texts().filter((t, i) => t !== first[i]).length;
    expect(moved).toBeGreaterThan(10);
    expect(texts()).toEqual(downs.map((d) => steppedRetryText(d.retryAt!, step)));
    expect([...cellRenders.values()].reduce((a, b) => a + b, 0)).toBe(0);
    expect(countdownsTicking()).toBe(20);
    // One host changes: its row renders, the other 21 do not.
    await act(async () =>
      base.push({
        event: 'hosts:changed',
        payload: { host: row('far', { containers: { running: 2, total: 2 } }) },
      }),
    );
    await act(async () => vi.advanceTimersByTime(HOSTS_NOTIFY_MS + 50));
    expect(screen.getAllByTestId('overview-table-row')[1]!.textContent).toContain('2 / 2');
    expect([...cellRenders.keys()]).toEqual(['far']);
    // A down host's next retry time alone: its countdown takes it on the next step, its cells do not render.
    cellRenders.clear();
    const retryAt = Date.now() + 40_000;
    await act(async () =>
      base.push({
        event: 'hosts:changed',
        payload: { host: row('down-0', { ...DOWN, retryAt }) },
      }),
    );
    const next = COUNTDOWN_STEP_MS - (Date.now() % COUNTDOWN_STEP_MS);
    const nextStep = Date.now() + next;
    await act(async () => vi.advanceTimersByTime(next - 300));
    expect(texts()[0]).not.toBe(steppedRetryText(retryAt, nextStep));
    await act(async () => vi.advanceTimersByTime(600));
    expect(texts()[0]).toBe(steppedRetryText(retryAt, nextStep));
    expect(cellRenders.size).toBe(0);
    // Leaving the Overview stops every countdown's clock.
    await act(async () => {
      window.location.hash = '#/status';
      await vi.advanceTimersByTimeAsync(10);
    });
    expect(countdownsTicking()).toBe(0);
  });

  it('opens a host with Enter on its row, or a click', async () => {
    const base = world([row('local'), row('far')]);
    window.location.hash = '#/overview';
    await renderApp(base);
    const rows = screen.getAllByTestId('overview-table-row');
    rows[1]!.focus();
    await userEvent.keyboard('{Enter}');
    expect(window.location.hash).toBe('#/@far/status');
    await act(async () => {
      window.location.hash = '#/overview';
      await new Promise((r) => setTimeout(r, 10));
    });
    await userEvent.click(
      screen.getAllByTestId('overview-table-row')[0]!.querySelector('td:nth-child(3)')!,
    );
    expect(window.location.hash).toBe('#/status');
  });
});

describe('read-only hosts', () => {
  it('disable every action that changes something, each with the reason, and preselect k8s.io', async () => {
    const reason = 'agentless: containerd over ssh, only reading works there';
    const edge = new FakeInsideClient();
    edge.containers.set('default', []);
    edge.containers.set('k8s.io', [makeContainer('coredns', 'running', { namespace: 'k8s.io' })]);
    const base = world([row('local'), row('edge', { kind: 'agentless', readOnly: reason })], {
      edge,
    });
    window.location.hash = '#/@edge/containers';
    await renderApp(base);
    await act(async () => {});
    expect(await screen.findByText('coredns')).toBeTruthy();
    expect(screen.getByTestId('host-readonly').textContent).toContain(reason);
    for (const name of ['Stop coredns', 'Kill coredns', 'Delete coredns']) {
      const b = screen.getByRole('button', { name });
      expect((b as HTMLButtonElement).disabled).toBe(true);
      expect(b.getAttribute('title')).toContain(reason);
    }
    for (const id of ['btn-start', 'btn-stop', 'btn-restart']) {
      const b = screen.getByTestId(id);
      expect(b.getAttribute('aria-disabled')).toBe('true');
      expect(b.getAttribute('title')).toContain(reason);
    }
    // Namespaces arrived: the page moved to k8s.io, where a Kubernetes node keeps its containers.
    expect(screen.getByRole('combobox', { name: /namespace/i })).toHaveProperty('value', 'k8s.io');
    expect(preferredNamespace(['default', 'k8s.io'], 'agentless')).toBe('k8s.io');
    expect(preferredNamespace(['default', 'k8s.io'], 'app')).toBe('default');
    expect(preferredNamespace([{ name: 'moby' }], 'agentless')).toBe('default');
  });

  it("point an empty page at a terminal there, not at this window's Run… or Pull", async () => {
    const edge = new FakeInsideClient();
    edge.containers.set('default', []);
    edge.images.set('default', []);
    const base = world([row('local'), row('edge', { kind: 'agentless', readOnly: 'read only' })], {
      edge,
    });
    window.location.hash = '#/@edge/containers';
    await renderApp(base);
    await act(async () => {});
    const empty = (await screen.findByTestId('containers-empty')).textContent;
    expect(empty).toContain('Run one from a terminal:');
    expect(empty).toContain('No image yet? Import one:');
    expect(empty).not.toContain('Images page');
    window.location.hash = '#/@edge/images';
    await act(async () => {});
    const images = (await screen.findByTestId('images-empty')).textContent;
    expect(images).toContain('Import an image archive from a terminal on that machine:');
    expect(images).not.toContain('Pull field');
  });
});

vi.setConfig({ testTimeout: 15_000 });
