// Public surface of the v2 store: the store, its request/apply layer, events and errors.
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
