// Which key permissions a KV request needs, as etcd 3.4 decides: Range reads its range, Put
// writes its key (and reads it for prev_kv, and must be able to write every key already on
// the lease it attaches), DeleteRange writes its range (and reads it for prev_kv), Txn needs
// read on every compare and the permissions of every op in both branches.
import type * as pb from "../proto/index.js";
import type { AuthInfo, AuthStore } from "./store.js";

/** The keys attached to a lease (none for an unknown lease). */
export type LeaseKeys = (leaseId: bigint) => Buffer[];

const EMPTY = Buffer.alloc(0);

export function checkRange(s: AuthStore, info: AuthInfo | undefined, r: pb.RangeRequest): void {
  s.checkRange(info, r.key, r.rangeEnd);
}

export function checkPut(
  s: AuthStore,
  info: AuthInfo | undefined,
  r: pb.PutRequest,
  leaseKeys: LeaseKeys,
): void {
  s.checkPut(info, r.key);
  if (r.lease !== 0n) checkLeaseKeys(s, info, r.lease, leaseKeys);
  if (r.prevKv) s.checkRange(info, r.key, EMPTY);
}

export function checkDeleteRange(
  s: AuthStore,
  info: AuthInfo | undefined,
  r: pb.DeleteRangeRequest,
): void {
  s.checkDeleteRange(info, r.key, r.rangeEnd);
  if (r.prevKv) s.checkRange(info, r.key, r.rangeEnd);
}

export function checkLeaseKeys(
  s: AuthStore,
  info: AuthInfo | undefined,
  leaseId: bigint,
  leaseKeys: LeaseKeys,
): void {
  for (const k of leaseKeys(leaseId)) s.checkPut(info, k);
}

function checkOps(s: AuthStore, info: AuthInfo | undefined, ops: pb.RequestOp[]): void {
  for (const op of ops) {
    const r = op.request;
    if (!r) continue;
    switch (r.$case) {
      case "requestRange":
        s.checkRange(info, r.value.key, r.value.rangeEnd);
        break;
      case "requestPut":
        s.checkPut(info, r.value.key);
        break;
      case "requestDeleteRange":
        if (r.value.prevKv) s.checkRange(info, r.value.key, r.value.rangeEnd);
        s.checkDeleteRange(info, r.value.key, r.value.rangeEnd);
        break;
      case "requestTxn":
        // etcd 3.4 skips nested txns here; checking them closes that hole.
        checkTxn(s, info, r.value);
        break;
    }
  }
}

export function checkTxn(s: AuthStore, info: AuthInfo | undefined, t: pb.TxnRequest): void {
  for (const c of t.compare) s.checkRange(info, c.key, c.rangeEnd);
  checkOps(s, info, t.success);
  checkOps(s, info, t.failure);
}
