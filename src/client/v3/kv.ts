// KV service: range, put, deleteRange, txn, compact.
import {
  CompactionRequest,
  DeleteRangeRequest,
  KVService,
  PutRequest,
  RangeRequest,
  TxnRequest,
} from "../../proto/gen/etcdserverpb/rpc.js";
import type {
  CompactionResponse,
  DeleteRangeResponse,
  PutResponse,
  RangeResponse,
  RequestOp,
  TxnResponse,
} from "../../proto/gen/etcdserverpb/rpc.js";
import type { CallOptions, Core } from "./core.js";
import type { Input } from "./input.js";

export class KV {
  constructor(private readonly core: Core) {}

  range(req: Input<typeof RangeRequest>, opts?: CallOptions): Promise<RangeResponse> {
    return this.core.unary(KVService.range, RangeRequest.fromPartial(req), "read", opts);
  }

  put(req: Input<typeof PutRequest>, opts?: CallOptions): Promise<PutResponse> {
    return this.core.unary(KVService.put, PutRequest.fromPartial(req), "write", opts);
  }

  deleteRange(
    req: Input<typeof DeleteRangeRequest>,
    opts?: CallOptions,
  ): Promise<DeleteRangeResponse> {
    return this.core.unary(
      KVService.deleteRange,
      DeleteRangeRequest.fromPartial(req),
      "write",
      opts,
    );
  }

  /** A txn without writes in any branch is retried like a read. */
  txn(req: Input<typeof TxnRequest>, opts?: CallOptions): Promise<TxnResponse> {
    const full = TxnRequest.fromPartial(req);
    const readOnly = [...full.success, ...full.failure].every(isReadOnlyOp);
    return this.core.unary(KVService.txn, full, readOnly ? "read" : "write", opts);
  }

  compact(req: Input<typeof CompactionRequest>, opts?: CallOptions): Promise<CompactionResponse> {
    return this.core.unary(KVService.compact, CompactionRequest.fromPartial(req), "write", opts);
  }
}

function isReadOnlyOp(op: RequestOp): boolean {
  const r = op.request;
  if (r === undefined || r.$case === "requestRange") return true;
  if (r.$case === "requestTxn") return [...r.value.success, ...r.value.failure].every(isReadOnlyOp);
  return false;
}
