// The lock and election calls as JSON gateway routes (etcd's v3lockgw/v3electiongw): unary
// calls take an AbortSignal that fires when the HTTP client goes away; Observe streams one
// `{"result": LeaderResponse}` JSON line per change.
import type { IncomingMessage, ServerResponse } from "node:http";
import * as pb from "../../proto/index.js";
import type { EtcdServer } from "../etcd-server.js";
import { serverBackend } from "./backend.js";
import { acquireLock, releaseLock } from "./lock.js";
import { campaign, leader, observe, proclaim, resign } from "./election.js";
import { asRecipeError } from "./wait.js";

/** Errors as the gRPC service gives them (the gateway calls it in etcd). */
function recipe<A extends unknown[], R>(
  fn: (...args: A) => Promise<R>,
): (...args: A) => Promise<R> {
  return (...args) =>
    fn(...args).catch((err: unknown) => {
      throw asRecipeError(err);
    });
}

export const lockGateway = {
  lock: recipe((s: EtcdServer, r: pb.LockRequest, signal: AbortSignal): Promise<pb.LockResponse> =>
    acquireLock(serverBackend(s), r.name, r.lease, signal),
  ),
  unlock: recipe(async (s: EtcdServer, r: pb.UnlockRequest): Promise<pb.UnlockResponse> => ({
    header: await releaseLock(serverBackend(s), r.key),
  })),
};

export const electionGateway = {
  campaign: recipe((s: EtcdServer, r: pb.CampaignRequest, signal: AbortSignal) =>
    campaign(serverBackend(s), r, signal),
  ),
  proclaim: recipe((s: EtcdServer, r: pb.ProclaimRequest) => proclaim(serverBackend(s), r)),
  leader: recipe((s: EtcdServer, r: pb.LeaderRequest) => leader(serverBackend(s), r)),
  resign: recipe((s: EtcdServer, r: pb.ResignRequest) => resign(serverBackend(s), r)),
};

/** POST /v3/election/observe: a chunked stream of JSON lines until the client goes away. */
export function serveObserve(
  s: EtcdServer,
  body: unknown,
  req: IncomingMessage,
  res: ServerResponse,
): void {
  const ac = new AbortController();
  res.on("close", () => ac.abort());
  req.on("close", () => {
    if (!res.writableFinished) ac.abort();
  });
  res.writeHead(200, { "Content-Type": "application/json" });
  void observe(serverBackend(s), pb.LeaderRequest.fromJSON(body), ac.signal, (r) => {
    const ok = res.write(JSON.stringify({ result: pb.LeaderResponse.toJSON(r) }) + "\n");
    if (ok) return;
    return new Promise<void>((resolve) => {
      res.once("drain", resolve);
      ac.signal.addEventListener("abort", () => resolve(), { once: true });
    });
  }).then(() => res.end());
}
