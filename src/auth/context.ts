// The auth context of the request being served, carried across awaits: the token the
// client sent (gRPC metadata `token`, gateway `Authorization` header) and, once checked,
// who the sender is. EtcdServer's write path asks `authorizedProposal` whether to wrap a
// proposal with its sender so the apply can check permissions again.
import { AsyncLocalStorage } from "node:async_hooks";
import type { AuthInfo } from "./store.js";
import { RequestKind } from "../server/envelope.js";
import { encodeAuthorized } from "./state.js";

interface RequestAuth {
  token: string | undefined;
  /** Set by the guard when auth is enabled and the sender is known. */
  info?: AuthInfo;
}

const als = new AsyncLocalStorage<RequestAuth>();

/** The writes whose permissions the apply checks again (etcd's auth applier does). */
const WRAPPED_KINDS = new Set<number>([
  RequestKind.Put,
  RequestKind.DeleteRange,
  RequestKind.Txn,
  RequestKind.LeaseRevoke,
]);

// AsyncLocalStorage turns on promise hooks for every promise in the process once it is first
// run: a cost on every request. Until some request brings a token (or auth authorizes one),
// no request has a context to carry, so none is made.
let contextInUse = false;

export function runWithToken<T>(token: string | undefined, fn: () => T): T {
  const t = token === "" ? undefined : token;
  if (t === undefined && !contextInUse) return fn();
  contextInUse = true;
  return als.run({ token: t }, fn);
}

export function currentToken(): string | undefined {
  return als.getStore()?.token;
}

export function runAuthorized<T>(info: AuthInfo | undefined, fn: () => T): T {
  contextInUse = true;
  return als.run({ token: currentToken(), info }, fn);
}

/** The proposal to make for a write: wrapped with its sender when auth checked one. */
export function authorizedProposal(
  kind: number,
  payload: Uint8Array,
): { kind: number; payload: Uint8Array } {
  const info = als.getStore()?.info;
  if (info === undefined || !WRAPPED_KINDS.has(kind)) return { kind, payload };
  return { kind: RequestKind.Authorized, payload: encodeAuthorized({ info, kind, payload }) };
}
