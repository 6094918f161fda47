// The MVCC key-value store (etcd 3.4's model): a store-wide revision, per-key generations in
// an in-memory index, records in SQLite. Writes happen only inside `applyBatch` (one SQLite
// transaction per batch, the applied raft index saved with it); reads are served directly.
import fs from "node:fs";
import nodePath from "node:path";
import zlib from "node:zlib";
import { EtcdError, etcdError } from "../errors.js";
import { Backend } from "./backend.js";
import type Database from "better-sqlite3";
import type { Db, Row } from "./backend.js";

type Pragma = Database.Statement<[], number>;
import { KeyIndex, toInterval } from "./key-index.js";
import type { KeyAt, Rev, RevList } from "./key-index.js";
import {
  CompareResult,
  CompareTarget,
  EventType,
  SortOrder,
  SortTarget,
  silentLogger,
} from "./types.js";
import type {
  Compare,
  DeleteRangeRequest,
  DeleteRangeResult,
  KeyValue,
  Logger,
  PutRequest,
  PutResult,
  RangeRequest,
  RangeResult,
  RequestOp,
  ResponseOp,
  TxnRequest,
  TxnResult,
} from "./types.js";
import {
  checkDeleteRequest,
  checkPutRequest,
  checkRangeRequest,
  checkTxnRequest,
  DEFAULT_MAX_TXN_OPS,
  isTxnReadOnly,
} from "./validate.js";
import { WatcherHub } from "./watchable.js";
import type {
  ChangeEvent,
  WatchCallback,
  WatchHandle,
  WatchHubOptions,
  WatchRequest,
} from "./watchable.js";

export interface MvccStoreOptions {
  logger?: Logger;
  /** Limit on txn operations (etcd --max-txn-ops). */
  maxTxnOps?: number;
  watch?: WatchHubOptions;
  /**
   * Records compaction drops are deleted from SQLite afterwards, this many per step
   * (etcd --experimental-compaction-batch-limit), so a big compaction never stalls the
   * apply loop. Default 1000.
   */
  compactionBatchLimit?: number;
  /** Run those steps on timers (default true); tests call `purgeCompacted()`. */
  autoPurge?: boolean;
  /**
   * Reads of at least this many records use one bulk SQLite statement instead of one per
   * record (default 8; tests set 1 to drive every read through it).
   */
  bulkReadMinKeys?: number;
}

/** The write side handed to `applyBatch`'s callback. Each call is one etcd request. */
export interface WriteTxn {
  /** The store revision now (including earlier requests of this batch). */
  readonly currentRevision: number;
  put(req: PutRequest): PutResult;
  deleteRange(req: DeleteRangeRequest): DeleteRangeResult;
  txn(req: TxnRequest): TxnResult;
  range(req: RangeRequest): RangeResult;
  /** Deletes the given keys (those that exist) in one revision; lease revocation uses it. */
  deleteKeys(keys: Buffer[]): { revision: number; deleted: number };
  /** Compacts history up to `revision` (kept readable); returns the current revision. */
  compact(revision: number): { revision: number };
}

/** Hook the lessor installs so puts can check lease ids. */
export type LeaseExists = (id: bigint) => boolean;

const EMPTY = Buffer.alloc(0);

export class MvccStore {
  /** The SQLite database; other server state may add tables, written only inside batches. */
  readonly db: Db;
  readonly logger: Logger;
  readonly maxTxnOps: number;
  private readonly be: Backend;
  private readonly index = new KeyIndex();
  private rev = 1;
  /** The revision of the last committed batch (differs from `rev` only inside a batch). */
  private committedRev = 1;
  private compactRev = -1;
  private appliedIndex = 0;
  private readonly keyLease = new Map<string, bigint>();
  private readonly leaseKeys = new Map<bigint, Set<string>>();
  private leaseExists: LeaseExists = () => false;
  private readonly reloadHooks: (() => void)[] = [];
  private readonly hub: WatcherHub;
  private inBatch = false;
  private closed = false;
  // per-request write state
  private beginRev = 0;
  private changes = 0;
  private pending: ChangeEvent[] = [];
  /** Records dropped by compaction, not yet deleted from SQLite (oldest first). */
  private purgeQueue: Rev[] = [];
  private purgePos = 0;
  private purgeTimer: NodeJS.Timeout | undefined;
  private readonly compactionBatchLimit: number;
  private readonly autoPurge: boolean;
  private readonly bulkReadMinKeys: number;
  /** Set when a request failed half-way; the batch is then rolled back. */
  private doomed: unknown = undefined;

  private constructor(
    private readonly path: string,
    opts: MvccStoreOptions,
  ) {
    this.logger = opts.logger ?? silentLogger;
    this.maxTxnOps = opts.maxTxnOps ?? DEFAULT_MAX_TXN_OPS;
    this.compactionBatchLimit = opts.compactionBatchLimit ?? 1000;
    this.autoPurge = opts.autoPurge ?? true;
    this.bulkReadMinKeys = opts.bulkReadMinKeys ?? 8;
    if (this.compactionBatchLimit < 1) throw new Error("compactionBatchLimit must be ≥ 1");
    this.be = new Backend(path);
    this.db = this.be.db;
    this.load();
    const src = {
      currentRevision: 0,
      compactRevision: 0,
      history: (from: number, to: number) => this.history(from, to),
      kvAt: (rev: Rev) => this.kvAt(rev),
    };
    Object.defineProperties(src, {
      // watchers only ever see committed revisions, even if created inside a batch
      currentRevision: { get: () => this.committedRev },
      compactRevision: { get: () => this.compactRev },
    });
    this.hub = new WatcherHub(src, { logger: this.logger, ...opts.watch });
    this.writer = this.makeWriter();
    this.schedulePurge();
  }

  /** Opens (creating if needed) the store in a SQLite file and rebuilds the key index. */
  static open(path: string, opts: MvccStoreOptions = {}): MvccStore {
    return new MvccStore(path, opts);
  }

  /**
   * Replaces the database at `file` with snapshot bytes (from `snapshotBytes()`) and opens
   * it. No store may have `file` open.
   */
  static restoreFrom(bytes: Buffer, file: string, opts: MvccStoreOptions = {}): MvccStore {
    fs.mkdirSync(nodePath.dirname(file), { recursive: true });
    const tmp = `${file}.restore.tmp`;
    fs.writeFileSync(tmp, bytes);
    for (const suffix of ["-wal", "-shm"]) fs.rmSync(file + suffix, { force: true });
    fs.renameSync(tmp, file);
    return MvccStore.open(file, opts);
  }

  get currentRevision(): number {
    return this.rev;
  }

  /** The last compaction's revision, -1 if never compacted. */
  get compactRevision(): number {
    return this.compactRev;
  }

  /** The raft index of the last applied batch (0 for a fresh store). */
  consistentIndex(): number {
    return this.appliedIndex;
  }

  /** Number of keys in the index (live or with history). */
  get indexedKeys(): number {
    return this.index.size;
  }

  /** True while an `applyBatch` callback runs (replicated state may change only then). */
  get applying(): boolean {
    return this.inBatch;
  }

  setLeaseChecker(fn: LeaseExists): void {
    this.leaseExists = fn;
  }

  /**
   * Calls `fn` after a failed batch rolled back and the store reloaded from SQLite (state
   * kept elsewhere must reload too). Returns a function that removes the hook.
   */
  onReload(fn: () => void): () => void {
    this.reloadHooks.push(fn);
    return () => {
      const i = this.reloadHooks.indexOf(fn);
      if (i >= 0) this.reloadHooks.splice(i, 1);
    };
  }

  /** Keys currently attached to a lease, in key order. */
  keysOfLease(id: bigint): Buffer[] {
    const set = this.leaseKeys.get(id);
    if (!set) return [];
    return [...set].sort().map((k) => Buffer.from(k, "latin1"));
  }

  // ---- reads ----

  range(req: RangeRequest): RangeResult {
    this.assertOpen();
    checkRangeRequest(req);
    return this.rangeAt(req, this.rev);
  }

  /** Runs a read-only txn locally (etcd serves these without raft). */
  readTxn(req: TxnRequest): TxnResult {
    this.assertOpen();
    checkTxnRequest(req, this.maxTxnOps);
    if (!isTxnReadOnly(req)) throw new Error("readTxn: txn has writes; apply it through raft");
    return this.runTxn(req, () => this.rev, true);
  }

  watch(req: WatchRequest, cb: WatchCallback): WatchHandle {
    this.assertOpen();
    return this.hub.watch(req, cb);
  }

  /** One resync pass over unsynced watchers (tests; normally timers run it). */
  syncWatchers(): boolean {
    if (this.inBatch) throw new Error("syncWatchers inside applyBatch");
    return this.hub.syncWatchers();
  }

  get watcherCounts(): { synced: number; unsynced: number } {
    return { synced: this.hub.syncedCount, unsynced: this.hub.unsyncedCount };
  }

  // ---- writes ----

  /**
   * Applies one batch of committed raft entries in a single SQLite transaction and records
   * `consistentIndex` with it. If `fn` throws, everything the batch did is rolled back (the
   * in-memory state is reloaded from SQLite) and the error propagates. Requests that fail
   * validation throw before changing anything, so callers may catch per request.
   */
  applyBatch<T>(consistentIndex: number, fn: (w: WriteTxn) => T): T {
    this.assertOpen();
    if (this.inBatch) throw new Error("applyBatch is not reentrant");
    if (!Number.isSafeInteger(consistentIndex) || consistentIndex < this.appliedIndex) {
      throw new Error(
        `applyBatch: consistent index ${consistentIndex} is behind ${this.appliedIndex}`,
      );
    }
    this.inBatch = true;
    this.pending = [];
    this.doomed = undefined;
    let result: T;
    try {
      result = this.be.transaction(() => {
        const r = fn(this.writer);
        if (this.doomed !== undefined) throw this.doomed;
        this.be.saveState({
          consistentIndex,
          revision: this.rev,
          compactRevision: this.compactRev,
        });
        return r;
      });
    } catch (err) {
      this.pending = [];
      this.load();
      for (const hook of this.reloadHooks) hook();
      throw err;
    } finally {
      this.inBatch = false;
      this.doomed = undefined;
      this.cachedSizeBytes = undefined;
    }
    this.appliedIndex = consistentIndex;
    this.committedRev = this.rev;
    const events = this.pending;
    this.pending = [];
    this.hub.notify(events, this.rev);
    this.schedulePurge();
    return result;
  }

  private readonly writer: WriteTxn;

  private makeWriter(): WriteTxn {
    const w: WriteTxn = {
      currentRevision: 0,
      put: (req) => this.request(() => this.put(req, this.readRev())),
      deleteRange: (req) =>
        this.request(() => {
          checkDeleteRequest(req);
          return this.deleteRange(req, this.readRev());
        }),
      txn: (req) =>
        this.request(() => {
          checkTxnRequest(req, this.maxTxnOps);
          return this.runTxn(req, () => this.readRev(), false);
        }),
      range: (req) => {
        checkRangeRequest(req);
        return this.rangeAt(req, this.rev);
      },
      deleteKeys: (keys) =>
        this.request(() => {
          let deleted = 0;
          const at = this.readRev();
          for (const key of keys) {
            const e = this.index.entry(key.toString("latin1"));
            if (e?.get(at)) {
              this.deleteKey(key, e.get(at)!);
              deleted++;
            }
          }
          return { revision: this.changes > 0 ? this.beginRev + 1 : this.beginRev, deleted };
        }),
      compact: (revision: number) => this.request(() => this.compact(revision)),
    };
    Object.defineProperty(w, "currentRevision", { get: () => this.rev });
    return w;
  }

  /** Runs one request: its changes share revision rev+1; the revision moves if any. */
  private request<T>(fn: () => T): T {
    this.assertBatch();
    this.beginRev = this.rev;
    this.changes = 0;
    try {
      return fn();
    } catch (err) {
      // a request that failed after changing something (or for an unexpected reason) must
      // not be half-applied: doom the whole batch even if the caller swallows the error
      if (this.changes > 0 || !(err instanceof EtcdError)) this.doomed ??= err;
      throw err;
    } finally {
      if (this.changes > 0) this.rev = this.beginRev + 1;
      this.changes = 0;
    }
  }

  /** Reads inside a write request see its own earlier changes. */
  private readRev(): number {
    return this.changes > 0 ? this.beginRev + 1 : this.beginRev;
  }

  private put(req: PutRequest, readRev: number): PutResult {
    checkPutRequest(req);
    const lease = req.lease ?? 0n;
    if (lease !== 0n && !this.leaseExists(lease)) throw etcdError("LeaseNotFound");
    const k = req.key.toString("latin1");
    const prevAt = this.index.entry(k)?.get(readRev);
    let prevKv: KeyValue | undefined;
    if (req.ignoreValue || req.ignoreLease || req.prevKv) {
      if (prevAt) prevKv = this.rowAt(prevAt.rev).kv;
      if ((req.ignoreValue || req.ignoreLease) && !prevKv) throw etcdError("KeyNotFound");
    }
    this.writePut(
      req.key,
      k,
      req.ignoreValue ? prevKv!.value : (req.value ?? EMPTY),
      req.ignoreLease ? prevKv!.lease : lease,
      prevAt,
    );
    const res: PutResult = { revision: this.beginRev + 1 };
    if (req.prevKv && prevKv) res.prevKv = prevKv;
    return res;
  }

  private writePut(
    key: Buffer,
    k: string,
    value: Buffer,
    lease: bigint,
    prevAt: KeyAt | undefined,
  ): void {
    const main = this.beginRev + 1;
    const rev: Rev = { main, sub: this.changes++ };
    const kv: KeyValue = {
      key: Buffer.from(key),
      value: Buffer.from(value),
      createRevision: prevAt ? prevAt.created : main,
      modRevision: main,
      version: prevAt ? prevAt.version + 1 : 1,
      lease,
    };
    this.be.insert(rev, kv, false);
    this.index.put(kv.key, rev);
    this.setKeyLease(k, lease);
    this.pending.push({ event: { type: EventType.PUT, kv }, k, rev, prevRev: prevAt?.rev });
  }

  private deleteRange(req: DeleteRangeRequest, readRev: number): DeleteRangeResult {
    const found = this.index.revisions(toInterval(req.key, req.rangeEnd), readRev);
    const prevKvs = req.prevKv ? found.map((f) => this.rowAt(f.at.rev).kv) : [];
    for (const f of found) this.deleteKey(f.key, f.at);
    const revision = found.length > 0 || this.changes > 0 ? this.beginRev + 1 : this.beginRev;
    return { revision, deleted: found.length, prevKvs };
  }

  private deleteKey(key: Buffer, prevAt: KeyAt): void {
    const main = this.beginRev + 1;
    const rev: Rev = { main, sub: this.changes++ };
    const kv: KeyValue = {
      key,
      value: EMPTY,
      createRevision: 0,
      modRevision: main,
      version: 0,
      lease: 0n,
    };
    this.be.insert(rev, kv, true);
    this.index.tombstone(key, rev);
    const k = key.toString("latin1");
    this.setKeyLease(k, 0n);
    this.pending.push({ event: { type: EventType.DELETE, kv }, k, rev, prevRev: prevAt.rev });
  }

  private setKeyLease(k: string, lease: bigint): void {
    const old = this.keyLease.get(k);
    if (old !== undefined) {
      const set = this.leaseKeys.get(old);
      set?.delete(k);
      if (set && set.size === 0) this.leaseKeys.delete(old);
      this.keyLease.delete(k);
    }
    if (lease !== 0n) {
      this.keyLease.set(k, lease);
      let set = this.leaseKeys.get(lease);
      if (!set) this.leaseKeys.set(lease, (set = new Set()));
      set.add(k);
    }
  }

  private compact(revision: number): { revision: number } {
    this.assertBatch();
    if (revision <= this.compactRev) throw etcdError("Compacted");
    if (revision > this.rev) throw etcdError("FutureRev");
    const dropped = this.index.compact(revision);
    // the index no longer reaches these records; SQLite forgets them in later steps
    for (const r of dropped) this.purgeQueue.push(r);
    this.compactRev = revision;
    this.logger.info("compacted", { revision, droppedRecords: dropped.length });
    return { revision: this.rev };
  }

  /** Records compaction dropped that are still in SQLite. */
  get pendingPurge(): number {
    return this.purgeQueue.length - this.purgePos;
  }

  /**
   * Deletes up to `maxRows` compacted records in one SQLite transaction; returns how many
   * remain. Runs outside apply batches (timers call it unless `autoPurge` is false).
   */
  purgeCompacted(maxRows = this.compactionBatchLimit): number {
    this.assertOpen();
    if (this.inBatch) throw new Error("purgeCompacted inside applyBatch");
    const end = Math.min(this.purgeQueue.length, this.purgePos + maxRows);
    if (end > this.purgePos) {
      this.be.transaction(() => {
        for (let i = this.purgePos; i < end; i++) this.be.delete(this.purgeQueue[i]!);
      });
      this.cachedSizeBytes = undefined;
      this.purgePos = end;
    }
    if (this.purgePos === this.purgeQueue.length) {
      this.purgeQueue = [];
      this.purgePos = 0;
    }
    return this.pendingPurge;
  }

  private schedulePurge(): void {
    if (!this.autoPurge || this.closed || this.purgeTimer || this.pendingPurge === 0) return;
    this.purgeTimer = setTimeout(() => {
      this.purgeTimer = undefined;
      if (this.closed) return;
      this.purgeCompacted();
      this.schedulePurge();
    }, 1);
    this.purgeTimer.unref();
  }

  /** Compacted records not yet deleted, as "main/sub", for hashes to skip. */
  private pendingSet(): Set<string> | undefined {
    if (this.pendingPurge === 0) return undefined;
    const set = new Set<string>();
    for (let i = this.purgePos; i < this.purgeQueue.length; i++) {
      const r = this.purgeQueue[i]!;
      set.add(`${r.main}/${r.sub}`);
    }
    return set;
  }

  // ---- txn ----

  private runTxn(req: TxnRequest, readRev: () => number, readOnly: boolean): TxnResult {
    const at = readRev();
    const path: boolean[] = [];
    this.txnPath(req, at, path);
    if (!readOnly && !isTxnReadOnly(req)) this.checkTxnOps(req, path, 0, at, true);
    this.checkTxnOps(req, path, 0, at, false);
    const result: TxnResult = { revision: 0, succeeded: path[0]!, responses: [] };
    this.applyTxn(req, path, 0, result, readRev);
    result.revision = readRev();
    return result;
  }

  /** Evaluates every compare (nested ones too) against the state before the txn. */
  private txnPath(req: TxnRequest, at: number, path: boolean[]): void {
    const ok = (req.compare ?? []).every((c) => this.compare(c, at));
    path.push(ok);
    for (const op of (ok ? req.success : req.failure) ?? []) {
      if (op.requestTxn) this.txnPath(op.requestTxn, at, path);
    }
  }

  /** etcd's pre-apply checks on the chosen branches; returns the path entries consumed. */
  private checkTxnOps(
    req: TxnRequest,
    path: boolean[],
    pos: number,
    at: number,
    puts: boolean,
  ): number {
    let used = 1;
    for (const op of (path[pos] ? req.success : req.failure) ?? []) {
      if (op.requestTxn) {
        used += this.checkTxnOps(op.requestTxn, path, pos + used, at, puts);
      } else if (puts && op.requestPut) {
        const p = op.requestPut;
        if (p.ignoreValue || p.ignoreLease) {
          if (!this.index.entry(p.key.toString("latin1"))?.get(at)) {
            throw etcdError("KeyNotFound");
          }
        }
        if ((p.lease ?? 0n) !== 0n && !this.leaseExists(p.lease!)) {
          throw etcdError("LeaseNotFound");
        }
      } else if (!puts && op.requestRange) {
        const r = op.requestRange.revision ?? 0;
        if (r > 0 && r > at) throw etcdError("FutureRev");
        if (r > 0 && r < this.compactRev) throw etcdError("Compacted");
      }
    }
    return used;
  }

  private applyTxn(
    req: TxnRequest,
    path: boolean[],
    pos: number,
    out: TxnResult,
    readRev: () => number,
  ): number {
    let used = 1;
    for (const op of (path[pos] ? req.success : req.failure) ?? []) {
      if (op.requestTxn) {
        const inner: TxnResult = { revision: 0, succeeded: path[pos + used]!, responses: [] };
        used += this.applyTxn(op.requestTxn, path, pos + used, inner, readRev);
        out.responses.push({ responseTxn: inner });
      } else out.responses.push(this.applyOp(op, readRev));
    }
    return used;
  }

  private applyOp(op: RequestOp, readRev: () => number): ResponseOp {
    if (op.requestRange) return { responseRange: this.rangeAt(op.requestRange, readRev()) };
    if (op.requestPut) return { responsePut: this.put(op.requestPut, readRev()) };
    if (op.requestDeleteRange) {
      return { responseDeleteRange: this.deleteRange(op.requestDeleteRange, readRev()) };
    }
    return {};
  }

  private compare(c: Compare, at: number): boolean {
    const found = this.index.revisions(toInterval(c.key, c.rangeEnd), at);
    if (found.length === 0) {
      if (c.target === CompareTarget.VALUE) return false;
      return compareKv(c, undefined);
    }
    for (const f of found) if (!compareKv(c, this.rowAt(f.at.rev).kv)) return false;
    return true;
  }

  // ---- range ----

  private rangeAt(req: RangeRequest, curRev: number): RangeResult {
    let rev = req.revision ?? 0;
    if (rev > curRev) throw etcdError("FutureRev");
    if (rev <= 0) rev = curRev;
    if (rev < this.compactRev) throw etcdError("Compacted");
    const found = this.index.collect(toInterval(req.key, req.rangeEnd), rev);
    const count = found.length;
    if (req.countOnly) return { kvs: [], more: false, count, revision: curRev };
    const limit = req.limit && req.limit > 0 ? req.limit : 0;
    const sortOrder = req.sortOrder ?? SortOrder.NONE;
    const sortTarget = req.sortTarget ?? SortTarget.KEY;
    // Filters and sorts other than by value need only what the index holds, so they run
    // before any record is read: only the records sent are read.
    let pick: number[] = [];
    for (let i = 0; i < count; i++) {
      const mod = found.mains[i]!;
      const created = found.created[i]!;
      if (req.maxModRevision && mod > req.maxModRevision) continue;
      if (req.minModRevision && mod < req.minModRevision) continue;
      if (req.maxCreateRevision && created > req.maxCreateRevision) continue;
      if (req.minCreateRevision && created < req.minCreateRevision) continue;
      pick.push(i);
    }
    const byValue = sortTarget === SortTarget.VALUE;
    if (!byValue) sortPicks(pick, found, sortOrder, sortTarget);
    let more = false;
    if (limit > 0 && pick.length > limit && !byValue) {
      pick = pick.slice(0, limit);
      more = true;
    }
    let kvs = this.readKvs(found, pick);
    if (byValue) {
      sortKvs(kvs, sortOrder, sortTarget);
      if (limit > 0 && kvs.length > limit) {
        kvs = kvs.slice(0, limit);
        more = true;
      }
    }
    if (req.keysOnly) for (const kv of kvs) kv.value = EMPTY;
    return { kvs, more, count, revision: curRev };
  }

  /** The records of found[pick[i]], as KeyValues in pick order. */
  private readKvs(found: RevList, pick: readonly number[]): KeyValue[] {
    const n = pick.length;
    const kvs: KeyValue[] = new Array<KeyValue>(n);
    if (n < this.bulkReadMinKeys) {
      for (let i = 0; i < n; i++) {
        const p = pick[i]!;
        kvs[i] = this.rowAt({ main: found.mains[p]!, sub: found.subs[p]! }).kv;
      }
      return kvs;
    }
    const mains = new Array<number>(n);
    const subs = new Array<number>(n);
    for (let i = 0; i < n; i++) {
      mains[i] = found.mains[pick[i]!]!;
      subs[i] = found.subs[pick[i]!]!;
    }
    const { values, leases } = this.be.getValues(mains, subs);
    for (let i = 0; i < n; i++) {
      const p = pick[i]!;
      kvs[i] = {
        key: found.keys[p]!,
        createRevision: found.created[p]!,
        modRevision: mains[i]!,
        version: found.versions[p]!,
        value: values[i]!,
        lease: leases[i]!,
      };
    }
    return kvs;
  }

  private rowAt(rev: Rev): Row {
    const row = this.be.get(rev);
    if (!row) throw new Error(`mvcc: indexed revision ${rev.main}/${rev.sub} has no record`);
    return row;
  }

  // ---- history for watchers ----

  private history(from: number, to: number): ChangeEvent[] {
    const out: ChangeEvent[] = [];
    for (const row of this.be.history(from, to)) {
      const k = row.kv.key.toString("latin1");
      const entry = this.index.entry(k);
      // at or below the compaction only what the index still reaches counts (dropped
      // records may not be purged yet)
      if (row.rev.main <= this.compactRev && !sameRev(entry?.get(this.compactRev)?.rev, row.rev)) {
        continue;
      }
      const prevRev = entry?.revBefore(row.rev);
      const kv: KeyValue = row.tombstone
        ? { ...row.kv, createRevision: 0, version: 0, lease: 0n }
        : row.kv;
      out.push({
        event: { type: row.tombstone ? EventType.DELETE : EventType.PUT, kv },
        k,
        rev: row.rev,
        prevRev,
      });
    }
    return out;
  }

  private kvAt(rev: Rev): KeyValue | undefined {
    const row = this.be.get(rev);
    return row && !row.tombstone ? row.kv : undefined;
  }

  // ---- maintenance ----

  /**
   * CRC-32 over every record, the compaction revision and the leases: equal on members with
   * the same applied history (the applied raft index is left out).
   */
  hash(): number {
    this.assertOpen();
    const skip = this.pendingSet();
    let crc = zlib.crc32(Buffer.from(`compact:${this.compactRev}`));
    for (const row of this.be.upTo(Number.MAX_SAFE_INTEGER)) {
      if (skip?.has(`${row.rev.main}/${row.rev.sub}`)) continue;
      crc = zlib.crc32(encodeRow(row), crc);
    }
    const hasLeases = this.db
      .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'lease'")
      .get();
    if (hasLeases) {
      const rows = this.db
        .prepare("SELECT CAST(id AS TEXT), ttl, remaining_ttl FROM lease ORDER BY id")
        .raw(true)
        .iterate() as IterableIterator<[string, number, number]>;
      for (const [id, ttl, remaining] of rows) {
        crc = zlib.crc32(Buffer.from(`lease:${id}:${ttl}:${remaining};`), crc);
      }
    }
    return crc >>> 0;
  }

  /** etcd HashKV: CRC-32 over records with main revision ≤ revision (0 = current). */
  hashKV(revision: number): { hash: number; compactRevision: number; revision: number } {
    this.assertOpen();
    if (revision > 0 && revision <= this.compactRev) throw etcdError("Compacted");
    if (revision > this.rev) throw etcdError("FutureRev");
    const upto = revision <= 0 ? this.rev : revision;
    const skip = this.pendingSet();
    let crc = zlib.crc32(Buffer.from("key"));
    for (const row of this.be.upTo(upto)) {
      if (skip?.has(`${row.rev.main}/${row.rev.sub}`)) continue;
      crc = zlib.crc32(encodeRow(row), crc);
    }
    return { hash: crc >>> 0, compactRevision: this.compactRev, revision: this.rev };
  }

  /**
   * Bytes the database occupies (pages × page size). The quota gate asks before every
   * write, so the PRAGMA statements are prepared once (db.pragma() compiles one per call).
   */
  dbSizeBytes(): number {
    // Between batches nothing writes, so the figure is cached until the next write.
    if (!this.inBatch && this.cachedSizeBytes !== undefined) return this.cachedSizeBytes;
    const s = this.sizeStatements();
    const bytes = s.pageCount.get()! * s.pageSize.get()!;
    if (!this.inBatch) this.cachedSizeBytes = bytes;
    return bytes;
  }

  /** dbSizeBytes() as of the last write (undefined: recompute); cleared by every write. */
  private cachedSizeBytes: number | undefined;

  /** Bytes in use (free pages excluded). */
  dbSizeInUseBytes(): number {
    const s = this.sizeStatements();
    return this.dbSizeBytes() - s.freelistCount.get()! * s.pageSize.get()!;
  }

  private sizeStmts: { pageCount: Pragma; pageSize: Pragma; freelistCount: Pragma } | undefined;

  private sizeStatements(): { pageCount: Pragma; pageSize: Pragma; freelistCount: Pragma } {
    this.sizeStmts ??= {
      pageCount: this.db.prepare<[], number>("PRAGMA page_count").pluck(),
      pageSize: this.db.prepare<[], number>("PRAGMA page_size").pluck(),
      freelistCount: this.db.prepare<[], number>("PRAGMA freelist_count").pluck(),
    };
    return this.sizeStmts;
  }

  /**
   * Sets the applied raft index outside any batch. Only for a database copied into a new
   * cluster's data dir (snapshot restore): its old index counts entries of a log that the
   * new cluster does not have, and would make the new one's entries look applied already.
   */
  rebaseConsistentIndex(index: number): void {
    this.assertOpen();
    if (this.inBatch) throw new Error("rebaseConsistentIndex inside applyBatch");
    if (!Number.isSafeInteger(index) || index < 0)
      throw new Error(`rebaseConsistentIndex: bad index ${index}`);
    this.be.saveState({ ...this.be.state(), consistentIndex: index });
    this.appliedIndex = index;
  }

  /** Rewrites the database file without free pages (SQLite VACUUM). */
  defragment(): void {
    this.assertOpen();
    if (this.inBatch) throw new Error("defragment inside applyBatch");
    while (this.purgeCompacted(100_000) > 0) {
      /* purge everything first: VACUUM then reclaims it */
    }
    this.be.commit();
    this.db.pragma("wal_checkpoint(TRUNCATE)");
    this.db.exec("VACUUM");
    this.cachedSizeBytes = undefined;
  }

  /**
   * Writes a consistent copy of the database to `file` while the store keeps serving
   * (SQLite online backup); better than `snapshotBytes()` for large databases.
   */
  async backupTo(file: string): Promise<void> {
    this.assertOpen();
    this.be.commit();
    await this.db.backup(file);
  }

  /** The whole database as bytes (a consistent copy), for raft snapshots and `snapshot save`. */
  snapshotBytes(): Buffer {
    this.assertOpen();
    if (this.inBatch) throw new Error("snapshotBytes inside applyBatch");
    this.be.commit();
    return this.db.serialize();
  }

  /** Commits every applied write to the database file (see Backend.transaction). */
  commit(): void {
    this.assertOpen();
    if (this.inBatch) throw new Error("commit inside applyBatch");
    this.be.commit();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.purgeTimer) clearTimeout(this.purgeTimer);
    this.purgeTimer = undefined;
    this.hub.close();
    this.be.close();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  get file(): string {
    return this.path;
  }

  // ---- loading ----

  /** (Re)builds all in-memory state from SQLite with one ordered scan. */
  private load(): void {
    const st = this.be.state();
    this.index.clear();
    this.keyLease.clear();
    this.leaseKeys.clear();
    let maxRev = 1;
    for (const r of this.be.scanIndex()) {
      if (r.tombstone) {
        this.index.tombstone(r.key, r.rev);
        this.setKeyLease(r.key.toString("latin1"), 0n);
      } else {
        this.index.put(r.key, r.rev, r);
        this.setKeyLease(r.key.toString("latin1"), r.lease);
      }
      maxRev = r.rev.main;
    }
    this.rev = Math.max(st.revision, maxRev, st.compactRevision);
    if (st.revision < maxRev) throw new Error("mvcc: stored revision behind its records");
    this.compactRev = st.compactRevision;
    this.appliedIndex = st.consistentIndex;
    this.committedRev = this.rev;
    // records a compaction dropped but did not purge yet (crash, rollback) are found again
    this.purgeQueue = this.compactRev > 0 ? this.index.compact(this.compactRev) : [];
    this.purgePos = 0;
  }

  private assertOpen(): void {
    if (this.closed) throw new Error("mvcc: store is closed");
  }

  private assertBatch(): void {
    if (!this.inBatch) throw new Error("mvcc: writes only inside applyBatch");
  }
}

function sameRev(a: Rev | undefined, b: Rev): boolean {
  return a !== undefined && a.main === b.main && a.sub === b.sub;
}

function compareKv(c: Compare, kv: KeyValue | undefined): boolean {
  let r: number;
  switch (c.target) {
    case CompareTarget.VALUE:
      r = Buffer.compare(kv?.value ?? EMPTY, c.value ?? EMPTY);
      break;
    case CompareTarget.CREATE:
      r = cmp(kv?.createRevision ?? 0, c.createRevision ?? 0);
      break;
    case CompareTarget.MOD:
      r = cmp(kv?.modRevision ?? 0, c.modRevision ?? 0);
      break;
    case CompareTarget.VERSION:
      r = cmp(kv?.version ?? 0, c.version ?? 0);
      break;
    case CompareTarget.LEASE:
      r = cmp(kv?.lease ?? 0n, c.lease ?? 0n);
      break;
    default:
      return true;
  }
  switch (c.result) {
    case CompareResult.EQUAL:
      return r === 0;
    case CompareResult.NOT_EQUAL:
      return r !== 0;
    case CompareResult.GREATER:
      return r > 0;
    case CompareResult.LESS:
      return r < 0;
    default:
      return true;
  }
}

function cmp<N extends number | bigint>(a: N, b: N): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Sorts indexes into `found` as sortKvs would sort their records, for every target but
 * VALUE; keys are already in ascending order, and the sort is stable.
 */
function sortPicks(pick: number[], found: RevList, order: SortOrder, target: SortTarget): void {
  if (order === SortOrder.NONE && target !== SortTarget.KEY) order = SortOrder.ASCEND;
  if (order === SortOrder.NONE) return;
  if (target === SortTarget.KEY) {
    if (order === SortOrder.DESCEND) pick.reverse();
    return;
  }
  const col =
    target === SortTarget.VERSION
      ? found.versions
      : target === SortTarget.CREATE
        ? found.created
        : found.mains;
  const sign = order === SortOrder.DESCEND ? -1 : 1;
  pick.sort((a, b) => sign * (col[a]! - col[b]!));
}

function sortKvs(kvs: KeyValue[], order: SortOrder, target: SortTarget): void {
  // a non-KEY target without an order sorts ascending, as etcd does
  if (order === SortOrder.NONE && target !== SortTarget.KEY) order = SortOrder.ASCEND;
  if (order === SortOrder.NONE) return;
  const sign = order === SortOrder.DESCEND ? -1 : 1;
  const by = (a: KeyValue, b: KeyValue): number => {
    switch (target) {
      case SortTarget.VERSION:
        return cmp(a.version, b.version);
      case SortTarget.CREATE:
        return cmp(a.createRevision, b.createRevision);
      case SortTarget.MOD:
        return cmp(a.modRevision, b.modRevision);
      case SortTarget.VALUE:
        return Buffer.compare(a.value, b.value);
      default:
        return Buffer.compare(a.key, b.key);
    }
  };
  kvs.sort((a, b) => sign * by(a, b));
}

function encodeRow(row: Row): Buffer {
  const head = Buffer.alloc(8 * 6 + 1);
  head.writeBigInt64BE(BigInt(row.rev.main), 0);
  head.writeBigInt64BE(BigInt(row.rev.sub), 8);
  head.writeBigInt64BE(BigInt(row.kv.createRevision), 16);
  head.writeBigInt64BE(BigInt(row.kv.version), 24);
  head.writeBigInt64BE(row.kv.lease, 32);
  head.writeUInt32BE(row.kv.key.length, 40);
  head.writeUInt32BE(row.kv.value.length, 44);
  head.writeUInt8(row.tombstone ? 1 : 0, 48);
  return Buffer.concat([head, row.kv.key, row.kv.value]);
}
