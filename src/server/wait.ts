// Pending client requests, keyed by the sequence number this member put in the proposal
// envelope: the member that accepted a request answers it when its own apply reaches the entry.

export interface Waiter<T> {
  resolve(value: T): void;
  reject(err: Error): void;
}

export class WaitRegistry<T = unknown> {
  private readonly pending = new Map<number, Waiter<T>>();
  private nextSeq = 1;

  /** Registers a new waiter and returns its sequence number and promise. */
  register(): { seq: number; promise: Promise<T> } {
    const seq = this.nextSeq++;
    const promise = new Promise<T>((resolve, reject) => {
      this.pending.set(seq, { resolve, reject });
    });
    // A waiter can be failed (timeout, stop) before its caller awaits the promise, e.g.
    // while the proposal is still waiting for a leader: that must not count as an
    // unhandled rejection, which would take the whole member down.
    promise.catch(() => undefined);
    return { seq, promise };
  }

  trigger(seq: number, value: T): void {
    const w = this.pending.get(seq);
    if (w === undefined) return; // answered already (timeout) or registered before a restart
    this.pending.delete(seq);
    w.resolve(value);
  }

  fail(seq: number, err: Error): void {
    const w = this.pending.get(seq);
    if (w === undefined) return;
    this.pending.delete(seq);
    w.reject(err);
  }

  /** Fails every pending request, e.g. when the member stops. */
  failAll(err: Error): void {
    const all = [...this.pending.values()];
    this.pending.clear();
    for (const w of all) w.reject(err);
  }

  get size(): number {
    return this.pending.size;
  }
}
