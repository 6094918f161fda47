// The envelope of every client request proposed to raft: which member proposed it (so that
// member can answer the client after applying it), that member's sequence number, the kind
// of request, the leader-independent wall clock of the proposer, and the encoded request.
import { BinaryReader, BinaryWriter } from "@bufbuild/protobuf/wire";

export enum RequestKind {
  Put = 1,
  DeleteRange = 2,
  Txn = 3,
  Compaction = 4,
  LeaseGrant = 5,
  LeaseRevoke = 6,
  LeaseCheckpoint = 7,
  Alarm = 8,
  Auth = 9,
  V2 = 10,
  MemberAttributes = 11,
  ClusterVersion = 12,
  /** A no-op used to confirm a quorum (endpoint health), like etcd's QGET of a missing key. */
  Noop = 13,
  /** A Put/DeleteRange/Txn/LeaseRevoke with its sender, checked again on apply (auth on). */
  Authorized = 14,
}

export interface Envelope {
  /** Member id of the proposer; 0n for requests no client waits for. */
  proposer: bigint;
  /** The proposer's wait-registry sequence; 0 when nobody waits. */
  seq: number;
  kind: RequestKind;
  /** The proposer's clock (Unix ms) when proposing, for deterministic TTL handling on apply. */
  nowMs: number;
  payload: Uint8Array;
}

export function encodeEnvelope(env: Envelope): Uint8Array {
  const w = new BinaryWriter();
  if (env.proposer !== 0n) w.uint32(8).uint64(env.proposer);
  if (env.seq !== 0) w.uint32(16).uint64(env.seq);
  w.uint32(24).uint32(env.kind);
  if (env.nowMs !== 0) w.uint32(32).uint64(env.nowMs);
  if (env.payload.length > 0) w.uint32(42).bytes(env.payload);
  return w.finish();
}

export function decodeEnvelope(bytes: Uint8Array): Envelope {
  const r = new BinaryReader(bytes);
  const env: Envelope = {
    proposer: 0n,
    seq: 0,
    kind: 0 as RequestKind,
    nowMs: 0,
    payload: new Uint8Array(0),
  };
  while (r.pos < r.len) {
    const tag = r.uint32();
    switch (tag >>> 3) {
      case 1:
        env.proposer = BigInt.asUintN(64, BigInt(r.uint64().toString()));
        break;
      case 2:
        env.seq = Number(r.uint64());
        break;
      case 3:
        env.kind = r.uint32();
        break;
      case 4:
        env.nowMs = Number(r.uint64());
        break;
      case 5:
        env.payload = r.bytes();
        break;
      default:
        r.skip(tag & 7);
    }
  }
  if ((env.kind as number) === 0)
    throw new Error("corrupt raft entry: request envelope without a kind");
  return env;
}
