// The raft data model shared by the consensus core, the WAL, snapshots and the peer
// transport. Terms and indexes are plain numbers (they never approach 2^53); node ids are
// uint64 and so are bigint, compared by value (Map<bigint, …> keys work by value).

export type NodeId = bigint;

/** Node id 0 means "none" (no vote, no leader). */
export const NONE: NodeId = 0n;

export enum EntryType {
  Normal = 0,
  ConfChange = 1,
}

export interface Entry {
  term: number;
  index: number;
  type: EntryType;
  data: Uint8Array;
}

export interface HardState {
  term: number;
  vote: NodeId;
  commit: number;
}

export interface ConfState {
  voters: NodeId[];
  learners: NodeId[];
}

export interface SnapshotMetadata {
  confState: ConfState;
  index: number;
  term: number;
}

export interface Snapshot {
  data: Uint8Array;
  metadata: SnapshotMetadata;
}

export enum ConfChangeType {
  AddNode = 0,
  RemoveNode = 1,
  UpdateNode = 2,
  AddLearnerNode = 3,
}

export interface ConfChange {
  id: bigint;
  type: ConfChangeType;
  nodeId: NodeId;
  context: Uint8Array;
}

export enum MessageType {
  Hup = 0,
  Beat = 1,
  Prop = 2,
  App = 3,
  AppResp = 4,
  Vote = 5,
  VoteResp = 6,
  Snap = 7,
  Heartbeat = 8,
  HeartbeatResp = 9,
  Unreachable = 10,
  SnapStatus = 11,
  CheckQuorum = 12,
  TransferLeader = 13,
  TimeoutNow = 14,
  ReadIndex = 15,
  ReadIndexResp = 16,
  PreVote = 17,
  PreVoteResp = 18,
}

export interface Message {
  type: MessageType;
  to: NodeId;
  from: NodeId;
  term: number;
  logTerm: number;
  index: number;
  entries: Entry[];
  commit: number;
  snapshot?: Snapshot;
  reject: boolean;
  rejectHint: number;
  context?: Uint8Array;
}
