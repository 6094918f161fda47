// Public surface of the MVCC storage layer: the revisioned key-value store on SQLite, its
// watchers, pure request validation, quota and auto-compaction helpers.
//
// Usage (server side):
//   const store = MvccStore.open(`${dataDir}/member/snap/db`, { logger, maxTxnOps });
//   const lessor = new Lessor(store, { electionTimeoutMs });          // src/lease
//   // apply committed raft entries, in order, one SQLite transaction per batch:
//   store.applyBatch(lastIndexOfBatch, (w) => {
//     for (const req of entries) {
//       try { results.push(w.put(req)) } catch (err) { results.push(err) } // per request
//     }
//   });
//   // serve reads locally:
//   store.range({ key, rangeEnd, revision });  store.readTxn(readOnlyTxn);
//   store.watch({ key, startRevision }, (resp) => stream.write(resp)); // false = congested
//
// Contracts:
// - Validation (checkPutRequest, checkTxnRequest, ...) runs before proposing; the apply
//   path repeats it. A request that fails validation throws an EtcdError before changing
//   anything, so catching it per request is safe. A request that fails after changing
//   state dooms the batch: applyBatch rolls everything back and rethrows.
// - If the applyBatch callback throws, the batch (and its consistent index) is rolled back
//   and in-memory state reloaded from SQLite.
// - Watchers are notified synchronously after each batch commits. A callback returning
//   false is paused (moved off the live path); call handle.resume() when drained and it
//   catches up from history. Throwing callbacks are canceled.
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
