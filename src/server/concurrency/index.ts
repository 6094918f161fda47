// Server-side concurrency recipes (etcd's v3lock and v3election services): locks and leader
// elections built from ordinary KV, lease and watch calls on the member, so they add no
// replicated state of their own.
export { serverBackend, type ConcurrencyBackend } from "./backend.js";
export { acquireLock, releaseLock, type LockResult } from "./lock.js";
export { campaign, proclaim, resign, leader, observe } from "./election.js";
export { DEFAULT_SESSION_TTL_SEC } from "./session.js";
export { asRecipeError } from "./wait.js";
