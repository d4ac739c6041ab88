// A fake ContractClient for the inside views: answers inside commands from stubs, records calls, pushes containerd events.
import type {
  AnyEvent,
  CommandName,
  CommandPayload,
  CommandResults,
  ContractClient,
  ContractError,
  EventName,
  EventPayloads,
  Result,
} from '../../common/contract';
import type {
  ContainerInfo,
  ContainerdEvent,
  ImageInfo,
  InsideStatus,
  PluginInfo,
  Problem,
  TaskStatus,
} from '../../common/containerd';
import type { DaemonState, DaemonStatus } from '../../common/states';
import type { ConnectionState } from '../../renderer/src/transport/connection';
import { makeStatus } from './fake-client';

type Handler<C extends CommandName> = (
  payload: CommandPayload<C>,
) => Result<CommandResults[C]> | Promise<Result<CommandResults[C]>>;

export const SOCKET = '/run/cdesk/containerd.sock';

export class FakeInsideClient implements ContractClient {
  readonly calls: { name: CommandName; payload: unknown }[] = [];
  private readonly handlers = new Map<CommandName, Handler<CommandName>>();
  private readonly listeners = new Set<(e: AnyEvent) => void>();
  private readonly linkListeners = new Set<(s: ConnectionState) => void>();
  /** containers per namespace: what containers:list answers. */
  containers = new Map<string, ContainerInfo[]>();
  images = new Map<string, ImageInfo[]>();
  plugins: PluginInfo[] = [];
  problems: Problem[] = [];
  recent: ContainerdEvent[] = [];
  status: DaemonStatus = makeStatus('running');

  constructor() {
    this.on('daemon:status', () => ok(this.status));
    this.on('namespaces:list', () =>
      ok({
        namespaces: [...new Set([...this.containers.keys(), ...this.images.keys()])].map(
          (name) => ({
            name,
            labels: {},
            containers: this.containers.get(name)?.length ?? 0,
            images: this.images.get(name)?.length ?? 0,
          }),
        ),
      }),
    );
    this.on('containers:list', (p) =>
      // A copy, as a real transport would deliver: tests mutate their lists afterwards.
      ok({ namespace: p.namespace, containers: [...(this.containers.get(p.namespace) ?? [])] }),
    );
    this.on('images:list', (p) => {
      const images = [...(this.images.get(p.namespace) ?? [])];
      return ok({
        namespace: p.namespace,
        images,
        totalSize: images.reduce((a, i) => a + (i.size ?? 0), 0),
        snapshotters: [
          { snapshotter: 'overlayfs', bytes: 5 * 1024 * 1024, inodes: 120, snapshots: 3 },
        ],
      });
    });
    this.on('plugins:list', () =>
      ok({
        plugins: this.plugins,
        problems: this.problems,
        version: { version: 'v1.6.20', revision: 'abc' },
      }),
    );
    this.on('events:recent', () => ok({ events: this.recent }));
  }

  /** Answer `name` with `h` (replaces the default). */
  on<C extends CommandName>(name: C, h: Handler<C>): this {
    this.handlers.set(name, h as unknown as Handler<CommandName>);
    return this;
  }

  /** The current answer for `name`, to wrap in a test's own. */
  handler<C extends CommandName>(name: C): Handler<C> {
    const h = this.handlers.get(name);
    if (!h) throw new Error(`${name} has no handler`);
    return h as unknown as Handler<C>;
  }

  callsTo<C extends CommandName>(name: C): CommandPayload<C>[] {
    return this.calls.filter((c) => c.name === name).map((c) => c.payload as CommandPayload<C>);
  }

  async invoke<C extends CommandName>(
    name: C,
    payload: CommandPayload<C>,
  ): Promise<Result<CommandResults[C]>> {
    this.calls.push({ name, payload });
    const h = this.handlers.get(name) as Handler<C> | undefined;
    if (!h)
      return fail({ code: 'unknown-command', message: `${name} not stubbed`, hint: 'stub it' });
    return h(payload);
  }

  subscribe(listener: (e: AnyEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Like the WebSocket client: report the link to the app dropping and coming back. */
  onConnection(listener: (s: ConnectionState) => void): () => void {
    this.linkListeners.add(listener);
    return () => this.linkListeners.delete(listener);
  }

  link(state: ConnectionState): void {
    for (const l of [...this.linkListeners]) l(state);
  }

  push<E extends EventName>(event: E, payload: EventPayloads[E]): void {
    // The one cast: TypeScript cannot correlate a generic name with its member of the AnyEvent union.
    const e = { event, payload } as AnyEvent;
    for (const l of [...this.listeners]) l(e);
  }

  events(...events: ContainerdEvent[]): void {
    this.push('containerd:events', { events });
  }

  insideStatus(state: InsideStatus['state'], problems: Problem[] = []): void {
    this.push('inside:status', {
      inside: { state, listedAt: state === 'connected' ? Date.now() : null, message: null },
      problems,
    });
  }

  daemonState(state: DaemonState): void {
    this.status = makeStatus(state);
    this.push('daemon:state', { status: this.status, transition: null });
  }
}

export function ok<T>(value: T): Result<T> {
  return { ok: true, value };
}

export function fail<T>(error: ContractError): Result<T> {
  return { ok: false, error };
}

const T0 = 1_700_000_000_000;

export function makeContainer(
  id: string,
  status: TaskStatus | null,
  over: Partial<ContainerInfo> = {},
): ContainerInfo {
  return {
    namespace: 'default',
    id,
    image: 'docker.io/library/busybox:latest',
    runtime: 'io.containerd.runc.v2',
    labels: {},
    snapshotter: 'overlayfs',
    snapshotKey: id,
    createdAt: T0,
    updatedAt: T0,
    task:
      status === null
        ? null
        : {
            pid: status === 'stopped' ? 0 : 1000 + id.length,
            status,
            exitStatus: status === 'stopped' ? 137 : null,
            exitedAt: status === 'stopped' ? T0 + 5000 : null,
          },
    ...over,
  };
}

export function makeImage(name: string, over: Partial<ImageInfo> = {}): ImageInfo {
  return {
    namespace: 'default',
    name,
    digest: 'sha256:' + 'ab12cd34ef56'.repeat(5) + 'abcd',
    mediaType: 'application/vnd.oci.image.index.v1+json',
    createdAt: T0,
    updatedAt: T0,
    size: 2 * 1024 * 1024,
    usedBy: [],
    ...over,
  };
}

export function ev(
  topic: string,
  containerId: string,
  over: Partial<ContainerdEvent> = {},
): ContainerdEvent {
  return {
    at: Date.now(),
    namespace: 'default',
    topic,
    type: 'containerd.events.X',
    containerId,
    ...over,
  };
}
