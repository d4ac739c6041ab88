// containerd's event stream: subscribe (and know when it is live), type envelopes, batch them, keep a recent ring.
import type { ContainerdEvent } from '../../common/containerd';
import {
  EventsService,
  PublishRequest,
  SubscribeRequest,
} from '../shared/api/services/events/v1/events';
import type { ContainerdClient, StreamHandle } from './client';
import { SUBSCRIBED_TOPIC, toContainerdEvent } from './map';

/** How long to wait for our own marker event before treating the subscription as live anyway. */
const MARKER_WAIT_MS = 2_000;
/** A flush also happens once this many events are waiting (bounds a batch's bytes). */
const MAX_BATCH = 500;
/** Re-publish the marker this often until it is seen. */
const MARKER_RETRY_MS = 50;

export interface EventFeedOptions {
  batchMs: number;
  recentLimit: number;
  onBatch(events: ContainerdEvent[]): void;
  /** Called for every event as it arrives (before batching); false drops it (a duplicate). */
  onEvent?(e: ContainerdEvent): boolean | void;
}

export class EventFeed {
  private stream: StreamHandle | null = null;
  private pending: ContainerdEvent[] = [];
  private timer: NodeJS.Timeout | null = null;
  private ring: ContainerdEvent[] = [];
  private gen = 0;

  constructor(private readonly o: EventFeedOptions) {}

  /**
   * Subscribe to every event; resolves once the stream is live (our marker came back), so a list
   * read afterwards misses nothing. `onEnd` runs once if the stream ends while still wanted.
   * `marker: false` publishes nothing (a containerd only read from, another's): resolves once the
   * stream is started, without that guarantee.
   */
  async subscribe(
    c: ContainerdClient,
    onEnd: (err: unknown) => void,
    o: { marker?: boolean } = {},
  ): Promise<void> {
    this.unsubscribe();
    const gen = ++this.gen;
    const marker = `${process.pid}-${gen}-${Date.now()}`;
    let markerSeen: () => void = () => undefined;
    const seen = new Promise<void>((resolve) => (markerSeen = resolve));
    const h = c.stream(EventsService.subscribe, SubscribeRequest.create(), (env) => {
      if (env.topic === SUBSCRIBED_TOPIC) {
        if (env.event?.type_url === marker) markerSeen();
        return;
      }
      this.push(toContainerdEvent(env));
    });
    if (gen !== this.gen) {
      h.cancel();
      return;
    }
    this.stream = h;
    h.done.then(
      () => gen === this.gen && onEnd(null),
      (err: unknown) => gen === this.gen && onEnd(err),
    );
    if (o.marker === false) return;
    // There is no "subscribed" signal: publish a marker (a type nobody decodes) until it comes back.
    // The server may not have registered the stream yet when the first one goes out, so repeat.
    let live = false;
    void seen.then(() => (live = true));
    const deadline = Date.now() + MARKER_WAIT_MS;
    while (!live && gen === this.gen && Date.now() < deadline) {
      await c
        .call(
          EventsService.publish,
          PublishRequest.create({
            topic: SUBSCRIBED_TOPIC,
            event: { type_url: marker, value: Buffer.alloc(0) },
          }),
          { namespace: 'default', timeoutMs: MARKER_WAIT_MS },
        )
        .catch(() => undefined);
      await Promise.race([
        seen,
        new Promise<void>((resolve) => setTimeout(resolve, MARKER_RETRY_MS)),
      ]);
    }
  }

  unsubscribe(): void {
    this.gen++;
    this.stream?.cancel();
    this.stream = null;
  }

  /** Add events that did not come from the stream (exits found missing after an outage). */
  inject(events: ContainerdEvent[]): void {
    for (const e of events) this.push(e, false);
  }

  private push(e: ContainerdEvent, notify = true): void {
    if (notify && this.o.onEvent?.(e) === false) return;
    this.ring.push(e);
    if (this.ring.length > this.o.recentLimit)
      this.ring.splice(0, this.ring.length - this.o.recentLimit);
    this.pending.push(e);
    if (this.pending.length >= MAX_BATCH) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), this.o.batchMs);
  }

  private flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (!this.pending.length) return;
    const batch = this.pending;
    this.pending = [];
    this.o.onBatch(batch);
  }

  /** The newest `limit` events, oldest first, optionally of one namespace. */
  recent(namespace: string | undefined, limit: number): ContainerdEvent[] {
    const list = namespace ? this.ring.filter((e) => e.namespace === namespace) : this.ring;
    return list.slice(-limit);
  }

  dispose(): void {
    this.unsubscribe();
    this.flush();
  }
}
