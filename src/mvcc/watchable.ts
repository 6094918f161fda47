// Watchers over the MVCC store: a watcher catches up from history (SQLite) while "unsynced",
// then is "synced" and gets each apply batch's events right after the batch commits. A
// consumer that signals back-pressure is moved out of the live path and resynced from
// history later, in bounded batches, so it never holds up writers or other watchers.
import { inInterval, toInterval } from "./key-index.js";
import type { KeyInterval, Rev } from "./key-index.js";
import { EventType, silentLogger } from "./types.js";
import type { Event, KeyValue, Logger } from "./types.js";

export const WatchFilter = { NOPUT: 0, NODELETE: 1 } as const;
export type WatchFilter = (typeof WatchFilter)[keyof typeof WatchFilter];

export interface WatchRequest {
  key: Buffer;
  /** Same rules as Range: absent = the key alone, "\x00" = every key ≥ key. */
  rangeEnd?: Buffer;
  /** ≤ 0 or absent: from the next revision. */
  startRevision?: number;
  prevKv?: boolean;
  filters?: WatchFilter[];
}

export interface WatchResponse {
  events: Event[];
  /** The store revision when the response was made. */
  revision: number;
  /** Set with canceled: the start revision fell below this compaction. */
  compactRevision?: number;
  canceled?: boolean;
}

/**
 * Receives responses. Returning false says "stop, I'm congested": the watcher leaves the
 * live path until `resume()` and then catches up from history.
 */
export type WatchCallback = (resp: WatchResponse) => boolean | void;

export interface WatchHandle {
  readonly id: number;
  cancel(): void;
  /** Lifts the back-pressure a callback asked for by returning false. */
  resume(): void;
  /** Sends an empty response carrying the current revision if synced; true if sent. */
  requestProgress(): boolean;
}

/** A committed change with what a watcher may need to find its previous value. */
export interface ChangeEvent {
  event: Event;
  /** The key as a latin1 string (the index's key form), computed once. */
  k: string;
  rev: Rev;
  prevRev?: Rev;
}

/** What the hub reads from the store. */
export interface WatchSource {
  readonly currentRevision: number;
  readonly compactRevision: number;
  /** Committed changes with fromRev ≤ main ≤ toRev, in revision order. */
  history(fromRev: number, toRev: number): ChangeEvent[];
  /** The live key-value stored at a revision (undefined for tombstones / compacted). */
  kvAt(rev: Rev): KeyValue | undefined;
}

export interface WatchHubOptions {
  /** Revisions read from history per watcher sync step. */
  maxRevisionsPerSync?: number;
  /** Resync unsynced watchers on timers (default true); tests drive `syncWatchers()`. */
  autoSync?: boolean;
  /** Delay before a resync pass when there is work (ms). */
  syncIntervalMs?: number;
  logger?: Logger;
}

class Watcher {
  canceled = false;
  synced = false;
  paused = false;
  constructor(
    readonly id: number,
    readonly iv: KeyInterval,
    readonly noPut: boolean,
    readonly noDelete: boolean,
    readonly prevKv: boolean,
    /** The lowest revision this watcher has not been given yet. */
    public nextRev: number,
    readonly cb: WatchCallback,
  ) {}

  wants(c: ChangeEvent): boolean {
    if (c.event.type === EventType.PUT ? this.noPut : this.noDelete) return false;
    return inInterval(this.iv, c.k);
  }
}

export class WatcherHub {
  private nextId = 1;
  private readonly singles = new Map<string, Set<Watcher>>();
  private readonly ranges = new Set<Watcher>();
  private readonly unsynced = new Set<Watcher>();
  private readonly maxRevisionsPerSync: number;
  private readonly autoSync: boolean;
  private readonly syncIntervalMs: number;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly logger: Logger;

  constructor(
    private readonly src: WatchSource,
    opts: WatchHubOptions = {},
  ) {
    this.maxRevisionsPerSync = opts.maxRevisionsPerSync ?? 100;
    this.autoSync = opts.autoSync ?? true;
    this.syncIntervalMs = opts.syncIntervalMs ?? 0;
    this.logger = opts.logger ?? silentLogger;
    if (this.maxRevisionsPerSync < 1) throw new Error("maxRevisionsPerSync must be ≥ 1");
  }

  get syncedCount(): number {
    let n = this.ranges.size;
    for (const s of this.singles.values()) n += s.size;
    return n;
  }

  get unsyncedCount(): number {
    return this.unsynced.size;
  }

  watch(req: WatchRequest, cb: WatchCallback): WatchHandle {
    if (this.closed) throw new Error("watch: store is closed");
    const filters = req.filters ?? [];
    const cur = this.src.currentRevision;
    const start = req.startRevision ?? 0;
    const w = new Watcher(
      this.nextId++,
      toInterval(req.key, req.rangeEnd),
      filters.includes(WatchFilter.NOPUT),
      filters.includes(WatchFilter.NODELETE),
      req.prevKv ?? false,
      start <= 0 ? cur + 1 : start,
      cb,
    );
    if (w.nextRev > cur) this.addSynced(w);
    else this.addUnsynced(w);
    return {
      id: w.id,
      cancel: () => this.cancel(w),
      resume: () => {
        if (w.canceled || !w.paused) return;
        w.paused = false;
        if (w.nextRev > this.src.currentRevision) {
          this.unsynced.delete(w);
          this.addSynced(w);
        } else this.schedule();
      },
      requestProgress: () => {
        if (!w.synced || w.canceled || w.paused) return false;
        this.deliver(w, { events: [], revision: this.src.currentRevision });
        return true;
      },
    };
  }

  /** Delivers a committed batch's changes to synced watchers (called by the store). */
  notify(changes: ChangeEvent[], revision: number): void {
    if (changes.length === 0) return;
    const per = new Map<Watcher, ChangeEvent[]>();
    const add = (w: Watcher, c: ChangeEvent) => {
      if (w.nextRev > c.rev.main || !w.wants(c)) return;
      let list = per.get(w);
      if (!list) per.set(w, (list = []));
      list.push(c);
    };
    for (const c of changes) {
      const ws = this.singles.get(c.k);
      if (ws) for (const w of ws) add(w, c);
      for (const w of this.ranges) add(w, c);
    }
    const prevCache = new Map<ChangeEvent, KeyValue | undefined>();
    for (const [w, list] of per) {
      if (w.canceled || !w.synced) continue;
      w.nextRev = revision + 1;
      this.deliver(w, { events: this.materialize(w, list, prevCache), revision });
    }
  }

  /**
   * One resync pass: cancels compacted watchers, feeds the others up to
   * `maxRevisionsPerSync` revisions of history, and moves caught-up ones to the live path.
   * Returns true while unsynced watchers (not paused) remain.
   */
  syncWatchers(): boolean {
    const cur = this.src.currentRevision;
    const compactRev = this.src.compactRevision;
    const ready: Watcher[] = [];
    for (const w of this.unsynced) {
      if (w.paused) continue;
      if (w.nextRev < compactRev) {
        this.deliver(w, { events: [], revision: cur, compactRevision: compactRev, canceled: true });
        this.cancel(w);
        continue;
      }
      if (w.nextRev > cur) {
        this.unsynced.delete(w);
        this.addSynced(w);
        continue;
      }
      ready.push(w);
    }
    if (ready.length === 0) return false;
    let from = Infinity;
    for (const w of ready) from = Math.min(from, w.nextRev);
    const to = Math.min(cur, from + this.maxRevisionsPerSync - 1);
    const changes = this.src.history(from, to);
    const prevCache = new Map<ChangeEvent, KeyValue | undefined>();
    for (const w of ready) {
      if (w.canceled) continue;
      const mine = changes.filter((c) => c.rev.main >= w.nextRev && w.wants(c));
      w.nextRev = Math.max(w.nextRev, to + 1);
      if (mine.length > 0) {
        this.deliver(w, { events: this.materialize(w, mine, prevCache), revision: cur });
      }
      if (!w.canceled && !w.paused && w.nextRev > cur) {
        this.unsynced.delete(w);
        this.addSynced(w);
      }
    }
    for (const w of this.unsynced) if (!w.paused) return true;
    return false;
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.singles.clear();
    this.ranges.clear();
    this.unsynced.clear();
  }

  private materialize(
    w: Watcher,
    list: ChangeEvent[],
    cache: Map<ChangeEvent, KeyValue | undefined>,
  ): Event[] {
    if (!w.prevKv) return list.map((c) => c.event);
    return list.map((c) => {
      let prev = cache.get(c);
      if (!cache.has(c)) {
        prev = c.prevRev ? this.src.kvAt(c.prevRev) : undefined;
        cache.set(c, prev);
      }
      return prev ? { ...c.event, prevKv: prev } : c.event;
    });
  }

  private deliver(w: Watcher, resp: WatchResponse): void {
    let ok: boolean | void;
    try {
      ok = w.cb(resp);
    } catch (err) {
      // a broken consumer must not break the apply loop or other watchers
      this.cancel(w);
      this.logger.error("watch callback failed; watcher canceled", {
        watchId: w.id,
        error: String(err),
      });
      return;
    }
    if (ok === false && !w.canceled) {
      // congested: stop live delivery; history is the buffer from here on
      w.paused = true;
      if (w.synced) {
        this.removeSynced(w);
        this.unsynced.add(w);
      }
    }
  }

  private addSynced(w: Watcher): void {
    w.synced = true;
    if (w.iv.single) {
      let s = this.singles.get(w.iv.lo);
      if (!s) this.singles.set(w.iv.lo, (s = new Set()));
      s.add(w);
    } else this.ranges.add(w);
  }

  private removeSynced(w: Watcher): void {
    w.synced = false;
    if (w.iv.single) {
      const s = this.singles.get(w.iv.lo);
      s?.delete(w);
      if (s && s.size === 0) this.singles.delete(w.iv.lo);
    } else this.ranges.delete(w);
  }

  private addUnsynced(w: Watcher): void {
    w.synced = false;
    this.unsynced.add(w);
    this.schedule();
  }

  private cancel(w: Watcher): void {
    if (w.canceled) return;
    w.canceled = true;
    if (w.synced) this.removeSynced(w);
    this.unsynced.delete(w);
  }

  private schedule(): void {
    if (!this.autoSync || this.closed || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.closed) return;
      if (this.syncWatchers()) this.schedule();
    }, this.syncIntervalMs);
    this.timer.unref();
  }
}
