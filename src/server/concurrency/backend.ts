// What the lock and election recipes need from a member: the same KV, lease and watch calls
// a client would make, but in-process (etcd runs these recipes over an embedded client).
import * as pb from "../../proto/index.js";
import type { WatchCallback, WatchHandle, WatchRequest } from "../../mvcc/watchable.js";
import type { EtcdServer } from "../etcd-server.js";

export interface ConcurrencyBackend {
  txn(req: pb.TxnRequest): Promise<pb.TxnResponse>;
  /** A linearizable read: a watch may then start at the returned header's revision. */
  range(req: pb.RangeRequest): Promise<pb.RangeResponse>;
  deleteRange(req: pb.DeleteRangeRequest): Promise<pb.DeleteRangeResponse>;
  leaseGrant(req: pb.LeaseGrantRequest): Promise<pb.LeaseGrantResponse>;
  watch(req: WatchRequest, cb: WatchCallback): WatchHandle;
  header(revision: number): pb.ResponseHeader;
}

export function serverBackend(s: EtcdServer): ConcurrencyBackend {
  return {
    txn: (req) => s.txn(req),
    range: (req) => s.range(req),
    deleteRange: (req) => s.deleteRange(req),
    leaseGrant: (req) => s.leaseGrant(req),
    watch: (req, cb) => s.kv.watch(req, cb),
    header: (revision) => s.header(revision),
  };
}

// ---- request builders ---------------------------------------------------------------------

/** The end of the range of every key starting with `prefix` (clientv3's GetPrefixRangeEnd). */
export function prefixEnd(prefix: Buffer): Buffer {
  const end = Buffer.from(prefix);
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i]! < 0xff) {
      end[i]!++;
      return end.subarray(0, i + 1);
    }
  }
  return Buffer.from([0]);
}

export function rangeReq(key: Buffer, over: Partial<pb.RangeRequest> = {}): pb.RangeRequest {
  return { ...pb.RangeRequest.fromPartial({}), key, ...over };
}

/** The oldest (first created) or newest key under a prefix, optionally below a revision. */
export function topByCreate(
  prefix: Buffer,
  order: "first" | "last",
  maxCreateRevision = 0n,
): pb.RangeRequest {
  return rangeReq(prefix, {
    rangeEnd: prefixEnd(prefix),
    limit: 1n,
    sortTarget: pb.RangeRequest_SortTarget.CREATE,
    sortOrder:
      order === "first" ? pb.RangeRequest_SortOrder.ASCEND : pb.RangeRequest_SortOrder.DESCEND,
    maxCreateRevision,
  });
}

export function createRevisionIs(key: Buffer, revision: bigint): pb.Compare {
  return {
    result: pb.Compare_CompareResult.EQUAL,
    target: pb.Compare_CompareTarget.CREATE,
    key,
    targetUnion: { $case: "createRevision", value: revision },
    rangeEnd: Buffer.alloc(0),
  };
}

export function putOp(key: Buffer, value: Buffer, lease: bigint): pb.RequestOp {
  return {
    request: {
      $case: "requestPut",
      value: { ...pb.PutRequest.fromPartial({}), key, value, lease },
    },
  };
}

export function rangeOp(req: pb.RangeRequest): pb.RequestOp {
  return { request: { $case: "requestRange", value: req } };
}

export function deleteOp(key: Buffer): pb.RequestOp {
  return {
    request: { $case: "requestDeleteRange", value: pb.DeleteRangeRequest.fromPartial({ key }) },
  };
}

/** The kvs of a txn's range sub-response `i` (asserts it is one). */
export function rangeKvsOf(res: pb.TxnResponse, i: number): pb.KeyValue[] {
  const r = res.responses[i]?.response;
  if (r?.$case !== "responseRange") throw new Error(`txn response ${i} is not a range`);
  return r.value.kvs;
}

/** `<prefix><lease id in lower-case hex>`, the key a session owns under a lock or election. */
export function sessionKey(prefix: Buffer, lease: bigint): Buffer {
  return Buffer.concat([prefix, Buffer.from(lease.toString(16))]);
}
