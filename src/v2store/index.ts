// Public surface of the v2 store: the store, its request/apply layer, events and errors.
//
// How a member uses it: build V2Requests (the /v2 HTTP handler does), replicate them through
// raft as JSON, and call applyV2Request(store, req) for each committed one on every member, in
// log order; the proposer answers its client with that result. The leader proposes
// v2Request("SYNC", "", { timeMs: Date.now() }) periodically (etcd: every 500 ms, only while
// store.hasTTLKeys()) so TTL expiry happens at the same index everywhere. Membership writes go
// through store.internalCreate/internalSet/internalDelete (the /0 namespace): they bump the
// index, so a fresh one-member cluster's first user write is index 4, as in etcd. Raft
// snapshots carry store.toJSON(); restore with store.restore(snapshot). Treat events as
// immutable: the same objects sit in the watch history.
export { V2Store, CLUSTER_PREFIX, KEYS_PREFIX, PERMANENT } from "./store.js";
export type { TTLOptions, V2WatchOptions, V2StoreSnapshot } from "./store.js";
export { applyV2Request, v2Request } from "./apply.js";
export type { V2Request, V2Result } from "./apply.js";
export { V2Error, V2Code } from "./errors.js";
export type { V2ErrorCode } from "./errors.js";
export { encodeEvent, encodeNode, trimEventPrefix, cloneEvent } from "./event.js";
export type { V2Action, V2Event, V2Node } from "./event.js";
export { V2Watcher, EVENT_HISTORY_CAPACITY } from "./watchers.js";
export { goJsonString, formatRfc3339NanoMs } from "./json.js";
