// v2 watches: the bounded event history (waitIndex look-ups) and the hub that hands applied
// events to the watchers registered on a key or on one of its parent directories.
import { cloneEvent } from "./event.js";
import type { V2Event } from "./event.js";
import { V2Code, V2Error } from "./errors.js";
import { cleanPath } from "./path.js";

export const EVENT_HISTORY_CAPACITY = 1000;
/** A watcher whose consumer lags by more than this many events is dropped (closed). */
export const WATCHER_QUEUE_CAPACITY = 100;

export class EventHistory {
  private events: V2Event[] = [];
  /** Index of the oldest event kept (0 while empty). */
  startIndex = 0;
  /** Index of the newest event kept (0 while empty). */
  lastIndex = 0;

  constructor(readonly capacity = EVENT_HISTORY_CAPACITY) {}

  add(e: V2Event): void {
    const index = e.node.modifiedIndex;
    if (this.events.length > 0 && index <= this.lastIndex) {
      throw new Error(`v2 event history: index ${index} after ${this.lastIndex}`);
    }
    this.events.push(e);
    if (this.events.length > this.capacity) this.events.shift();
    this.lastIndex = index;
    this.startIndex = this.events[0]!.node.modifiedIndex;
  }

  /**
   * The first event at or after `index` that concerns `key` (or its subtree when recursive), or
   * null when there is none yet. Throws 401 when `index` is older than the history kept.
   */
  scan(key: string, recursive: boolean, index: number, storeIndex: number): V2Event | null {
    if (index < this.startIndex) {
      throw new V2Error(
        V2Code.EventIndexCleared,
        `the requested history has been cleared [${this.startIndex}/${index}]`,
        storeIndex,
      );
    }
    if (index > this.lastIndex) return null;
    let prefix = cleanPath(key);
    if (!prefix.endsWith("/")) prefix += "/";
    for (const e of this.events) {
      if (e.node.modifiedIndex < index || e.refresh === true) continue;
      let ok = e.node.key === key || (recursive && e.node.key.startsWith(prefix));
      // Deleting or expiring a directory concerns every key below it (a plain string prefix
      // test, as etcd does it).
      if (
        (e.action === "delete" || e.action === "expire") &&
        e.prevNode?.dir === true &&
        key.startsWith(e.prevNode.key)
      ) {
        ok = true;
      }
      if (ok) return e;
    }
    return null;
  }

  toJSON(): V2Event[] {
    return this.events.map((e) => ({ ...cloneEvent(e), ...(e.refresh ? { refresh: true } : {}) }));
  }

  restore(events: V2Event[]): void {
    this.events = [];
    this.startIndex = 0;
    this.lastIndex = 0;
    for (const e of events) this.add(e);
  }
}

/**
 * One watch. A one-shot watcher ends after its first event; a stream watcher keeps receiving
 * until removed. Consume with next(); null means the watcher is closed.
 */
export class V2Watcher {
  private queue: V2Event[] = [];
  private waiter: ((e: V2Event | null) => void) | null = null;
  private closed = false;
  /** Unregisters from the hub; null when the watcher was answered from the history. */
  unregister: (() => void) | null = null;

  constructor(
    readonly recursive: boolean,
    readonly stream: boolean,
    readonly sinceIndex: number,
    /** The store index when the watch began (sent as X-Etcd-Index). */
    readonly startIndex: number,
  ) {}

  /** Hub side: offers an event; true when the watcher took it (it matched). */
  offer(e: V2Event, originalPath: boolean, deleted: boolean): boolean {
    if (!(this.recursive || originalPath || deleted) || e.node.modifiedIndex < this.sinceIndex) {
      return false;
    }
    this.push(e);
    return true;
  }

  push(e: V2Event): void {
    if (this.closed) return;
    if (this.waiter !== null) {
      const w = this.waiter;
      this.waiter = null;
      w(e);
      return;
    }
    if (this.queue.length >= WATCHER_QUEUE_CAPACITY) {
      // The consumer is not keeping up: drop the watch rather than buffer without bound.
      this.remove();
      return;
    }
    this.queue.push(e);
  }

  /** The next event, or null once the watcher is closed and drained. */
  next(): Promise<V2Event | null> {
    const e = this.queue.shift();
    if (e !== undefined) return Promise.resolve(e);
    if (this.closed) return Promise.resolve(null);
    if (this.waiter !== null) throw new Error("V2Watcher.next: already waiting");
    return new Promise((resolve) => (this.waiter = resolve));
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Stops the watch (idempotent): unregisters it and wakes a pending next() with null. */
  remove(): void {
    if (this.closed) return;
    this.closed = true;
    this.unregister?.();
    this.unregister = null;
    if (this.waiter !== null) {
      const w = this.waiter;
      this.waiter = null;
      w(null);
    }
  }
}

/** True when `keyPath` is below a `_`-prefixed component relative to `watchPath`. */
function isHidden(watchPath: string, keyPath: string): boolean {
  // Deleting a directory notifies watchers deeper than the deleted key: never hidden then.
  if (watchPath.length > keyPath.length) return false;
  const after = cleanPath("/" + keyPath.slice(watchPath.length));
  return after.includes("/_");
}

export class WatcherHub {
  private watchers = new Map<string, Set<V2Watcher>>();
  count = 0;
  readonly history: EventHistory;

  constructor(historyCapacity = EVENT_HISTORY_CAPACITY) {
    this.history = new EventHistory(historyCapacity);
  }

  watch(
    key: string,
    recursive: boolean,
    stream: boolean,
    sinceIndex: number,
    storeIndex: number,
  ): V2Watcher {
    const past = this.history.scan(key, recursive, sinceIndex, storeIndex);
    const w = new V2Watcher(recursive, stream, sinceIndex, storeIndex);
    if (past !== null) {
      const e = cloneEvent(past);
      e.etcdIndex = storeIndex;
      w.push(e);
      return w;
    }
    let set = this.watchers.get(key);
    if (set === undefined) {
      set = new Set();
      this.watchers.set(key, set);
    }
    const registered = set;
    registered.add(w);
    this.count++;
    w.unregister = () => {
      if (registered.delete(w)) this.count--;
      if (registered.size === 0 && this.watchers.get(key) === registered) {
        this.watchers.delete(key);
      }
    };
    return w;
  }

  /** Records an event in the history without waking anyone (TTL refreshes). */
  add(e: V2Event): void {
    this.history.add(e);
  }

  /** Records the event and wakes the watchers of its key and of every parent directory. */
  notify(e: V2Event): void {
    this.history.add(e);
    // The key is clean: notify "/", then each prefix down to the key itself.
    this.notifyWatchers(e, "/", false);
    let curr = "";
    for (const segment of e.node.key.split("/")) {
      if (segment === "") continue;
      curr += "/" + segment;
      this.notifyWatchers(e, curr, false);
    }
  }

  notifyWatchers(e: V2Event, nodePath: string, deleted: boolean): void {
    const set = this.watchers.get(nodePath);
    if (set === undefined) return;
    for (const w of set) {
      const originalPath = e.node.key === nodePath;
      if ((originalPath || !isHidden(nodePath, e.node.key)) && w.offer(e, originalPath, deleted)) {
        if (!w.stream) w.remove();
      }
    }
  }
}
