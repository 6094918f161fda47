// What the member applies committed entries to: the KV store, leases, alarms, auth and the
// v2 store, behind one interface so the raft loop stays independent of what it replicates.
import type { Envelope } from "./envelope.js";
import type { SnapshotState } from "./snapshot-data.js";
import type { MemberInfo } from "../membership/cluster.js";

/** The outcome of applying one entry, handed to the member that proposed it. */
export interface ApplyResult {
  /** Store revision after the entry (header revision of the answer). */
  revision: number;
  /** The typed response for the request kind (a plain object the API layer converts). */
  response?: unknown;
  /** A request that was valid to propose but failed on apply (e.g. compare failed is not an error). */
  error?: Error;
}

export interface MemberHooks {
  readonly id: bigint;
  readonly isLeader: boolean;
  propose(kind: number, payload: Uint8Array): Promise<ApplyResult>;
}

export interface StateMachine {
  /** Highest raft index whose effects are in the database. */
  consistentIndex(): number;
  /**
   * Applies entries in order in one database transaction. An entry with no envelope is a
   * conf change or an empty leader entry: `onOther(index)` runs in its place.
   */
  applyBatch(
    entries: Array<{ index: number; env: Envelope | undefined }>,
    onOther: (index: number) => void,
  ): ApplyResult[];
  /** Replaces the whole database with snapshot bytes at start-up; returns the reopened machine. */
  restoreFrom(db: Uint8Array): StateMachine;
  /** Replaces the whole database with snapshot bytes while running. */
  replaceWith(db: Uint8Array): void;
  /** State carried in raft snapshots besides the database (the v2 store). */
  auxiliaryState(): Omit<SnapshotState, "cluster">;
  restoreAuxiliary(state: SnapshotState): void;
  /** The whole database, for a snapshot sent to a lagging member. */
  databaseBytes(): Uint8Array;
  /** Makes every applied change durable (before WAL segments may be released). */
  syncToDisk(): void;
  /** Called every heartbeat interval: lease expiry, v2 TTL sync, auto compaction. */
  onTick(member: MemberHooks): void;
  onLeadershipChange(isLeader: boolean, member: MemberHooks): void;
  /** Records a membership change where the state machine keeps membership (the v2 store). */
  recordMembership(kind: "add" | "remove" | "update", member: MemberInfo): void;
  /** Writes a new cluster's initial membership, before its bootstrap snapshot is taken. */
  bootstrap(members: MemberInfo[]): void;
  close(): void;
}
