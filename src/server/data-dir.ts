// A member's data dir: where its WAL, raft snapshots and KV database live, who it is (the
// WAL metadata), how a member of a new cluster writes its first contents, and offline
// maintenance of a stopped member's database. Both a server bootstrapping from
// --initial-cluster and `snapshot restore` go through bootstrapNewCluster, so a restored data
// dir is exactly what a fresh member would have written, plus a database.
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { ConfState, HardState, Snapshot } from "../raft/types.js";
import { Wal, WalLockedError } from "../wal/index.js";
import { lockDir, type DirLock } from "../wal/lock.js";
import { Backend } from "../mvcc/backend.js";
import { MvccStore } from "../mvcc/store.js";
import { goPathError } from "../util/go-errors.js";
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

/** A database file that cannot be opened (etcd's tools panic with this text). */
export class BackendOpenError extends Error {
  constructor(
    readonly dbPath: string,
    readonly reason: string,
  ) {
    super(`cannot open database at ${dbPath} (${reason})`);
  }
}

export interface OfflineDefragOptions {
  /** Called once if the database is still locked after waitNoticeMs (a member runs on it). */
  onWaiting(dbPath: string): void;
  waitNoticeMs?: number;
  pollMs?: number;
}

/**
 * Defragments a stopped member's database in place (`defrag --data-dir`): drops what
 * compaction left behind and VACUUMs. A running member holds its snap dir's lock; this waits
 * for it to let go, as etcdctl waits for the backend's file lock, and never touches the
 * database of a live member.
 */
export async function defragDataDir(dataDir: string, opts: OfflineDefragOptions): Promise<void> {
  const { snapDir, dbPath } = memberPaths(dataDir);
  if (!existsSync(dbPath)) {
    const enoent = Object.assign(new Error("no such file"), { code: "ENOENT" });
    throw new BackendOpenError(dbPath, goPathError("open", dbPath, enoent));
  }
  const lock = await waitForLock(snapDir, dbPath, opts);
  try {
    if (!Backend.holdsStore(dbPath)) throw new BackendOpenError(dbPath, "invalid database");
    const store = MvccStore.open(dbPath, { autoPurge: false });
    try {
      store.defragment();
    } finally {
      store.close();
    }
  } finally {
    lock.release();
  }
}

async function waitForLock(
  dir: string,
  dbPath: string,
  opts: OfflineDefragOptions,
): Promise<DirLock> {
  const started = Date.now();
  let told = false;
  for (;;) {
    try {
      return lockDir(dir);
    } catch (err) {
      if (!(err instanceof WalLockedError)) throw err;
    }
    if (!told && Date.now() - started >= (opts.waitNoticeMs ?? 1000)) {
      told = true;
      opts.onWaiting(dbPath);
    }
    await new Promise((r) => setTimeout(r, opts.pollMs ?? 100));
  }
}
