// The v3 state machine the member applies entries to: the MVCC store, alarms (kept in the
// store's SQLite database so they change atomically with the applied index), leases and
// member attributes. One SQLite transaction per apply batch.
import * as pb from "../proto/index.js";
import { MvccStore } from "../mvcc/store.js";
import type { WriteTxn } from "../mvcc/store.js";
import type { WatchCallback, WatchHandle, WatchRequest } from "../mvcc/watchable.js";
import type { TxnRequest, TxnResult } from "../mvcc/types.js";
import { etcdError } from "../errors.js";
import type { Logger } from "../log/logger.js";
import type { Member } from "./member.js";
import type { MemberConfig } from "./member-config.js";
import { RequestKind, type Envelope } from "./envelope.js";
import { deleteRangeFromPb, putFromPb, txnFromPb } from "./convert.js";
import type { ApplyResult, MemberHooks, StateMachine } from "./state-machine.js";
import type { SnapshotState } from "./snapshot-data.js";
import { LeaseManager } from "./lease-manager.js";
import { AuthState, decodeAuthRequest, decodeAuthorized } from "../auth/state.js";
import {
  V2Store,
  applyV2Request,
  v2Request,
  type V2Request,
  type V2StoreSnapshot,
} from "../v2store/index.js";
import type { MemberInfo } from "../membership/cluster.js";
import { CLUSTER_VERSION } from "../version.js";

/** How often the leader proposes its clock to expire v2 TTL keys (etcd's SYNC interval). */
const V2_SYNC_INTERVAL_MS = 500;

/** The v2 store's membership records, where etcd keeps them (they count in the v2 index). */
function memberPath(id: bigint): string {
  return `/0/members/${id.toString(16)}`;
}

export interface AlarmRecord {
  memberId: bigint;
  alarm: pb.AlarmType;
}

function txnWrites(t: TxnRequest): boolean {
  const ops = [...(t.success ?? []), ...(t.failure ?? [])];
  return ops.some(
    (op) =>
      op.requestPut !== undefined || (op.requestTxn !== undefined && txnWrites(op.requestTxn)),
  );
}

export class KvStateMachine implements StateMachine {
  private alarmList: AlarmRecord[] = [];
  private member: Member | undefined;
  readonly leases: LeaseManager;
  /** Users, roles, permissions and tokens (src/auth). */
  readonly auth: AuthState;
  /** Raft index of the entry being applied (auth tokens end with it). */
  private applyingIndex = 0;
  /** The v2 keyspace: in memory, saved in raft snapshots, separate from the v3 keys. */
  readonly v2 = new V2Store();
  private lastV2SyncMs = 0;
  private v2SyncInFlight = false;

  private constructor(
    public store: MvccStore,
    private readonly cfg: MemberConfig,
    private readonly logger: Logger,
  ) {
    this.initTables();
    this.leases = new LeaseManager(this, cfg, logger);
    this.auth = new AuthState(store.db, (cfg.authTokenTtlSeconds ?? 300) * 1000);
  }

  static open(dbPath: string, cfg: MemberConfig, logger: Logger): KvStateMachine {
    const store = MvccStore.open(dbPath, {
      logger: logger.child("mvcc"),
      maxTxnOps: cfg.maxTxnOps,
    });
    return new KvStateMachine(store, cfg, logger);
  }

  attach(member: Member): void {
    this.member = member;
  }

  private initTables(): void {
    this.store.db.exec(
      "CREATE TABLE IF NOT EXISTS alarm (member_id TEXT NOT NULL, alarm INTEGER NOT NULL, PRIMARY KEY (member_id, alarm))",
    );
    this.alarmList = (
      this.store.db
        .prepare("SELECT member_id, alarm FROM alarm ORDER BY member_id, alarm")
        .all() as Array<{ member_id: string; alarm: number }>
    ).map((r) => ({ memberId: BigInt(r.member_id), alarm: r.alarm as pb.AlarmType }));
  }

  alarms(): AlarmRecord[] {
    return this.alarmList;
  }

  hasAlarm(alarm: pb.AlarmType): boolean {
    return this.alarmList.some((a) => a.alarm === alarm);
  }

  consistentIndex(): number {
    return this.store.consistentIndex();
  }

  watch(req: WatchRequest, cb: WatchCallback): WatchHandle {
    return this.store.watch(req, cb);
  }

  readOnlyTxn(t: TxnRequest): TxnResult {
    return this.store.readTxn(t);
  }

  /** Whether a write of this kind must be refused because the backend is over its quota. */
  exceedsQuota(extraBytes: number): boolean {
    return this.store.dbSizeBytes() + extraBytes >= this.cfg.quotaBackendBytes;
  }

  applyBatch(
    entries: Array<{ index: number; env: Envelope | undefined }>,
    onOther: (index: number) => void,
  ): ApplyResult[] {
    const results: ApplyResult[] = [];
    const last = entries[entries.length - 1]!.index;
    const skipBelow = this.store.consistentIndex();
    this.store.applyBatch(Math.max(last, skipBelow), (w) => {
      for (const { index, env } of entries) {
        if (env === undefined) {
          onOther(index);
          results.push({ revision: w.currentRevision });
          continue;
        }
        if (index <= skipBelow) {
          // Already in the database (replay after restart): only in-memory effects.
          this.applyMemoryOnly(env);
          results.push({ revision: w.currentRevision });
          continue;
        }
        try {
          this.applyingIndex = index;
          results.push(this.applyOne(w, env));
        } catch (err) {
          results.push({ revision: w.currentRevision, error: err as Error });
        }
      }
    });
    return results;
  }

  /** Effects kept outside the database, which a replayed entry must still have. */
  private applyMemoryOnly(env: Envelope): void {
    if (env.kind === RequestKind.MemberAttributes) this.applyMemberAttributes(env.payload);
    else if (env.kind === RequestKind.V2) this.applyV2(env);
  }

  private applyV2(env: Envelope): ApplyResult {
    const req = JSON.parse(Buffer.from(env.payload).toString("utf8")) as V2Request;
    return { revision: this.store.currentRevision, response: applyV2Request(this.v2, req) };
  }

  /** Membership as the v2 store records it (raft attributes, removals). */
  recordMembership(kind: "add" | "remove" | "update", m: MemberInfo): void {
    const raftAttributes = JSON.stringify(
      m.isLearner ? { peerURLs: m.peerURLs, isLearner: true } : { peerURLs: m.peerURLs },
    );
    if (kind === "add")
      this.v2.internalCreate(`${memberPath(m.id)}/raftAttributes`, raftAttributes);
    else if (kind === "update")
      this.v2.internalSet(`${memberPath(m.id)}/raftAttributes`, raftAttributes);
    else {
      this.v2.internalDelete(memberPath(m.id), true);
      this.v2.internalCreate(`/0/removed_members/${m.id.toString(16)}`, "removed");
    }
  }

  /** The initial members and cluster version of a new cluster (its bootstrap snapshot). */
  bootstrap(members: MemberInfo[]): void {
    for (const m of members) this.recordMembership("add", m);
    this.v2.internalCreate("/0/version", CLUSTER_VERSION);
  }

  private applyOne(w: WriteTxn, env: Envelope): ApplyResult {
    switch (env.kind) {
      case RequestKind.Put: {
        if (this.hasAlarm(pb.AlarmType.NOSPACE)) throw etcdError("NoSpace");
        const r = w.put(putFromPb(pb.PutRequest.decode(env.payload)));
        return { revision: r.revision, response: r };
      }
      case RequestKind.DeleteRange: {
        const r = w.deleteRange(deleteRangeFromPb(pb.DeleteRangeRequest.decode(env.payload)));
        return { revision: r.revision, response: r };
      }
      case RequestKind.Txn: {
        const t = txnFromPb(pb.TxnRequest.decode(env.payload));
        if (this.hasAlarm(pb.AlarmType.NOSPACE) && txnWrites(t)) throw etcdError("NoSpace");
        const r = w.txn(t);
        return { revision: r.revision || w.currentRevision, response: r };
      }
      case RequestKind.Compaction: {
        const req = pb.CompactionRequest.decode(env.payload);
        const r = w.compact(Number(req.revision));
        return { revision: r.revision, response: r };
      }
      case RequestKind.Alarm:
        return {
          revision: w.currentRevision,
          response: this.applyAlarm(pb.AlarmRequest.decode(env.payload)),
        };
      case RequestKind.MemberAttributes:
        this.applyMemberAttributes(env.payload);
        return { revision: w.currentRevision };
      case RequestKind.LeaseGrant:
      case RequestKind.LeaseRevoke:
      case RequestKind.LeaseCheckpoint:
        if (env.kind === RequestKind.LeaseGrant && this.hasAlarm(pb.AlarmType.NOSPACE))
          throw etcdError("NoSpace");
        return this.leases.apply(w, env);
      case RequestKind.V2:
        return this.applyV2(env);
      case RequestKind.Noop:
        return { revision: w.currentRevision };
      case RequestKind.Auth:
        return {
          revision: w.currentRevision,
          response: this.auth.apply(decodeAuthRequest(env.payload), this.applyingIndex),
        };
      case RequestKind.Authorized: {
        const a = decodeAuthorized(env.payload);
        this.auth.checkAuthorized(a, (id) => this.leases.lessor.timeToLive(id, true)?.keys ?? []);
        return this.applyOne(w, { ...env, kind: a.kind, payload: a.payload });
      }
      default:
        throw new Error(`unsupported request kind ${env.kind} in committed entry`);
    }
  }

  private applyAlarm(req: pb.AlarmRequest): pb.AlarmMember[] {
    const stmtAdd = this.store.db.prepare(
      "INSERT OR IGNORE INTO alarm (member_id, alarm) VALUES (?, ?)",
    );
    const stmtDel = this.store.db.prepare("DELETE FROM alarm WHERE member_id = ? AND alarm = ?");
    const rec = { memberId: req.memberID, alarm: req.alarm };
    if (req.action === pb.AlarmRequest_AlarmAction.ACTIVATE) {
      if (req.alarm === pb.AlarmType.NONE) return [];
      if (!this.alarmList.some((a) => a.memberId === rec.memberId && a.alarm === rec.alarm)) {
        stmtAdd.run(rec.memberId.toString(), rec.alarm);
        this.alarmList = [...this.alarmList, rec];
        this.logger.warn("alarm raised", {
          alarm: pb.AlarmType[rec.alarm],
          "member-id": rec.memberId.toString(16),
        });
      }
      return [{ memberID: rec.memberId, alarm: rec.alarm }];
    }
    if (req.action === pb.AlarmRequest_AlarmAction.DEACTIVATE) {
      const found = this.alarmList.filter(
        (a) =>
          a.memberId === rec.memberId && (rec.alarm === pb.AlarmType.NONE || a.alarm === rec.alarm),
      );
      for (const a of found) stmtDel.run(a.memberId.toString(), a.alarm);
      this.alarmList = this.alarmList.filter((a) => !found.includes(a));
      return found.map((a) => ({ memberID: a.memberId, alarm: a.alarm }));
    }
    return [];
  }

  private applyMemberAttributes(payload: Uint8Array): void {
    const attrs = JSON.parse(Buffer.from(payload).toString("utf8")) as {
      id: string;
      name: string;
      clientURLs: string[];
    };
    const id = BigInt(attrs.id);
    this.member?.cluster.setAttributes(id, attrs.name, attrs.clientURLs);
    this.v2.internalSet(
      `${memberPath(id)}/attributes`,
      JSON.stringify({ name: attrs.name, clientURLs: attrs.clientURLs }),
    );
  }

  /** Publishes this member's name and client URLs through raft, retrying until it is applied. */
  async publishAttributes(member: Member, name: string, clientURLs: string[]): Promise<void> {
    const payload = Buffer.from(JSON.stringify({ id: member.id.toString(), name, clientURLs }));
    for (let attempt = 0; ; attempt++) {
      try {
        await member.propose(RequestKind.MemberAttributes, payload);
        return;
      } catch (err) {
        if ((err as Error).message === "etcdserver: server stopped") return;
        if (attempt % 10 === 0)
          this.logger.warn("failed to publish member attributes; retrying", {
            error: (err as Error).message,
          });
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  }

  restoreFrom(db: Uint8Array): StateMachine {
    const path = this.store.file;
    this.store.close();
    this.store = MvccStore.restoreFrom(Buffer.from(db.buffer, db.byteOffset, db.byteLength), path, {
      logger: this.logger.child("mvcc"),
      maxTxnOps: this.cfg.maxTxnOps,
    });
    this.initTables();
    this.leases.reload();
    this.auth.reload(this.store.db);
    return this;
  }

  /**
   * Makes a database restored from a snapshot the start of a new cluster: applied index at
   * the bootstrap snapshot's, and no alarms (they name members of the old cluster).
   */
  rebaseForNewCluster(index: number): void {
    this.store.rebaseConsistentIndex(index);
    this.store.db.exec("DELETE FROM alarm");
    this.alarmList = [];
  }

  replaceWith(db: Uint8Array): void {
    this.restoreFrom(db);
  }

  auxiliaryState(): Omit<SnapshotState, "cluster"> {
    return { v2store: this.v2.toJSON() };
  }

  restoreAuxiliary(state: SnapshotState): void {
    if (state.v2store) this.v2.restore(state.v2store as V2StoreSnapshot);
  }

  databaseBytes(): Uint8Array {
    return this.store.snapshotBytes();
  }

  /** The database for `snapshot save`: a consistent copy of the SQLite file. */
  snapshotDatabase(): Uint8Array {
    return this.store.snapshotBytes();
  }

  syncToDisk(): void {
    this.store.commit();
    this.store.db.pragma("wal_checkpoint(FULL)");
  }

  onTick(member: MemberHooks): void {
    this.leases.onTick(member);
    this.maybeSyncV2(member);
  }

  /** Leader only: propose the clock so v2 TTL keys expire at the same index everywhere. */
  private maybeSyncV2(member: MemberHooks): void {
    if (!member.isLeader || this.v2SyncInFlight || !this.v2.hasTTLKeys()) return;
    const now = Date.now();
    if (now - this.lastV2SyncMs < V2_SYNC_INTERVAL_MS) return;
    this.lastV2SyncMs = now;
    this.v2SyncInFlight = true;
    const sync = Buffer.from(JSON.stringify(v2Request("SYNC", "", { timeMs: now })));
    member
      .propose(RequestKind.V2, sync)
      .catch((err: Error) => this.logger.warn("v2 TTL sync failed", { error: err.message }))
      .finally(() => (this.v2SyncInFlight = false));
  }

  onLeadershipChange(isLeader: boolean, member: MemberHooks): void {
    this.leases.onLeadershipChange(isLeader, member);
  }

  close(): void {
    this.leases.close();
    this.auth.close();
    this.store.close();
  }
}
