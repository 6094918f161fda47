// A member's data dir: where its WAL, raft snapshots and KV database live, who it is (the
// WAL metadata), and how a member of a new cluster writes its first contents. Both a server
// bootstrapping from --initial-cluster and `snapshot restore` go through bootstrapNewCluster,
// so a restored data dir is exactly what a fresh member would have written, plus a database.
import { join } from "node:path";
import type { ConfState, HardState, Snapshot } from "../raft/types.js";
import { Wal } from "../wal/index.js";
import type { Snapshotter } from "../snap/index.js";
import { ClusterMembership, type MemberInfo } from "../membership/cluster.js";
import { computeClusterId, computeMemberId } from "../membership/ids.js";
import { encodeSnapshotData } from "./snapshot-data.js";
import type { StateMachine } from "./state-machine.js";

export interface MemberPaths {
  memberDir: string;
  walDir: string;
  snapDir: string;
  /** The KV database (SQLite). */
  dbPath: string;
}

/** `<data-dir>/member/{wal,snap,snap/db}`, the WAL elsewhere when --wal-dir is given. */
export function memberPaths(dataDir: string, walDir?: string): MemberPaths {
  const memberDir = join(dataDir, "member");
  const snapDir = join(memberDir, "snap");
  return {
    memberDir,
    walDir: walDir === undefined || walDir === "" ? join(memberDir, "wal") : walDir,
    snapDir,
    dbPath: join(snapDir, "db"),
  };
}

/** WAL metadata: who this member is and which cluster it belongs to. */
export function encodeWalMetadata(memberId: bigint, clusterId: bigint): Uint8Array {
  const b = Buffer.alloc(16);
  b.writeBigUInt64BE(memberId, 0);
  b.writeBigUInt64BE(clusterId, 8);
  return b;
}

export function decodeWalMetadata(bytes: Uint8Array): { memberId: bigint; clusterId: bigint } {
  if (bytes.length !== 16) throw new Error(`corrupt WAL metadata (${bytes.length} bytes)`);
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { memberId: b.readBigUInt64BE(0), clusterId: b.readBigUInt64BE(8) };
}

/** A new cluster as --initial-cluster and its token define it, seen from one member. */
export interface NewCluster {
  selfId: bigint;
  clusterId: bigint;
  /** In --initial-cluster order. */
  members: MemberInfo[];
}

export function planNewCluster(
  initialCluster: ReadonlyMap<string, string[]>,
  token: string,
  advertisePeerUrls: readonly string[],
): NewCluster {
  const members: MemberInfo[] = [...initialCluster.entries()].map(([name, urls]) => ({
    id: computeMemberId(urls, token),
    name,
    peerURLs: urls,
    clientURLs: [],
    isLearner: false,
  }));
  return {
    selfId: computeMemberId(advertisePeerUrls, token),
    clusterId: computeClusterId(members.map((m) => m.id)),
    members,
  };
}

/** Where every member of a new cluster starts its log: the same snapshot on each. */
export const BOOTSTRAP_INDEX = 1;
const BOOTSTRAP_TERM = 1;

export interface Bootstrapped {
  wal: Wal;
  cluster: ClusterMembership;
  snapshot: Snapshot;
  confState: ConfState;
  hardState: HardState;
}

/**
 * Writes a new cluster member's first state: its membership into the state machine, the
 * snapshot at BOOTSTRAP_INDEX holding membership and v2 store, and a WAL that starts at that
 * snapshot. The state machine's database must hold nothing past BOOTSTRAP_INDEX (a new
 * member's is empty; a restored one is rebased there first). The WAL is written last: a
 * data dir without one is not bootstrapped yet, whatever else it holds.
 */
export async function bootstrapNewCluster(
  plan: NewCluster,
  state: StateMachine,
  files: { walDir: string; snapshotter: Snapshotter; maxWals: number },
): Promise<Bootstrapped> {
  if (state.consistentIndex() > BOOTSTRAP_INDEX) {
    throw new Error(
      `bootstrap: the database has applied index ${state.consistentIndex()}, past the bootstrap snapshot (${BOOTSTRAP_INDEX})`,
    );
  }
  const cluster = new ClusterMembership(plan.clusterId);
  for (const m of plan.members) cluster.add(m);
  state.bootstrap(plan.members);
  // Every member of a new cluster starts from the same synthetic snapshot, holding the
  // initial membership, so their logs agree from the first entry on.
  const confState: ConfState = { voters: plan.members.map((m) => m.id), learners: [] };
  const snapshot: Snapshot = {
    data: encodeSnapshotData({ cluster: cluster.toJSON(), ...state.auxiliaryState() }),
    metadata: { confState, index: BOOTSTRAP_INDEX, term: BOOTSTRAP_TERM },
  };
  await files.snapshotter.save(snapshot);
  const hardState: HardState = { term: BOOTSTRAP_TERM, vote: 0n, commit: BOOTSTRAP_INDEX };
  const wal = await Wal.create(files.walDir, encodeWalMetadata(plan.selfId, plan.clusterId), {
    maxWals: files.maxWals,
  });
  await wal.saveSnapshot({ index: BOOTSTRAP_INDEX, term: BOOTSTRAP_TERM });
  await wal.save(hardState, []);
  return { wal, cluster, snapshot, confState, hardState };
}
