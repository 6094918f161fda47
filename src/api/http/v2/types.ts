// What the /v2 handlers need from the member: the local v2 store, a way to replicate v2
// requests, raft position, and membership/stats callbacks.
import type { V2Request, V2Result, V2Store } from "../../../v2store/index.js";

export interface V2Member {
  id: bigint;
  /** "" while the member has not started. */
  name: string;
  peerURLs: string[];
  clientURLs: string[];
}

export interface V2SelfStats {
  name: string;
  /** Member id, hex. */
  id: string;
  state: "StateFollower" | "StateCandidate" | "StateLeader" | "StatePreCandidate";
  startTimeMs: number;
  leaderInfo: { leader: string; uptimeMs: number; startTimeMs: number };
  recvAppendRequestCnt: number;
  recvPkgRate?: number;
  recvBandwidthRate?: number;
  sendAppendRequestCnt: number;
  sendPkgRate?: number;
  sendBandwidthRate?: number;
}

export interface V2FollowerStats {
  latency: {
    current: number;
    average: number;
    standardDeviation: number;
    minimum: number;
    maximum: number;
  };
  counts: { fail: number; success: number };
}

export interface V2LeaderStats {
  /** Leader id, hex. */
  leader: string;
  /** Keyed by follower id, hex. */
  followers: Record<string, V2FollowerStats>;
}

export type V2MembershipErrorKind = "IDExists" | "PeerURLExists" | "IDNotFound" | "IDRemoved";

const MEMBERSHIP_TEXT: Record<V2MembershipErrorKind, string> = {
  IDExists: "membership: ID exists",
  PeerURLExists: "membership: peerURL exists",
  IDNotFound: "membership: ID not found",
  IDRemoved: "membership: ID removed",
};

/** Thrown by the membership callbacks for the cases the API answers with 404/409/410. */
export class V2MembershipError extends Error {
  override name = "V2MembershipError";
  constructor(readonly kind: V2MembershipErrorKind) {
    super(MEMBERSHIP_TEXT[kind]);
  }
}

export interface V2Deps {
  /** The local store: GET/HEAD and watches are served from it. */
  store: V2Store;
  /** Replicates a write (or quorum GET) and resolves with its outcome once applied here. */
  propose(req: V2Request): Promise<V2Result>;
  raftIndex(): number;
  raftTerm(): number;
  clusterIdHex: string | (() => string);
  /** Wall clock for TTLs; default Date.now. */
  nowMs?: () => number;
  membersProvider?: () => V2Member[];
  addMember?: (peerURLs: string[]) => Promise<V2Member>;
  removeMember?: (id: bigint) => Promise<void>;
  updateMember?: (id: bigint, peerURLs: string[]) => Promise<void>;
  /** The current leader, or null during an election. */
  leaderInfo?: () => V2Member | null;
  selfStats?: () => V2SelfStats;
  /** Null when this member is not the leader. */
  leaderStats?: () => V2LeaderStats | null;
  /** v2 auth hook: false answers 110 Insufficient credentials. Default: allow. */
  hasKeyAccess?: (req: V2Request, key: string) => boolean;
}
