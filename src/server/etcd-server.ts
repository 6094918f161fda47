// The member's typed request API, as the v3 services and the JSON gateway call it: requests
// are validated before they enter raft, writes are proposed and answered after apply,
// linearizable reads wait for a ReadIndex barrier, serializable reads answer locally.
import * as pb from "../proto/index.js";
import { EtcdError, GrpcCode, etcdError } from "../errors.js";
import {
  checkDeleteRequest,
  checkPutRequest,
  checkRangeRequest,
  checkTxnRequest,
} from "../mvcc/validate.js";
import { ConfChangeType } from "../raft/types.js";
import type { MemberInfo } from "../membership/cluster.js";
import { computeMemberId } from "../membership/ids.js";
import { ETCD_VERSION } from "../version.js";
import type { Member } from "./member.js";
import { RequestKind } from "./envelope.js";
import type { ApplyResult } from "./state-machine.js";
import type { KvStateMachine } from "./kv-state-machine.js";
import {
  deleteRangeFromPb,
  deleteRangeToPb,
  header,
  putFromPb,
  putToPb,
  rangeFromPb,
  rangeToPb,
  txnFromPb,
  txnToPb,
} from "./convert.js";
import type * as mvcc from "../mvcc/types.js";
import { LeaseIdGenerator, checkLeaseGrant } from "../lease/index.js";
import { LEASES_INTERNAL_PATH, LEASES_PATH, forwardToLeader } from "./lease-forward.js";
import { forwardPromote } from "./promote-forward.js";
import { authorizedProposal } from "../auth/context.js";
import type { QuotaRequest } from "../mvcc/quota.js";
import { enforceQuota } from "./quota.js";

/** Extra bytes a gRPC request may have beyond --max-request-bytes (etcd's allowance). */
export const GRPC_OVERHEAD_BYTES = 512 * 1024;

function isReadOnlyTxn(t: mvcc.TxnRequest): boolean {
  const ops = [...(t.success ?? []), ...(t.failure ?? [])];
  return ops.every(
    (op) =>
      op.requestRange !== undefined ||
      (op.requestTxn !== undefined && isReadOnlyTxn(op.requestTxn)),
  );
}

export class EtcdServer {
  private readonly leaseIds: LeaseIdGenerator;

  constructor(
    readonly member: Member,
    readonly kv: KvStateMachine,
  ) {
    this.leaseIds = new LeaseIdGenerator(member.id);
  }

  get memberId(): bigint {
    return this.member.id;
  }

  get clusterId(): bigint {
    return this.member.clusterId;
  }

  header(revision: number): pb.ResponseHeader {
    return header(
      { clusterId: this.member.clusterId, memberId: this.member.id, raftTerm: this.member.term },
      revision,
    );
  }

  private async write(kind: RequestKind, payload: Uint8Array): Promise<ApplyResult> {
    if (payload.length > this.member.cfg.maxRequestBytes) throw etcdError("RequestTooLarge");
    this.refuseOnLearner();
    // With auth on, the sender travels with the write so the apply re-checks permissions.
    const p = authorizedProposal(kind, payload);
    const result = await this.member.propose(p.kind, p.payload);
    if (result.error) throw result.error;
    return result;
  }

  /** --quota-backend-bytes: refuse (and raise NOSPACE) before proposing a write that won't fit. */
  private checkQuota(req: QuotaRequest): Promise<void> {
    return enforceQuota(
      {
        memberId: this.member.id,
        quotaBytes: this.member.cfg.quotaBackendBytes,
        dbSizeBytes: () => this.kv.store.dbSizeBytes(),
        raiseAlarm: (a) => this.alarm(a),
      },
      req,
    );
  }

  private refuseOnLearner(): void {
    if (this.member.isLearner) throw etcdError("NotSupportedForLearner");
  }

  // ---- KV -----------------------------------------------------------------------------

  async range(req: pb.RangeRequest): Promise<pb.RangeResponse> {
    const r = rangeFromPb(req);
    checkRangeRequest(r);
    if (!req.serializable) {
      this.refuseOnLearner();
      await this.member.linearizableRead();
    }
    const res = this.kv.store.range(r);
    return rangeToPb(this.header(res.revision), res);
  }

  async put(req: pb.PutRequest): Promise<pb.PutResponse> {
    const put = putFromPb(req);
    checkPutRequest(put);
    await this.checkQuota({ put });
    const res = await this.write(RequestKind.Put, pb.PutRequest.encode(req).finish());
    return putToPb(this.header(res.revision), res.response as mvcc.PutResult);
  }

  async deleteRange(req: pb.DeleteRangeRequest): Promise<pb.DeleteRangeResponse> {
    checkDeleteRequest(deleteRangeFromPb(req));
    const res = await this.write(
      RequestKind.DeleteRange,
      pb.DeleteRangeRequest.encode(req).finish(),
    );
    return deleteRangeToPb(this.header(res.revision), res.response as mvcc.DeleteRangeResult);
  }

  async txn(req: pb.TxnRequest): Promise<pb.TxnResponse> {
    const t = txnFromPb(req);
    checkTxnRequest(t, this.member.cfg.maxTxnOps);
    await this.checkQuota({ txn: t });
    if (isReadOnlyTxn(t)) {
      // A read-only txn needs no consensus beyond a linearizable read barrier.
      this.refuseOnLearner();
      await this.member.linearizableRead();
      const res = this.kv.readOnlyTxn(t);
      return txnToPb(this.header(res.revision), res);
    }
    const res = await this.write(RequestKind.Txn, pb.TxnRequest.encode(req).finish());
    return txnToPb(this.header(res.revision), res.response as mvcc.TxnResult);
  }

  async compact(req: pb.CompactionRequest): Promise<pb.CompactionResponse> {
    const res = await this.write(RequestKind.Compaction, pb.CompactionRequest.encode(req).finish());
    if (req.physical) this.kv.syncToDisk();
    return { header: this.header(res.revision) };
  }

  // ---- Lease --------------------------------------------------------------------------

  async leaseGrant(req: pb.LeaseGrantRequest): Promise<pb.LeaseGrantResponse> {
    const id = req.ID === 0n ? this.leaseIds.next() : req.ID;
    checkLeaseGrant(id, Number(req.TTL));
    await this.checkQuota({ leaseGrant: true });
    const res = await this.write(
      RequestKind.LeaseGrant,
      pb.LeaseGrantRequest.encode({ ID: id, TTL: req.TTL }).finish(),
    );
    const granted = res.response as { id: bigint; ttlSec: number };
    return {
      header: this.header(res.revision),
      ID: granted.id,
      TTL: BigInt(granted.ttlSec),
      error: "",
    };
  }

  async leaseRevoke(req: pb.LeaseRevokeRequest): Promise<pb.LeaseRevokeResponse> {
    const res = await this.write(
      RequestKind.LeaseRevoke,
      pb.LeaseRevokeRequest.encode(req).finish(),
    );
    return { header: this.header(res.revision) };
  }

  private leaderPeerUrls(): string[] {
    const leader = this.member.leaderId;
    if (leader === 0n) throw etcdError("NoLeader");
    return this.member.cluster.get(leader)?.peerURLs ?? [];
  }

  async leaseKeepAlive(req: pb.LeaseKeepAliveRequest): Promise<pb.LeaseKeepAliveResponse> {
    if (!this.member.isLeader) {
      const out = await forwardToLeader(
        this.leaderPeerUrls(),
        LEASES_PATH,
        pb.LeaseKeepAliveRequest.encode(req).finish(),
        this.member.cfg.electionTimeoutMs * 2,
      );
      return pb.LeaseKeepAliveResponse.decode(out);
    }
    // The lease may have been granted moments ago on a follower: be sure we applied it.
    await this.member.linearizableRead();
    let ttl = 0;
    try {
      ttl = this.kv.leases.lessor.renew(req.ID);
    } catch (err) {
      if ((err as Error).message !== "etcdserver: requested lease not found") throw err;
    }
    return { header: this.header(this.kv.store.currentRevision), ID: req.ID, TTL: BigInt(ttl) };
  }

  async leaseTimeToLive(req: pb.LeaseTimeToLiveRequest): Promise<pb.LeaseTimeToLiveResponse> {
    if (!this.member.isLeader) {
      const out = await forwardToLeader(
        this.leaderPeerUrls(),
        LEASES_INTERNAL_PATH,
        pb.LeaseTimeToLiveRequest.encode(req).finish(),
        this.member.cfg.electionTimeoutMs * 2,
      );
      return pb.LeaseTimeToLiveResponse.decode(out);
    }
    await this.member.linearizableRead();
    const t = this.kv.leases.lessor.timeToLive(req.ID, req.keys);
    const h = this.header(this.kv.store.currentRevision);
    if (!t) return { header: h, ID: req.ID, TTL: -1n, grantedTTL: 0n, keys: [] };
    return {
      header: h,
      ID: t.id,
      TTL: BigInt(t.ttlSec),
      grantedTTL: BigInt(t.grantedTtlSec),
      keys: t.keys,
    };
  }

  async leaseLeases(): Promise<pb.LeaseLeasesResponse> {
    await this.member.linearizableRead();
    return {
      header: this.header(this.kv.store.currentRevision),
      leases: this.kv.leases.lessor.leases().map((id) => ({ ID: id })),
    };
  }

  // ---- Cluster ------------------------------------------------------------------------

  private membersToPb(members: MemberInfo[]): pb.Member[] {
    return members.map((m) => ({
      ID: m.id,
      name: m.name,
      peerURLs: m.peerURLs,
      clientURLs: m.clientURLs,
      isLearner: m.isLearner,
    }));
  }

  private memberHeader(): pb.ResponseHeader {
    return { ...this.header(0), revision: 0n };
  }

  async memberList(): Promise<pb.MemberListResponse> {
    return { header: this.memberHeader(), members: this.membersToPb(this.member.cluster.list()) };
  }

  private checkPeerURLs(urls: string[]): void {
    if (urls.length === 0) throw etcdError("MemberBadURLs");
    for (const u of urls) {
      let parsed: URL;
      try {
        parsed = new URL(u);
      } catch {
        throw etcdError("MemberBadURLs");
      }
      if ((parsed.protocol !== "http:" && parsed.protocol !== "https:") || parsed.port === "") {
        throw etcdError("MemberBadURLs");
      }
    }
  }

  /** Started members: those that published their name (etcd's "started" notion). */
  private startedVoters(): MemberInfo[] {
    return this.member.cluster.voters().filter((m) => m.name !== "" || m.id === this.member.id);
  }

  async memberAdd(req: pb.MemberAddRequest): Promise<pb.MemberAddResponse> {
    this.checkPeerURLs(req.peerURLs);
    if (this.member.cluster.peerURLInUse(req.peerURLs)) throw etcdError("PeerURLExist");
    const cluster = this.member.cluster;
    if (req.isLearner) {
      if (cluster.learners().length >= 1) throw etcdError("TooManyLearners");
    } else if (this.member.cfg.strictReconfigCheck) {
      // After adding, a quorum of the new voter set must already be started.
      const voters = cluster.voters().length + 1;
      const started = this.startedVoters().length;
      // Growing a started single member to two is allowed, as etcd does (restoring a cluster
      // from one member's data relies on it).
      const growingSingle = voters === 2 && started === 1;
      if (!growingSingle && started < Math.floor(voters / 2) + 1)
        throw etcdError("MemberNotEnoughStarted");
    }
    const id = computeMemberId(req.peerURLs, "", Math.floor(Date.now() / 1000));
    if (cluster.has(id) || cluster.isRemoved(id)) throw etcdError("MemberExist");
    const info: MemberInfo = {
      id,
      name: "",
      peerURLs: req.peerURLs,
      clientURLs: [],
      isLearner: req.isLearner,
    };
    const members = await this.member.proposeConfChange(
      req.isLearner ? ConfChangeType.AddLearnerNode : ConfChangeType.AddNode,
      info,
    );
    return {
      header: this.memberHeader(),
      member: this.membersToPb([info])[0],
      members: this.membersToPb(members),
    };
  }

  async memberRemove(req: pb.MemberRemoveRequest): Promise<pb.MemberRemoveResponse> {
    const cluster = this.member.cluster;
    const target = cluster.get(req.ID);
    if (!target) {
      if (cluster.isRemoved(req.ID))
        throw new EtcdError(GrpcCode.NOT_FOUND, "etcdserver: member not found");
      throw etcdError("MemberNotFound");
    }
    if (this.member.cfg.strictReconfigCheck && !target.isLearner) {
      const voters = cluster.voters().length - 1;
      const started = this.startedVoters().filter((m) => m.id !== req.ID).length;
      if (voters > 0 && started < Math.floor(voters / 2) + 1)
        throw etcdError("MemberNotEnoughStarted");
    }
    const members = await this.member.proposeConfChange(ConfChangeType.RemoveNode, target);
    return { header: this.memberHeader(), members: this.membersToPb(members) };
  }

  async memberUpdate(req: pb.MemberUpdateRequest): Promise<pb.MemberUpdateResponse> {
    this.checkPeerURLs(req.peerURLs);
    const target = this.member.cluster.get(req.ID);
    if (!target) throw etcdError("MemberNotFound");
    if (this.member.cluster.peerURLInUse(req.peerURLs, req.ID)) throw etcdError("PeerURLExist");
    const members = await this.member.proposeConfChange(ConfChangeType.UpdateNode, {
      ...target,
      peerURLs: req.peerURLs,
    });
    return { header: this.memberHeader(), members: this.membersToPb(members) };
  }

  async memberPromote(req: pb.MemberPromoteRequest): Promise<pb.MemberPromoteResponse> {
    const target = this.member.cluster.get(req.ID);
    if (!target) throw etcdError("MemberNotFound");
    if (!target.isLearner) throw etcdError("MemberNotLearner");
    if (!this.member.isLeader) {
      // Only the leader knows how far the learner is; etcd forwards to it over the peer port.
      const members = await forwardPromote(
        this.leaderPeerUrls(),
        req.ID,
        this.member.cfg.electionTimeoutMs * 2 + 5000,
      );
      return {
        header: this.memberHeader(),
        members: this.membersToPb(members.map((m) => ({ ...m, isLearner: m.isLearner ?? false }))),
      };
    }
    const progress = this.member.progress()?.get(req.ID);
    const leaderMatch = this.member.raftIndex;
    // In sync: the learner has at least 90% of the leader's log, as etcd judges it.
    if (!progress || progress.match < leaderMatch * 0.9) throw etcdError("LearnerNotReady");
    const members = await this.member.proposeConfChange(ConfChangeType.AddNode, {
      ...target,
      isLearner: false,
    });
    return { header: this.memberHeader(), members: this.membersToPb(members) };
  }

  // ---- Maintenance --------------------------------------------------------------------

  async status(): Promise<pb.StatusResponse> {
    const errors: string[] = [];
    if (this.member.leaderId === 0n) errors.push("etcdserver: no leader");
    for (const a of this.kv.alarms())
      errors.push(`memberID:${a.memberId} alarm:${pb.AlarmType[a.alarm]} `);
    return {
      header: this.header(this.kv.store.currentRevision),
      version: ETCD_VERSION,
      dbSize: BigInt(this.kv.store.dbSizeBytes()),
      leader: this.member.leaderId,
      raftIndex: BigInt(this.member.committedIndex),
      raftTerm: BigInt(this.member.term),
      raftAppliedIndex: BigInt(this.member.applied),
      errors,
      dbSizeInUse: BigInt(this.kv.store.dbSizeInUseBytes()),
      isLearner: this.member.isLearner,
    };
  }

  async hash(): Promise<pb.HashResponse> {
    return { header: this.header(this.kv.store.currentRevision), hash: this.kv.store.hash() };
  }

  async hashKV(req: pb.HashKVRequest): Promise<pb.HashKVResponse> {
    const r = this.kv.store.hashKV(Number(req.revision));
    return {
      header: this.header(r.revision),
      hash: r.hash,
      compactRevision: BigInt(r.compactRevision),
    };
  }

  async defragment(): Promise<pb.DefragmentResponse> {
    this.kv.store.defragment();
    return { header: this.header(this.kv.store.currentRevision) };
  }

  async moveLeader(req: pb.MoveLeaderRequest): Promise<pb.MoveLeaderResponse> {
    await this.member.moveLeader(req.targetID);
    return { header: this.header(this.kv.store.currentRevision) };
  }

  async alarm(req: pb.AlarmRequest): Promise<pb.AlarmResponse> {
    if (req.action === pb.AlarmRequest_AlarmAction.GET) {
      return { header: undefined, alarms: this.alarmMembers(req.alarm) };
    }
    const res = await this.write(RequestKind.Alarm, pb.AlarmRequest.encode(req).finish());
    return { header: undefined, alarms: (res.response as pb.AlarmMember[]) ?? [] };
  }

  private alarmMembers(filter: pb.AlarmType): pb.AlarmMember[] {
    return this.kv
      .alarms()
      .filter((a) => filter === pb.AlarmType.NONE || a.alarm === filter)
      .map((a) => ({ memberID: a.memberId, alarm: a.alarm }));
  }
}
