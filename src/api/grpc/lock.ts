// The v3lockpb.Lock service: Lock blocks until the named lock is held for the caller's lease
// and answers with the ownership key; Unlock deletes that key. A caller that goes away while
// waiting stops its wait (see server/concurrency).
import type { sendUnaryData, ServerUnaryCall } from "@grpc/grpc-js";
import type * as pb from "../../proto/index.js";
import type { EtcdServer } from "../../server/etcd-server.js";
import {
  acquireLock,
  asRecipeError,
  releaseLock,
  serverBackend,
} from "../../server/concurrency/index.js";
import { toServiceError } from "./unary.js";

/** A unary handler whose work is aborted when the call is cancelled or its deadline passes. */
export function cancellableUnary<Req, Res>(
  fn: (req: Req, signal: AbortSignal) => Promise<Res>,
): (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>) => void {
  return (call, callback) => {
    const ac = new AbortController();
    call.on("cancelled", () => ac.abort());
    fn(call.request, ac.signal).then(
      (res) => callback(null, res),
      (err: unknown) => callback(toServiceError(asRecipeError(err))),
    );
  };
}

export function lockService(s: EtcdServer): pb.LockServer {
  const b = serverBackend(s);
  return {
    lock: cancellableUnary(async (req: pb.LockRequest, signal) => {
      const r = await acquireLock(b, req.name, req.lease, signal);
      return { header: r.header, key: r.key };
    }),
    unlock: cancellableUnary(async (req: pb.UnlockRequest) => ({
      header: await releaseLock(b, req.key),
    })),
  };
}
