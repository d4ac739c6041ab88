// The base of the window's stores: one immutable state, changed by patches, with listeners told
// after each change (the getState/subscribe pair useSyncExternalStore reads).
export class SmallStore<S extends object> {
  private readonly listeners = new Set<() => void>();

  constructor(protected state: S) {}

  getState = (): S => this.state;

  subscribe = (l: () => void): (() => void) => {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  };

  /** Apply a patch (or the patch `change` makes of the state); an empty one notifies no one. */
  protected set(change: Partial<S> | ((s: S) => Partial<S>)): void {
    const patch = typeof change === 'function' ? change(this.state) : change;
    if (Object.keys(patch).length === 0) return;
    this.state = { ...this.state, ...patch };
    for (const l of [...this.listeners]) l();
  }
}
