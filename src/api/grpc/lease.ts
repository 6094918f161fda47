// The Lease service: grant, revoke, time-to-live and list as unary calls, and the keep-alive
// bidirectional stream (each request renews one lease and is answered with its new TTL).
import type { ServerDuplexStream } from "@grpc/grpc-js";
import * as pb from "../../proto/index.js";
import type { EtcdServer } from "../../server/etcd-server.js";
import { callContext, toServiceError, unary } from "./unary.js";
import { etcdError } from "../../errors.js";

export function leaseService(s: EtcdServer): pb.LeaseServer {
  return {
    leaseGrant: unary((req: pb.LeaseGrantRequest) => s.leaseGrant(req)),
    leaseRevoke: unary((req: pb.LeaseRevokeRequest) => s.leaseRevoke(req)),
    leaseTimeToLive: unary((req: pb.LeaseTimeToLiveRequest) => s.leaseTimeToLive(req)),
    leaseLeases: unary(() => s.leaseLeases()),
    leaseKeepAlive: (
      call: ServerDuplexStream<pb.LeaseKeepAliveRequest, pb.LeaseKeepAliveResponse>,
    ) => {
      const ctx = callContext(call.metadata);
      if (ctx.requireLeader && s.member.leaderId === 0n) {
        call.destroy(toServiceError(etcdError("NoLeader")) as Error);
        return;
      }
      let ended = false;
      // Answers go out in request order even though renewals resolve asynchronously.
      let chain = Promise.resolve();
      call.on("data", (req: pb.LeaseKeepAliveRequest) => {
        chain = chain.then(async () => {
          if (ended) return;
          try {
            const res = await s.leaseKeepAlive(req);
            if (!ended) call.write(res);
          } catch (err) {
            if (!ended) {
              ended = true;
              call.destroy(toServiceError(err) as Error);
            }
          }
        });
      });
      call.on("end", () => {
        void chain.then(() => {
          if (!ended) {
            ended = true;
            call.end();
          }
        });
      });
      call.on("error", () => {
        ended = true;
      });
      call.on("cancelled", () => {
        ended = true;
      });
    },
  };
}
