// Auth enforcement in front of the member's request API, following etcd 3.4's rules:
// KV reads/writes need key permissions (writes are checked again on apply), LeaseRevoke
// needs write access to the lease's keys, Defragment/Hash/HashKV/Snapshot and member
// changes need root; Compaction, LeaseGrant, Alarm, Status, MoveLeader and MemberList only
// need a valid token if one is sent. A watch the sender may not read is created and
// canceled at once (reason `rpc error: code = PermissionDenied desc = etcdserver: permission
// denied`, as etcd prints it). Root-only maintenance answers etcd's raw `auth: ...` texts.
import type { ServerDuplexStream, Metadata } from "@grpc/grpc-js";
import * as pb from "../proto/index.js";
import type { EtcdServer } from "../server/etcd-server.js";
import { callContext, toServiceError } from "../api/grpc/unary.js";
import type { AuthApi } from "./api.js";
import { checkDeleteRange, checkLeaseKeys, checkPut, checkRange, checkTxn } from "./check.js";
import { runAuthorized, runWithToken } from "./context.js";
import type { AuthInfo } from "./store.js";

type Method = (...args: never[]) => Promise<unknown>;
type Check = (api: AuthApi, info: AuthInfo | undefined, req: never) => void;

function leaseKeysOf(api: AuthApi): (id: bigint) => Buffer[] {
  return (id) => api.server.kv.leases.lessor.timeToLive(id, true)?.keys ?? [];
}

const admin: Check = (api, info) => api.state.store.checkAdmin(info);

/** etcd's auth package texts, which its Maintenance service returns unmapped (code Unknown). */
const RAW_AUTH_TEXT: Record<string, string> = {
  "etcdserver: permission denied": "auth: permission denied",
  "etcdserver: user name is empty": "auth: user name is empty",
  "etcdserver: user name not found": "auth: user not found",
  "etcdserver: invalid auth token": "auth: invalid auth token",
};

/** Root-only maintenance (Defragment, Hash, HashKV, Snapshot): errors as etcd's raw texts. */
function checkMaintenanceAdmin(api: AuthApi, info: AuthInfo | undefined): void {
  try {
    api.state.store.checkAdmin(info);
  } catch (err) {
    throw rawAuthError(err);
  }
}

function rawAuthError(err: unknown): Error {
  const raw = RAW_AUTH_TEXT[(err as Error).message];
  return raw === undefined ? (err as Error) : new Error(raw);
}

const maintenanceAdmin: Check = (api, info) => checkMaintenanceAdmin(api, info);

/** Per guarded EtcdServer method: the check to run before it (with the resolved sender). */
const CHECKS: Record<string, Check> = {
  range: (api, info, r: pb.RangeRequest) => checkRange(api.state.store, info, r),
  put: (api, info, r: pb.PutRequest) => checkPut(api.state.store, info, r, leaseKeysOf(api)),
  deleteRange: (api, info, r: pb.DeleteRangeRequest) => checkDeleteRange(api.state.store, info, r),
  txn: (api, info, r: pb.TxnRequest) => checkTxn(api.state.store, info, r),
  leaseRevoke: (api, info, r: pb.LeaseRevokeRequest) =>
    checkLeaseKeys(api.state.store, info, r.ID, leaseKeysOf(api)),
  memberAdd: admin,
  memberRemove: admin,
  memberUpdate: admin,
  memberPromote: admin,
  defragment: maintenanceAdmin,
  hash: maintenanceAdmin,
  hashKV: maintenanceAdmin,
  // Only a bad token is refused (etcd resolves the sender of every raft request).
  compact: () => undefined,
  leaseGrant: () => undefined,
  alarm: () => undefined,
};

/**
 * A view of the server whose request methods enforce auth; everything else passes through.
 * Give it to the client-facing services and gateway; internal callers keep the raw server.
 */
export function guardServer(server: EtcdServer, api: AuthApi): EtcdServer {
  const wrapped = new Map<string, Method>();
  const view = new Proxy(server, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof prop !== "string" || !(prop in CHECKS) || typeof value !== "function")
        return value;
      let fn = wrapped.get(prop);
      if (!fn) {
        const check = CHECKS[prop]!;
        const original = value as Method;
        fn = (async (...args: never[]) => {
          // A bad token is refused even with auth off, as etcd does.
          const info = CHECKS[prop] === maintenanceAdmin ? senderRaw(api) : api.sender();
          if (!api.enabled) return original.apply(target, args);
          check(api, info, args[0] as never);
          return runAuthorized(info, () => original.apply(target, args));
        }) as Method;
        wrapped.set(prop, fn);
      }
      return fn;
    },
  });
  api.attachTo(view);
  return view;
}

function senderRaw(api: AuthApi): AuthInfo | undefined {
  try {
    return api.sender();
  } catch (err) {
    throw rawAuthError(err);
  }
}

export function tokenOf(metadata: Metadata): string | undefined {
  const ctx = callContext(metadata);
  if (ctx.token !== undefined) return ctx.token;
  const alt = metadata.get("authorization")[0];
  return alt === undefined ? undefined : String(alt);
}

interface CallWithMetadata {
  metadata: Metadata;
}

/** Runs every handler of a gRPC service implementation with the call's token in context. */
export function withAuthContext<T extends object>(impl: T): T {
  const out: Record<string, unknown> = {};
  for (const [name, handler] of Object.entries(impl)) {
    if (typeof handler !== "function") {
      out[name] = handler;
      continue;
    }
    const h = handler as (...a: unknown[]) => unknown;
    // Always a fresh context, even without a token, so nothing can leak in from elsewhere.
    out[name] = (call: CallWithMetadata, ...rest: unknown[]) =>
      runWithToken(tokenOf(call.metadata), () => h(call, ...rest));
  }
  return out as T;
}

/** The Maintenance service with Snapshot restricted to root (the unary methods go through the guarded server). */
export function guardMaintenance(impl: pb.MaintenanceServer, api: AuthApi): pb.MaintenanceServer {
  const snapshot = impl.snapshot;
  return withAuthContext({
    ...impl,
    snapshot: (call: Parameters<typeof snapshot>[0]) => {
      try {
        checkMaintenanceAdmin(api, senderRaw(api));
      } catch (err) {
        // An error status before any message (destroy() would leave the client waiting).
        call.emit("error", toServiceError(err));
        return;
      }
      snapshot(call);
    },
  });
}

/** The reason etcd gives when a watch is refused: its gRPC error as Go prints a status. */
function watchCancelReason(err: unknown): string {
  const msg = (err as Error).message;
  switch (msg) {
    case "etcdserver: invalid auth token":
      return `rpc error: code = Unauthenticated desc = ${msg}`;
    case "etcdserver: revision of auth store is old":
    case "etcdserver: user name is empty":
      return `rpc error: code = InvalidArgument desc = ${msg}`;
    default:
      return "rpc error: code = PermissionDenied desc = etcdserver: permission denied";
  }
}

/** Whether the sender may watch [key, rangeEnd); the refusal reason when not. */
export function watchRefusal(
  api: AuthApi,
  token: string | undefined,
  key: Buffer,
  rangeEnd: Buffer,
): string | undefined {
  try {
    const info = runWithToken(token, () => api.sender());
    api.state.store.checkRange(info, key, rangeEnd);
    return undefined;
  } catch (err) {
    return watchCancelReason(err);
  }
}

type WatchCall = ServerDuplexStream<pb.WatchRequest, pb.WatchResponse | Buffer>;

/**
 * The Watch service with create requests checked: a refused one is answered
 * created+canceled (watch id -1) and never reaches the watch stream.
 */
export function guardWatch(impl: pb.WatchServer, api: AuthApi): pb.WatchServer {
  return {
    watch: (call: WatchCall) => {
      const token = tokenOf(call.metadata);
      const refuse = (req: pb.WatchRequest): boolean => {
        const u = req.requestUnion;
        if (u?.$case !== "createRequest") return false;
        const reason = watchRefusal(api, token, u.value.key, u.value.rangeEnd);
        if (reason === undefined) return false;
        call.write({
          header: api.server.header(api.server.kv.store.currentRevision),
          watchId: -1n,
          created: true,
          canceled: true,
          compactRevision: 0n,
          cancelReason: reason,
          fragment: false,
          events: [],
        });
        return true;
      };
      const view = new Proxy(call, {
        get(target, prop) {
          if (prop === "on" || prop === "addListener") {
            return (event: string, listener: (...a: unknown[]) => void) => {
              if (event !== "data") return target.on(event, listener);
              return target.on("data", (req: pb.WatchRequest) => {
                if (!refuse(req)) listener(req);
              });
            };
          }
          const value = Reflect.get(target, prop, target) as unknown;
          return typeof value === "function"
            ? (value as (...a: unknown[]) => unknown).bind(target)
            : value;
        },
      });
      impl.watch(view as WatchCall);
    },
  };
}

/** The JSON gateway's streams: watch needs read on its range, snapshot needs root. */
export function checkGatewayStream(api: AuthApi | undefined, path: string, input: unknown): void {
  if (!api) return;
  if (path === "/v3/maintenance/snapshot") {
    checkMaintenanceAdmin(api, senderRaw(api));
  } else if (path === "/v3/watch") {
    const w = pb.WatchRequest.fromJSON(input);
    const u = w.requestUnion;
    if (u?.$case !== "createRequest") return;
    const info = api.sender();
    api.state.store.checkRange(info, u.value.key, u.value.rangeEnd);
  }
}
