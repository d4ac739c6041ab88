// A link per saved host, kept open with reconnect + backoff; runs link-state's effects (connect, timers, samples).
import type { AnyEvent, ContractError } from '../../common/contract';
import type { SshTarget } from '../../common/hosts';
import type { ControlClient } from '../control-socket/control-client';
import { toContractError } from '../shared/app-error';
import {
  initialLink,
  nextLink,
  type LinkEffect,
  type LinkEvent,
  type LinkState,
} from './link-state';

export interface HostLinksOptions {
  /** How to reach a host (connectSsh in the app; a stand-in in tests). */
  connect: (t: SshTarget) => Promise<ControlClient>;
  /** A status request over each open link this often (latency, and a hung link is noticed). */
  sampleEveryMs?: number;
  /** A sample unanswered this long means the link is down. */
  sampleTimeoutMs?: number;
  now?: () => number;
  random?: () => number;
}

export interface HostLinks {
  /** Keep a link to exactly these hosts (by label); new ones connect, gone ones close. */
  set(targets: SshTarget[]): void;
  states(): Map<string, LinkState>;
  /** The open connection to a host while its link is up (to run commands over), else null. */
  client(name: string): ControlClient | null;
  onChange(fn: (name: string, state: LinkState) => void): () => void;
  /** Every event a host's app pushes over its open link, as it arrives. */
  onEvent(fn: (name: string, e: AnyEvent) => void): () => void;
  dispose(): void;
}

interface Link {
  target: SshTarget;
  state: LinkState;
  client: ControlClient | null;
  /** Bumped on every connect and close: late answers of an older client are ignored. */
  generation: number;
  retryTimer: NodeJS.Timeout | null;
  sampleTimer: NodeJS.Timeout | null;
  sampling: boolean;
  /** A sample was asked for while one was in flight: take another when it ends (its answer may predate the change). */
  resample: boolean;
}

const timeoutError = (label: string, ms: number): ContractError => ({
  code: 'ssh-failed',
  message: `${label}: no answer over the link within ${ms / 1000} s`,
  hint: 'The link is reconnected by itself; check the host and the network if it stays down.',
});

export function createHostLinks(opts: HostLinksOptions): HostLinks {
  const now = opts.now ?? Date.now;
  const random = opts.random ?? Math.random;
  const sampleEveryMs = opts.sampleEveryMs ?? 5000;
  const sampleTimeoutMs = opts.sampleTimeoutMs ?? 5000;
  const links = new Map<string, Link>();
  const listeners = new Set<(name: string, state: LinkState) => void>();
  const eventListeners = new Set<(name: string, e: AnyEvent) => void>();
  let disposed = false;

  const dispatch = (link: Link, e: LinkEvent) => {
    if (disposed || links.get(link.target.label) !== link) return;
    const r = nextLink(link.state, e, random());
    const changed = r.state !== link.state;
    link.state = r.state;
    for (const fx of r.effects) run(link, fx);
    if (changed) for (const fn of [...listeners]) fn(link.target.label, link.state);
  };

  const closeClient = (link: Link) => {
    link.generation++;
    if (link.sampleTimer) clearInterval(link.sampleTimer);
    link.sampleTimer = null;
    link.client?.close();
    link.client = null;
  };

  const sample = async (link: Link) => {
    const client = link.client;
    if (!client) return;
    if (link.sampling) {
      link.resample = true;
      return;
    }
    link.sampling = true;
    link.resample = false;
    const gen = link.generation;
    const t0 = performance.now();
    let timer: NodeJS.Timeout | undefined;
    try {
      const r = await Promise.race([
        client.invoke('daemon:status', {}),
        new Promise<'timeout'>(
          (res) => (timer = setTimeout(() => res('timeout'), sampleTimeoutMs)),
        ),
      ]);
      if (gen !== link.generation) return;
      if (r === 'timeout')
        return dispatch(link, {
          type: 'failed',
          at: now(),
          error: timeoutError(link.target.label, sampleTimeoutMs),
        });
      if (!r.ok) return dispatch(link, { type: 'failed', at: now(), error: r.error });
      dispatch(link, {
        type: 'sample',
        at: now(),
        latencyMs: performance.now() - t0,
        daemon: r.value,
      });
    } finally {
      clearTimeout(timer);
      link.sampling = false;
      if (link.resample && gen === link.generation) void sample(link);
    }
  };

  const connect = (link: Link) => {
    const gen = ++link.generation;
    opts.connect(link.target).then(
      (client) => {
        if (gen !== link.generation || disposed || links.get(link.target.label) !== link) {
          client.close();
          return;
        }
        link.client = client;
        client.onClose((err) => {
          if (gen === link.generation)
            dispatch(link, { type: 'failed', at: now(), error: toContractError(err) });
        });
        void client
          .events((e) => {
            if (gen !== link.generation) return;
            // containerd's changes on the far side show at once, not at the next sample.
            if (e.event === 'daemon:state') void sample(link);
            for (const fn of [...eventListeners]) fn(link.target.label, e);
          })
          .catch(() => undefined);
        link.sampleTimer = setInterval(() => void sample(link), sampleEveryMs);
        dispatch(link, { type: 'connected', at: now() });
      },
      (err: unknown) => {
        if (gen === link.generation)
          dispatch(link, { type: 'failed', at: now(), error: toContractError(err) });
      },
    );
  };

  const run = (link: Link, fx: LinkEffect) => {
    switch (fx.type) {
      case 'connect':
        return connect(link);
      case 'close':
        return closeClient(link);
      case 'sample':
        return void sample(link);
      case 'retry-in':
        if (link.retryTimer) clearTimeout(link.retryTimer);
        link.retryTimer = setTimeout(() => {
          link.retryTimer = null;
          dispatch(link, { type: 'retry', at: now() });
        }, fx.ms);
        return;
    }
  };

  const drop = (link: Link) => {
    links.delete(link.target.label);
    if (link.retryTimer) clearTimeout(link.retryTimer);
    closeClient(link);
  };

  return {
    set(targets) {
      const wanted = new Map(targets.map((t) => [t.label, t]));
      for (const link of [...links.values()]) {
        const t = wanted.get(link.target.label);
        if (!t || t.url !== link.target.url || t.identity !== link.target.identity) drop(link);
      }
      for (const t of targets) {
        if (links.has(t.label)) continue;
        const init = initialLink(now());
        const link: Link = {
          target: t,
          state: init.state,
          client: null,
          generation: 0,
          retryTimer: null,
          sampleTimer: null,
          sampling: false,
          resample: false,
        };
        links.set(t.label, link);
        for (const fn of [...listeners]) fn(t.label, link.state);
        for (const fx of init.effects) run(link, fx);
      }
    },
    states: () => new Map([...links].map(([name, l]) => [name, l.state])),
    client(name) {
      const link = links.get(name);
      return link && link.state.phase === 'up' ? link.client : null;
    },
    onChange(fn) {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
    onEvent(fn) {
      eventListeners.add(fn);
      return () => eventListeners.delete(fn);
    },
    dispose() {
      disposed = true;
      for (const link of [...links.values()]) drop(link);
      listeners.clear();
      eventListeners.clear();
    },
  };
}
