// The v3 gRPC services on the client port: each method is a thin adapter from the wire to
// the member's typed request API (src/server/etcd-server.ts).
import { createHash } from "node:crypto";
import type { ServerWritableStream } from "@grpc/grpc-js";
import * as pb from "../../proto/index.js";
import type { EtcdServer } from "../../server/etcd-server.js";
import { toServiceError, unary } from "./unary.js";

/** Snapshot stream chunk size, as etcd sends the backend file. */
const SNAPSHOT_CHUNK_BYTES = 32 * 1024;

export function kvService(s: EtcdServer): pb.KVServer {
  return {
    range: unary((req: pb.RangeRequest) => s.range(req)),
    put: unary((req: pb.PutRequest) => s.put(req)),
    deleteRange: unary((req: pb.DeleteRangeRequest) => s.deleteRange(req)),
    txn: unary((req: pb.TxnRequest) => s.txn(req)),
    compact: unary((req: pb.CompactionRequest) => s.compact(req)),
  };
}

export function clusterService(s: EtcdServer): pb.ClusterServer {
  return {
    memberAdd: unary((req: pb.MemberAddRequest) => s.memberAdd(req)),
    memberRemove: unary((req: pb.MemberRemoveRequest) => s.memberRemove(req)),
    memberUpdate: unary((req: pb.MemberUpdateRequest) => s.memberUpdate(req)),
    memberList: unary(() => s.memberList()),
    memberPromote: unary((req: pb.MemberPromoteRequest) => s.memberPromote(req)),
  };
}

export function maintenanceService(s: EtcdServer): pb.MaintenanceServer {
  return {
    alarm: unary((req: pb.AlarmRequest) => s.alarm(req)),
    status: unary(() => s.status()),
    defragment: unary(() => s.defragment()),
    hash: unary(() => s.hash()),
    hashKv: unary((req: pb.HashKVRequest) => s.hashKV(req)),
    moveLeader: unary((req: pb.MoveLeaderRequest) => s.moveLeader(req)),
    snapshot: (call: ServerWritableStream<pb.SnapshotRequest, pb.SnapshotResponse>) => {
      streamSnapshot(s, call).catch((err: unknown) => call.destroy(toServiceError(err) as Error));
    },
  };
}

/** Sends the whole database in chunks, then its SHA-256 as the last message (etcd's framing). */
async function streamSnapshot(
  s: EtcdServer,
  call: ServerWritableStream<pb.SnapshotRequest, pb.SnapshotResponse>,
): Promise<void> {
  const db = s.kv.snapshotDatabase();
  const header = s.header(s.kv.store.currentRevision);
  const sha = createHash("sha256");
  for (let off = 0; off < db.length; off += SNAPSHOT_CHUNK_BYTES) {
    const blob = Buffer.from(
      db.buffer,
      db.byteOffset + off,
      Math.min(SNAPSHOT_CHUNK_BYTES, db.length - off),
    );
    sha.update(blob);
    const remaining = db.length - off - blob.length;
    const ok = call.write({ header, remainingBytes: BigInt(remaining), blob });
    if (!ok) await new Promise<void>((resolve) => call.once("drain", resolve));
    if (call.cancelled) return;
  }
  call.write({ header, remainingBytes: 0n, blob: sha.digest() });
  call.end();
}
