// The typed v2 request (what the HTTP layer builds and the member replicates through raft) and
// its application to a store: the request -> operation table of etcd's v2 applier.
import { V2Error } from "./errors.js";
import type { V2Event } from "./event.js";
import type { TTLOptions, V2Store } from "./store.js";

/**
 * One v2 request, JSON-serialisable as is. `path` is the full store path (user keys under
 * "/1"). PUT, POST, DELETE, QGET (quorum GET) and SYNC (expire TTL keys) go through raft;
 * GET and HEAD are served from the local store.
 */
export interface V2Request {
  method: "GET" | "HEAD" | "PUT" | "POST" | "DELETE" | "QGET" | "SYNC";
  path: string;
  val: string;
  dir: boolean;
  /** "" = no value condition. */
  prevValue: string;
  /** 0 = no index condition. */
  prevIndex: number;
  /** undefined = no existence condition. */
  prevExist?: boolean;
  /** Absolute expiry (unix ms) from the ttl parameter; 0 = no TTL. */
  expirationMs: number;
  refresh: boolean;
  recursive: boolean;
  sorted: boolean;
  wait: boolean;
  /** waitIndex. */
  since: number;
  stream: boolean;
  quorum: boolean;
  /**
   * The wall clock (unix ms) the apply uses for the `ttl` it reports and, for SYNC, as the
   * expiry cutoff. The proposer sets it; every member applies the same value.
   */
  timeMs: number;
}

/** The outcome of applying one request: an event, a store error, or neither (SYNC). */
export interface V2Result {
  event?: V2Event;
  error?: V2Error;
}

/** A request with every optional condition off; override what you need. */
export function v2Request(
  method: V2Request["method"],
  path: string,
  fields: Partial<V2Request> = {},
): V2Request {
  return {
    method,
    path,
    val: "",
    dir: false,
    prevValue: "",
    prevIndex: 0,
    expirationMs: 0,
    refresh: false,
    recursive: false,
    sorted: false,
    wait: false,
    since: 0,
    stream: false,
    quorum: false,
    timeMs: 0,
    ...fields,
  };
}

function ttlOptions(r: V2Request): TTLOptions {
  return { expireAtMs: r.expirationMs, refresh: r.refresh };
}

function put(store: V2Store, r: V2Request): V2Event {
  const ttl = ttlOptions(r);
  const now = r.timeMs;
  if (r.prevExist !== undefined) {
    if (r.prevExist) {
      if (r.prevIndex === 0 && r.prevValue === "") return store.update(r.path, r.val, ttl, now);
      return store.compareAndSwap(r.path, r.prevValue, r.prevIndex, r.val, ttl, now);
    }
    return store.create(r.path, r.dir, r.val, false, ttl, now);
  }
  if (r.prevIndex > 0 || r.prevValue !== "") {
    return store.compareAndSwap(r.path, r.prevValue, r.prevIndex, r.val, ttl, now);
  }
  return store.set(r.path, r.dir, r.val, ttl, now);
}

function run(store: V2Store, r: V2Request): V2Event | undefined {
  switch (r.method) {
    case "PUT":
      return put(store, r);
    case "POST":
      return store.create(r.path, r.dir, r.val, true, ttlOptions(r), r.timeMs);
    case "DELETE":
      if (r.prevIndex > 0 || r.prevValue !== "") {
        return store.compareAndDelete(r.path, r.prevValue, r.prevIndex, r.timeMs);
      }
      return store.delete(r.path, r.dir, r.recursive, r.timeMs);
    case "QGET":
    case "GET":
    case "HEAD":
      return store.get(r.path, r.recursive, r.sorted, r.timeMs);
    case "SYNC":
      store.deleteExpiredKeys(r.timeMs);
      return undefined;
  }
}

/**
 * Applies a committed request (what every member does, in log order). Store errors are part
 * of the deterministic outcome and come back in the result; anything else throws.
 */
export function applyV2Request(store: V2Store, r: V2Request): V2Result {
  try {
    const event = run(store, r);
    return event === undefined ? {} : { event };
  } catch (err) {
    if (err instanceof V2Error) return { error: err };
    throw err;
  }
}
