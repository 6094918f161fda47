// The v3electionpb.Election service: Campaign blocks until the caller leads, Proclaim and
// Resign act on a leadership term, Leader reads the current leader and Observe streams every
// change of leader or value until the caller goes away.
import type { ServerWritableStream } from "@grpc/grpc-js";
import type * as pb from "../../proto/index.js";
import type { EtcdServer } from "../../server/etcd-server.js";
import {
  campaign,
  leader,
  observe,
  proclaim,
  resign,
  serverBackend,
} from "../../server/concurrency/index.js";
import { cancellableUnary } from "./lock.js";

export function electionService(s: EtcdServer): pb.ElectionServer {
  const b = serverBackend(s);
  return {
    campaign: cancellableUnary((req: pb.CampaignRequest, signal) => campaign(b, req, signal)),
    proclaim: cancellableUnary((req: pb.ProclaimRequest) => proclaim(b, req)),
    leader: cancellableUnary((req: pb.LeaderRequest) => leader(b, req)),
    resign: cancellableUnary((req: pb.ResignRequest) => resign(b, req)),
    observe: (call: ServerWritableStream<pb.LeaderRequest, pb.LeaderResponse>) => {
      const ac = new AbortController();
      call.on("cancelled", () => ac.abort());
      call.on("error", () => ac.abort());
      void observe(b, call.request, ac.signal, (res) => {
        if (call.write(res)) return;
        // A slow reader: wait for it before looking for the next change.
        return new Promise<void>((resolve) => {
          const done = () => {
            call.off("drain", done);
            ac.signal.removeEventListener("abort", done);
            resolve();
          };
          call.on("drain", done);
          ac.signal.addEventListener("abort", done, { once: true });
        });
      }).then(() => {
        if (!ac.signal.aborted) call.end();
      });
    },
  };
}
