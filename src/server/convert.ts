// Conversions between the gRPC wire messages (bigint int64, oneof unions) and the MVCC
// store's request/result types (number revisions), in both directions.
import * as pb from "../proto/index.js";
import type * as mvcc from "../mvcc/types.js";

const EMPTY = Buffer.alloc(0);

function optBuf(b: Buffer): Buffer | undefined {
  return b.length === 0 ? undefined : b;
}

export function rangeFromPb(r: pb.RangeRequest): mvcc.RangeRequest {
  return {
    key: r.key,
    rangeEnd: optBuf(r.rangeEnd),
    limit: Number(r.limit),
    revision: Number(r.revision),
    sortOrder: r.sortOrder as mvcc.SortOrder,
    sortTarget: r.sortTarget as mvcc.SortTarget,
    keysOnly: r.keysOnly,
    countOnly: r.countOnly,
    minModRevision: Number(r.minModRevision),
    maxModRevision: Number(r.maxModRevision),
    minCreateRevision: Number(r.minCreateRevision),
    maxCreateRevision: Number(r.maxCreateRevision),
  };
}

export function putFromPb(r: pb.PutRequest): mvcc.PutRequest {
  return {
    key: r.key,
    value: r.value,
    lease: r.lease,
    prevKv: r.prevKv,
    ignoreValue: r.ignoreValue,
    ignoreLease: r.ignoreLease,
  };
}

export function deleteRangeFromPb(r: pb.DeleteRangeRequest): mvcc.DeleteRangeRequest {
  return { key: r.key, rangeEnd: optBuf(r.rangeEnd), prevKv: r.prevKv };
}

function compareFromPb(c: pb.Compare): mvcc.Compare {
  const out: mvcc.Compare = {
    result: c.result as mvcc.CompareResult,
    target: c.target as mvcc.CompareTarget,
    key: c.key,
    rangeEnd: optBuf(c.rangeEnd),
  };
  const u = c.targetUnion;
  if (u) {
    switch (u.$case) {
      case "version":
        out.version = Number(u.value);
        break;
      case "createRevision":
        out.createRevision = Number(u.value);
        break;
      case "modRevision":
        out.modRevision = Number(u.value);
        break;
      case "value":
        out.value = u.value;
        break;
      case "lease":
        out.lease = u.value;
        break;
    }
  }
  return out;
}

function opFromPb(op: pb.RequestOp): mvcc.RequestOp {
  const r = op.request;
  if (!r) return {};
  switch (r.$case) {
    case "requestRange":
      return { requestRange: rangeFromPb(r.value) };
    case "requestPut":
      return { requestPut: putFromPb(r.value) };
    case "requestDeleteRange":
      return { requestDeleteRange: deleteRangeFromPb(r.value) };
    case "requestTxn":
      return { requestTxn: txnFromPb(r.value) };
  }
}

export function txnFromPb(t: pb.TxnRequest): mvcc.TxnRequest {
  return {
    compare: t.compare.map(compareFromPb),
    success: t.success.map(opFromPb),
    failure: t.failure.map(opFromPb),
  };
}

export interface HeaderSource {
  clusterId: bigint;
  memberId: bigint;
  raftTerm: number;
}

export function header(src: HeaderSource, revision: number): pb.ResponseHeader {
  return {
    clusterId: src.clusterId,
    memberId: src.memberId,
    revision: BigInt(revision),
    raftTerm: BigInt(src.raftTerm),
  };
}

export function kvToPb(kv: mvcc.KeyValue): pb.KeyValue {
  return {
    key: kv.key,
    createRevision: BigInt(kv.createRevision),
    modRevision: BigInt(kv.modRevision),
    version: BigInt(kv.version),
    value: kv.value ?? EMPTY,
    lease: kv.lease,
  };
}

/** Range responses whose kvs nobody has read yet, with the store records they come from. */
const rangeSources = new WeakMap<pb.RangeResponse, readonly mvcc.KeyValue[]>();

/**
 * A RangeResponse whose `kvs` are converted only when first read: the gRPC service encodes
 * untouched responses straight from the store's records (rangeKvsSource), without a
 * pb.KeyValue and three bigints per key.
 */
export function rangeToPb(h: pb.ResponseHeader, r: mvcc.RangeResult): pb.RangeResponse {
  const res = { header: h, more: r.more, count: BigInt(r.count) } as pb.RangeResponse;
  let kvs: pb.KeyValue[] | undefined;
  Object.defineProperty(res, "kvs", {
    enumerable: true,
    configurable: true,
    get: () => {
      if (kvs === undefined) {
        kvs = r.kvs.map(kvToPb);
        rangeSources.delete(res);
      }
      return kvs;
    },
    set: (v: pb.KeyValue[]) => {
      kvs = v;
      rangeSources.delete(res);
    },
  });
  rangeSources.set(res, r.kvs);
  return res;
}

/** The store records of a rangeToPb response whose `kvs` were never read or replaced. */
export function rangeKvsSource(res: pb.RangeResponse): readonly mvcc.KeyValue[] | undefined {
  return rangeSources.get(res);
}

export function putToPb(h: pb.ResponseHeader, r: mvcc.PutResult): pb.PutResponse {
  return { header: h, prevKv: r.prevKv ? kvToPb(r.prevKv) : undefined };
}

export function deleteRangeToPb(
  h: pb.ResponseHeader,
  r: mvcc.DeleteRangeResult,
): pb.DeleteRangeResponse {
  return { header: h, deleted: BigInt(r.deleted), prevKvs: r.prevKvs.map(kvToPb) };
}

/** Sub-responses of a txn carry only the revision in their header, as etcd fills them. */
function revisionOnlyHeader(revision: number): pb.ResponseHeader {
  return { clusterId: 0n, memberId: 0n, revision: BigInt(revision), raftTerm: 0n };
}

function opToPb(op: mvcc.ResponseOp, revision: number): pb.ResponseOp {
  const h = revisionOnlyHeader(revision);
  if (op.responseRange)
    return { response: { $case: "responseRange", value: rangeToPb(h, op.responseRange) } };
  if (op.responsePut)
    return { response: { $case: "responsePut", value: putToPb(h, op.responsePut) } };
  if (op.responseDeleteRange) {
    return {
      response: { $case: "responseDeleteRange", value: deleteRangeToPb(h, op.responseDeleteRange) },
    };
  }
  if (op.responseTxn) {
    return { response: { $case: "responseTxn", value: txnToPb(h, op.responseTxn, revision) } };
  }
  return { response: undefined };
}

export function txnToPb(
  h: pb.ResponseHeader,
  r: mvcc.TxnResult,
  revision = r.revision,
): pb.TxnResponse {
  return {
    header: h,
    succeeded: r.succeeded,
    responses: r.responses.map((op) => opToPb(op, revision)),
  };
}

export function eventToPb(e: mvcc.Event): pb.Event {
  return {
    type: e.type as unknown as pb.Event_EventType,
    kv: kvToPb(e.kv),
    prevKv: e.prevKv ? kvToPb(e.prevKv) : undefined,
  };
}

/** A watch response with nothing set but its header and watch id. */
export function emptyWatchResponse(h: pb.ResponseHeader, watchId: number): pb.WatchResponse {
  return {
    header: h,
    watchId: BigInt(watchId),
    created: false,
    canceled: false,
    compactRevision: 0n,
    cancelReason: "",
    fragment: false,
    events: [],
  };
}
