//! Joins concurrent calls for one key: while a call for key K runs, further calls for K get that
//! call's outcome instead of running again. The Task service's Delete uses it: containerd runs two
//! `task rm` of one container side by side (and tears the shim connection down once either one
//! returns), so a second Delete must not fail NotFound while the first is still deleting.

export class SingleFlight<K, V> {
  private readonly inFlight = new Map<K, Promise<V>>();

  /** Runs `fn` for `key`, or joins the call for `key` already running; no key: just runs it. */
  run(key: K | undefined, fn: () => Promise<V>): Promise<V> {
    if (key === undefined) return fn();
    const running = this.inFlight.get(key);
    if (running !== undefined) return running;
    const call = fn().finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, call);
    return call;
  }

  /** Keys with a call running. */
  get size(): number {
    return this.inFlight.size;
  }
}
