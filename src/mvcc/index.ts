// Public surface of the MVCC storage layer: the revisioned key-value store on SQLite, its
// watchers, pure request validation, quota and auto-compaction helpers.
//
// Usage (server side):
//   const store = MvccStore.open(`${dataDir}/member/snap/db`, { logger });
//   // apply committed raft entries, in order, one SQLite transaction per batch:
//   store.applyBatch(lastIndexOfBatch, (w) => { w.put(req); w.txn(req); w.compact(rev) });
//   // serve reads locally:
//   store.range({ key, rangeEnd, revision });
//   store.watch({ key, startRevision }, (resp) => stream.write(resp));
// Validation (checkPutRequest, checkTxnRequest, ...) runs before proposing; the apply path
// repeats it, so a request that fails there throws an EtcdError without changing state.
export { MvccStore } from "./store.js";
export type { MvccStoreOptions, WriteTxn, LeaseExists } from "./store.js";
export * from "./types.js";
export {
  checkRangeRequest,
  checkPutRequest,
  checkDeleteRequest,
  checkTxnRequest,
  isTxnReadOnly,
  prefixEnd,
  DEFAULT_MAX_TXN_OPS,
} from "./validate.js";
export { WatchFilter } from "./watchable.js";
export type {
  WatchRequest,
  WatchResponse,
  WatchCallback,
  WatchHandle,
  WatchHubOptions,
} from "./watchable.js";
export { EtcdError, Errors, etcdError, isEtcdError } from "./errors.js";
export {
  DEFAULT_QUOTA_BACKEND_BYTES,
  MAX_QUOTA_BACKEND_BYTES,
  KV_OVERHEAD_BYTES,
  LEASE_OVERHEAD_BYTES,
  effectiveQuotaBytes,
  putCostBytes,
  txnCostBytes,
  requestCostBytes,
  exceedsQuota,
} from "./quota.js";
export type { QuotaRequest } from "./quota.js";
export { AutoCompactor, REVISION_CHECK_INTERVAL_MS } from "./auto-compactor.js";
export type { AutoCompactionMode, AutoCompactorOptions } from "./auto-compactor.js";
