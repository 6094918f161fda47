// Lease requests only the leader can answer (keep-alive renews its clock, time-to-live reads
// it): a follower forwards them to the leader's peer URL, POST /leases and
// /leases/internal with protobuf bodies, as etcd members do.
import http from "node:http";
import * as pb from "../proto/index.js";
import { etcdError } from "../errors.js";
import type { PeerRequest, PeerResponse } from "../transport/index.js";

export const LEASES_PATH = "/leases";
export const LEASES_INTERNAL_PATH = "/leases/internal";

function post(url: string, body: Uint8Array, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      { method: "POST", headers: { "Content-Type": "application/protobuf" }, timeout: timeoutMs },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const data = Buffer.concat(chunks);
          if (res.statusCode === 200) resolve(data);
          else if (res.statusCode === 404) reject(etcdError("LeaseNotFound"));
          else reject(new Error(data.toString("utf8") || `leader answered ${res.statusCode}`));
        });
      },
    );
    req.on("timeout", () => req.destroy(etcdError("Timeout")));
    req.on("error", reject);
    req.end(body);
  });
}

/** Forwards to the first of the leader's peer URLs that answers. */
export async function forwardToLeader(
  leaderPeerUrls: string[],
  path: string,
  body: Uint8Array,
  timeoutMs: number,
): Promise<Buffer> {
  let last: unknown = etcdError("NoLeader");
  for (const u of leaderPeerUrls) {
    try {
      return await post(new URL(path, u).toString(), body, timeoutMs);
    } catch (err) {
      last = err;
      if ((err as Error).message === "etcdserver: requested lease not found") throw err;
    }
  }
  throw last;
}

export interface LeaseHandlers {
  keepAlive(req: pb.LeaseKeepAliveRequest): Promise<pb.LeaseKeepAliveResponse>;
  timeToLive(req: pb.LeaseTimeToLiveRequest): Promise<pb.LeaseTimeToLiveResponse>;
}

/** The peer-port routes for forwarded lease requests; true when the request was handled. */
export function leasePeerRoute(handlers: LeaseHandlers) {
  return (req: PeerRequest, res: PeerResponse): boolean => {
    const path = (req.url ?? "").split("?")[0];
    if (req.method !== "POST" || (path !== LEASES_PATH && path !== LEASES_INTERNAL_PATH))
      return false;
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      const work =
        path === LEASES_PATH
          ? handlers
              .keepAlive(pb.LeaseKeepAliveRequest.decode(body))
              .then((r) => pb.LeaseKeepAliveResponse.encode(r).finish())
          : handlers
              .timeToLive(pb.LeaseTimeToLiveRequest.decode(body))
              .then((r) => pb.LeaseTimeToLiveResponse.encode(r).finish());
      work.then(
        (out) => {
          res.writeHead(200, { "Content-Type": "application/protobuf" });
          res.end(Buffer.from(out));
        },
        (err: Error) => {
          const notFound = err.message === "etcdserver: requested lease not found";
          res.writeHead(notFound ? 404 : 500, { "Content-Type": "text/plain" });
          res.end(err.message);
        },
      );
    });
    return true;
  };
}
