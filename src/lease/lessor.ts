// The lessor: leases (id, granted TTL, checkpointed remaining TTL) persisted in the MVCC
// store's SQLite database, changed only inside apply batches so every member holds the same
// set; plus the leader-only, local expiry clock. The leader ("primary") reports expired
// leases and due checkpoints; the server turns them into raft proposals.
import { etcdError } from "../errors.js";
import type { MvccStore, WriteTxn } from "../mvcc/store.js";
import { silentLogger } from "../mvcc/types.js";
import type { Logger } from "../mvcc/types.js";
import type { Database } from "better-sqlite3";

/** etcd's upper bound on a lease TTL, in seconds. */
export const MAX_LEASE_TTL_SEC = 9_000_000_000;

export interface LessorOptions {
  /** Shortest TTL granted; default ceil(1.5 × electionTimeoutMs) in seconds. */
  minTtlSec?: number;
  /** Used for the default minTtlSec (default 1000 ms, giving 2 s). */
  electionTimeoutMs?: number;
  /** Clock in milliseconds (injected for tests). */
  nowMs?: () => number;
  /** How often the leader checkpoints remaining TTLs (default 5 min). */
  checkpointIntervalMs?: number;
  /** Most checkpoints returned by one `takeCheckpoints()` call. */
  maxCheckpointsPerBatch?: number;
  /** An expired lease is reported again after this long if still not revoked. */
  expiredRetryMs?: number;
  /** Revocations per second the leader aims for (etcd: 1000); spreads expiry pile-ups. */
  revokeRatePerSec?: number;
  logger?: Logger;
}

export interface LeaseCheckpoint {
  id: bigint;
  remainingTtlSec: number;
}

export interface LeaseTimeToLive {
  id: bigint;
  /** Seconds left (truncated, as etcd reports). */
  ttlSec: number;
  grantedTtlSec: number;
  keys: Buffer[];
}

interface Lease {
  id: bigint;
  ttlSec: number;
  /** Checkpointed remaining TTL (0: none); replicated. */
  remainingTtlSec: number;
  /** Local: when it expires on this member (Infinity unless primary). */
  expiryMs: number;
  /** Local: when `expiredLeases()` may report it again. */
  reportAfterMs: number;
}

const SCHEMA = `CREATE TABLE IF NOT EXISTS lease (
  id INTEGER PRIMARY KEY,
  ttl INTEGER NOT NULL,
  remaining_ttl INTEGER NOT NULL
)`;

/** A lease as persisted: granted TTL and checkpointed remaining TTL (0: none). */
export interface LeaseRecord {
  id: bigint;
  ttlSec: number;
  remainingTtlSec: number;
}

/**
 * Writes lease records into a database no lessor has open (importing another store's leases
 * for snapshot restore); the caller owns the transaction.
 */
export function importLeases(db: Database, leases: Iterable<LeaseRecord>): number {
  db.exec(SCHEMA);
  const insert = db.prepare("INSERT INTO lease (id, ttl, remaining_ttl) VALUES (?, ?, ?)");
  let n = 0;
  for (const l of leases) {
    insert.run(l.id, l.ttlSec, l.remainingTtlSec);
    n++;
  }
  return n;
}

export function defaultMinTtlSec(electionTimeoutMs = 1000): number {
  return Math.ceil((1.5 * electionTimeoutMs) / 1000);
}

/** The grant checks that need no state (the server may run them before proposing). */
export function checkLeaseGrant(id: bigint, ttlSec: number): void {
  if (id === 0n) throw etcdError("LeaseNotFound");
  if (ttlSec > MAX_LEASE_TTL_SEC) throw etcdError("LeaseTTLTooLarge");
}

export class Lessor {
  readonly minTtlSec: number;
  private readonly now: () => number;
  private readonly checkpointIntervalMs: number;
  private readonly maxCheckpointsPerBatch: number;
  private readonly expiredRetryMs: number;
  private readonly revokeRatePerSec: number;
  private readonly logger: Logger;
  private readonly leaseMap = new Map<bigint, Lease>();
  private primary = false;
  private nextCheckpointMs = 0;
  private readonly clearCheckpoints = new Set<bigint>();
  private readonly insertStmt;
  private readonly deleteStmt;
  private readonly checkpointStmt;
  private readonly loadStmt;
  private readonly unhook: () => void;

  constructor(
    private readonly store: MvccStore,
    opts: LessorOptions = {},
  ) {
    this.minTtlSec = opts.minTtlSec ?? defaultMinTtlSec(opts.electionTimeoutMs);
    this.now = opts.nowMs ?? Date.now;
    this.checkpointIntervalMs = opts.checkpointIntervalMs ?? 5 * 60_000;
    this.maxCheckpointsPerBatch = opts.maxCheckpointsPerBatch ?? 1000;
    this.expiredRetryMs = opts.expiredRetryMs ?? 3000;
    this.revokeRatePerSec = opts.revokeRatePerSec ?? 1000;
    this.logger = opts.logger ?? silentLogger;
    const db = store.db;
    db.exec(SCHEMA);
    this.insertStmt = db.prepare("INSERT INTO lease (id, ttl, remaining_ttl) VALUES (?, ?, 0)");
    this.deleteStmt = db.prepare("DELETE FROM lease WHERE id = ?");
    this.checkpointStmt = db.prepare("UPDATE lease SET remaining_ttl = ? WHERE id = ?");
    this.loadStmt = db
      .prepare("SELECT id, ttl, remaining_ttl FROM lease")
      .raw(true)
      .safeIntegers(true);
    this.load();
    store.setLeaseChecker((id) => this.leaseMap.has(id));
    this.unhook = store.onReload(() => this.load());
  }

  /** Detaches from the store (a replacement lessor may be created for it). */
  close(): void {
    this.unhook();
    this.store.setLeaseChecker(() => false);
    this.leaseMap.clear();
    this.primary = false;
  }

  get isPrimary(): boolean {
    return this.primary;
  }

  get size(): number {
    return this.leaseMap.size;
  }

  has(id: bigint): boolean {
    return this.leaseMap.has(id);
  }

  /** Lease ids, ascending. */
  leases(): bigint[] {
    return [...this.leaseMap.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  }

  // ---- replicated: call inside store.applyBatch, on every member ----

  /** Grants a lease; TTLs below the minimum are raised to it. Returns the granted TTL. */
  grant(w: WriteTxn, id: bigint, ttlSec: number): { id: bigint; ttlSec: number } {
    this.assertApplying(w);
    checkLeaseGrant(id, ttlSec);
    if (this.leaseMap.has(id)) throw etcdError("LeaseExist");
    const ttl = Math.max(ttlSec, this.minTtlSec);
    this.insertStmt.run(id, ttl);
    const l: Lease = { id, ttlSec: ttl, remainingTtlSec: 0, expiryMs: Infinity, reportAfterMs: 0 };
    if (this.primary) l.expiryMs = this.now() + ttl * 1000;
    this.leaseMap.set(id, l);
    return { id, ttlSec: ttl };
  }

  /** Revokes a lease, deleting its keys in one revision. */
  revoke(w: WriteTxn, id: bigint): { revision: number; deleted: number } {
    this.assertApplying(w);
    if (!this.leaseMap.has(id)) throw etcdError("LeaseNotFound");
    const res = w.deleteKeys(this.store.keysOfLease(id));
    this.deleteStmt.run(id);
    this.leaseMap.delete(id);
    this.clearCheckpoints.delete(id);
    return res;
  }

  /** Records remaining TTLs the leader checkpointed (unknown ids are skipped). */
  applyCheckpoints(w: WriteTxn, checkpoints: LeaseCheckpoint[]): void {
    this.assertApplying(w);
    for (const cp of checkpoints) {
      const l = this.leaseMap.get(cp.id);
      if (!l) continue;
      l.remainingTtlSec = cp.remainingTtlSec;
      this.checkpointStmt.run(cp.remainingTtlSec, cp.id);
      if (this.primary) l.expiryMs = this.now() + this.ttlLeftSec(l) * 1000;
    }
  }

  // ---- local: leader-side clock ----

  /**
   * This member became leader: start expiry clocks, giving every lease its (checkpointed)
   * remaining TTL plus `extendMs` (etcd extends by the election timeout, so leases don't
   * expire just because leadership moved).
   */
  promote(extendMs: number): void {
    this.primary = true;
    const now = this.now();
    for (const l of this.leaseMap.values()) {
      l.expiryMs = now + extendMs + this.ttlLeftSec(l) * 1000;
      l.reportAfterMs = 0;
    }
    this.nextCheckpointMs = now + this.checkpointIntervalMs;
    this.spreadExpiries();
  }

  /**
   * After a promotion many leases can expire in the same second (they were all extended
   * together); push the excess later so revocations stay under ~3/4 of the revoke rate.
   */
  private spreadExpiries(): void {
    if (this.leaseMap.size < this.revokeRatePerSec) return;
    const perSec = (3 * this.revokeRatePerSec) / 4;
    const leases = [...this.leaseMap.values()].sort((a, b) => a.expiryMs - b.expiryMs);
    let windowStart = leases[0]!.expiryMs;
    let inWindow = 0;
    for (const l of leases) {
      if (l.expiryMs > windowStart + 1000) {
        windowStart = l.expiryMs;
        inWindow = 1;
        continue;
      }
      inWindow++;
      if (inWindow <= perSec) continue;
      const delayMs = (1000 * inWindow) / perSec - (l.expiryMs - windowStart);
      if (delayMs > 0) l.expiryMs += delayMs;
    }
  }

  /** This member is no longer leader: leases stop expiring here. */
  demote(): void {
    this.primary = false;
    for (const l of this.leaseMap.values()) l.expiryMs = Infinity;
    this.clearCheckpoints.clear();
  }

  /** Keep-alive: restarts the lease's clock; returns its TTL. Leader only. */
  renew(id: bigint): number {
    if (!this.primary) throw etcdError("NotLeader");
    const l = this.leaseMap.get(id);
    if (!l || l.expiryMs <= this.now()) throw etcdError("LeaseNotFound");
    l.expiryMs = this.now() + l.ttlSec * 1000;
    l.reportAfterMs = 0;
    // a stale checkpoint would shorten the lease after a leader change: clear it
    if (l.remainingTtlSec > 0) this.clearCheckpoints.add(id);
    return l.ttlSec;
  }

  /** TimeToLive; undefined for an unknown lease (the API answers TTL -1). */
  timeToLive(id: bigint, withKeys = false): LeaseTimeToLive | undefined {
    const l = this.leaseMap.get(id);
    if (!l) return undefined;
    const ttlSec = this.primary
      ? Math.max(0, Math.trunc((l.expiryMs - this.now()) / 1000))
      : this.ttlLeftSec(l);
    return {
      id,
      ttlSec,
      grantedTtlSec: l.ttlSec,
      keys: withKeys ? this.store.keysOfLease(id) : [],
    };
  }

  /**
   * Leases past their expiry, soonest first, at most `limit` (default: half the revoke
   * rate, for a check every 500 ms); each is reported again only
   * after `expiredRetryMs` (the revoke proposal is in flight). Empty unless primary.
   */
  expiredLeases(limit = Math.max(1, Math.floor(this.revokeRatePerSec / 2))): bigint[] {
    if (!this.primary) return [];
    const now = this.now();
    const due = [...this.leaseMap.values()]
      .filter((l) => l.expiryMs <= now && l.reportAfterMs <= now)
      .sort((a, b) => a.expiryMs - b.expiryMs || (a.id < b.id ? -1 : 1))
      .slice(0, limit);
    for (const l of due) l.reportAfterMs = now + this.expiredRetryMs;
    return due.map((l) => l.id);
  }

  /**
   * Checkpoints the leader should propose now: cleared ones for renewed leases, and every
   * `checkpointIntervalMs` the remaining TTL of each lease longer than the interval.
   */
  takeCheckpoints(): LeaseCheckpoint[] {
    if (!this.primary) return [];
    const now = this.now();
    const out: LeaseCheckpoint[] = [];
    for (const id of this.clearCheckpoints) {
      if (out.length >= this.maxCheckpointsPerBatch) break;
      out.push({ id, remainingTtlSec: 0 });
      this.clearCheckpoints.delete(id);
    }
    if (now >= this.nextCheckpointMs) {
      this.nextCheckpointMs = now + this.checkpointIntervalMs;
      for (const id of this.leases()) {
        if (out.length >= this.maxCheckpointsPerBatch) break;
        const l = this.leaseMap.get(id)!;
        if (l.ttlSec * 1000 <= this.checkpointIntervalMs || l.expiryMs <= now) continue;
        out.push({ id, remainingTtlSec: Math.ceil((l.expiryMs - now) / 1000) });
      }
    }
    return out;
  }

  /** Remaining seconds as replicated state knows it. */
  private ttlLeftSec(l: Lease): number {
    return l.remainingTtlSec > 0 ? l.remainingTtlSec : l.ttlSec;
  }

  private assertApplying(w: WriteTxn): void {
    if (!w || !this.store.applying) {
      throw new Error("lessor: replicated lease changes only inside store.applyBatch");
    }
  }

  /** (Re)loads leases from SQLite (open, and after a rolled-back batch). */
  private load(): void {
    const old = this.leaseMap;
    const fresh = new Map<bigint, Lease>();
    for (const [id, ttl, remaining] of this.loadStmt.all() as [bigint, bigint, bigint][]) {
      const prev = old.get(id);
      const l: Lease = {
        id,
        ttlSec: Number(ttl),
        remainingTtlSec: Number(remaining),
        expiryMs: Infinity,
        reportAfterMs: 0,
      };
      if (this.primary) l.expiryMs = prev ? prev.expiryMs : this.now() + this.ttlLeftSec(l) * 1000;
      fresh.set(id, l);
    }
    old.clear();
    for (const [id, l] of fresh) old.set(id, l);
    this.logger.debug("leases loaded", { count: fresh.size });
  }
}
