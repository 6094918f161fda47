// Backend quota: whether a write would push the database past --quota-backend-bytes. The
// server checks before proposing and raises the NOSPACE alarm when this says yes. Costs
// follow etcd's estimates (a fixed overhead per key or lease plus the bytes written).
import type { PutRequest, TxnRequest } from "./types.js";

export const DEFAULT_QUOTA_BACKEND_BYTES = 2 * 1024 * 1024 * 1024;
/** Above this etcd warns that the quota is larger than it recommends. */
export const MAX_QUOTA_BACKEND_BYTES = 8 * 1024 * 1024 * 1024;
/** Estimated bytes to store one key's metadata. */
export const KV_OVERHEAD_BYTES = 256;
/** Estimated bytes to store one lease. */
export const LEASE_OVERHEAD_BYTES = 64;

/** The effective quota: 0 or less means the default (2 GiB). */
export function effectiveQuotaBytes(configuredBytes: number): number {
  return configuredBytes > 0 ? configuredBytes : DEFAULT_QUOTA_BACKEND_BYTES;
}

export function putCostBytes(req: PutRequest): number {
  return KV_OVERHEAD_BYTES + req.key.length + (req.value?.length ?? 0);
}

/** The larger branch's top-level puts (as etcd counts; nested txns cost nothing). */
export function txnCostBytes(req: TxnRequest): number {
  const branch = (ops: TxnRequest["success"]) =>
    (ops ?? []).reduce((n, op) => n + (op.requestPut ? putCostBytes(op.requestPut) : 0), 0);
  return Math.max(branch(req.success), branch(req.failure));
}

export type QuotaRequest =
  { put: PutRequest } | { txn: TxnRequest } | { leaseGrant: true } | { other: true };

export function requestCostBytes(req: QuotaRequest): number {
  if ("put" in req) return putCostBytes(req.put);
  if ("txn" in req) return txnCostBytes(req.txn);
  if ("leaseGrant" in req) return LEASE_OVERHEAD_BYTES;
  return 0;
}

/**
 * True when the request must be refused with NOSPACE: it costs something and the database
 * size plus that cost reaches the quota. Requests that write nothing always pass.
 */
export function exceedsQuota(dbSizeBytes: number, costBytes: number, quotaBytes: number): boolean {
  if (costBytes === 0) return false;
  return dbSizeBytes + costBytes >= effectiveQuotaBytes(quotaBytes);
}
