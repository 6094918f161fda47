// The v3 JSON gateway on the client port (etcd's grpc-gateway): POST /v3/<service>/<method>
// with a proto3-JSON body (original field names, base64 bytes, int64 as strings) runs the
// same request method the gRPC service does. /v3beta/ is an alias of /v3/ (etcd 3.4).
import type { IncomingMessage, ServerResponse } from "node:http";
import * as pb from "../../proto/index.js";
import type { EtcdServer } from "../../server/etcd-server.js";
import { emptyWatchResponse, eventToPb } from "../../server/convert.js";
import { GrpcCode } from "../../errors.js";
import { AUTH_ROUTES } from "../../auth/gateway-routes.js";
import { findAuthApi } from "../../auth/api.js";
import { runWithToken } from "../../auth/context.js";
import { checkGatewayStream } from "../../auth/guard.js";
import { electionGateway, lockGateway, serveObserve } from "../../server/concurrency/gateway.js";

interface JsonCodec<T> {
  fromJSON(object: unknown): T;
  toJSON(message: T): unknown;
}

interface Route {
  req: JsonCodec<unknown>;
  res: JsonCodec<unknown>;
  call(s: EtcdServer, req: unknown, signal: AbortSignal): Promise<unknown>;
}

function route<Req, Res>(
  req: JsonCodec<Req>,
  res: JsonCodec<Res>,
  call: (s: EtcdServer, r: Req, signal: AbortSignal) => Promise<Res>,
): Route {
  return {
    req: req as JsonCodec<unknown>,
    res: res as JsonCodec<unknown>,
    call: call as Route["call"],
  };
}

const ROUTES: Record<string, Route> = {
  "/v3/kv/range": route(pb.RangeRequest, pb.RangeResponse, (s, r) => s.range(r)),
  "/v3/kv/put": route(pb.PutRequest, pb.PutResponse, (s, r) => s.put(r)),
  "/v3/kv/deleterange": route(pb.DeleteRangeRequest, pb.DeleteRangeResponse, (s, r) =>
    s.deleteRange(r),
  ),
  "/v3/kv/txn": route(pb.TxnRequest, pb.TxnResponse, (s, r) => s.txn(r)),
  "/v3/kv/compaction": route(pb.CompactionRequest, pb.CompactionResponse, (s, r) => s.compact(r)),
  "/v3/lease/grant": route(pb.LeaseGrantRequest, pb.LeaseGrantResponse, (s, r) => s.leaseGrant(r)),
  "/v3/lease/revoke": route(pb.LeaseRevokeRequest, pb.LeaseRevokeResponse, (s, r) =>
    s.leaseRevoke(r),
  ),
  "/v3/kv/lease/revoke": route(pb.LeaseRevokeRequest, pb.LeaseRevokeResponse, (s, r) =>
    s.leaseRevoke(r),
  ),
  "/v3/lease/timetolive": route(pb.LeaseTimeToLiveRequest, pb.LeaseTimeToLiveResponse, (s, r) =>
    s.leaseTimeToLive(r),
  ),
  "/v3/kv/lease/timetolive": route(pb.LeaseTimeToLiveRequest, pb.LeaseTimeToLiveResponse, (s, r) =>
    s.leaseTimeToLive(r),
  ),
  "/v3/lease/leases": route(pb.LeaseLeasesRequest, pb.LeaseLeasesResponse, (s) => s.leaseLeases()),
  "/v3/kv/lease/leases": route(pb.LeaseLeasesRequest, pb.LeaseLeasesResponse, (s) =>
    s.leaseLeases(),
  ),
  "/v3/cluster/member/add": route(pb.MemberAddRequest, pb.MemberAddResponse, (s, r) =>
    s.memberAdd(r),
  ),
  "/v3/cluster/member/remove": route(pb.MemberRemoveRequest, pb.MemberRemoveResponse, (s, r) =>
    s.memberRemove(r),
  ),
  "/v3/cluster/member/update": route(pb.MemberUpdateRequest, pb.MemberUpdateResponse, (s, r) =>
    s.memberUpdate(r),
  ),
  "/v3/cluster/member/list": route(pb.MemberListRequest, pb.MemberListResponse, (s) =>
    s.memberList(),
  ),
  "/v3/cluster/member/promote": route(pb.MemberPromoteRequest, pb.MemberPromoteResponse, (s, r) =>
    s.memberPromote(r),
  ),
  "/v3/maintenance/alarm": route(pb.AlarmRequest, pb.AlarmResponse, (s, r) => s.alarm(r)),
  "/v3/maintenance/status": route(pb.StatusRequest, pb.StatusResponse, (s) => s.status()),
  "/v3/maintenance/defragment": route(pb.DefragmentRequest, pb.DefragmentResponse, (s) =>
    s.defragment(),
  ),
  // etcd declares HashKV on this path too, but its gateway serves Hash here.
  "/v3/maintenance/hash": route(pb.HashRequest, pb.HashResponse, (s) => s.hash()),
  "/v3/maintenance/transfer-leadership": route(
    pb.MoveLeaderRequest,
    pb.MoveLeaderResponse,
    (s, r) => s.moveLeader(r),
  ),
  "/v3/lock/lock": route(pb.LockRequest, pb.LockResponse, lockGateway.lock),
  "/v3/lock/unlock": route(pb.UnlockRequest, pb.UnlockResponse, lockGateway.unlock),
  "/v3/election/campaign": route(pb.CampaignRequest, pb.CampaignResponse, electionGateway.campaign),
  "/v3/election/proclaim": route(pb.ProclaimRequest, pb.ProclaimResponse, electionGateway.proclaim),
  "/v3/election/leader": route(pb.LeaderRequest, pb.LeaderResponse, electionGateway.leader),
  "/v3/election/resign": route(pb.ResignRequest, pb.ResignResponse, electionGateway.resign),
  ...(AUTH_ROUTES as Record<string, Route>),
};

/** gRPC code → HTTP status, as grpc-gateway maps them. */
export function httpStatusOf(code: number): number {
  switch (code) {
    case GrpcCode.OK:
      return 200;
    case GrpcCode.CANCELLED:
      return 408;
    case GrpcCode.INVALID_ARGUMENT:
    case GrpcCode.OUT_OF_RANGE:
      return 400;
    case GrpcCode.DEADLINE_EXCEEDED:
      return 504;
    case GrpcCode.NOT_FOUND:
      return 404;
    case GrpcCode.ALREADY_EXISTS:
    case GrpcCode.ABORTED:
      return 409;
    case GrpcCode.PERMISSION_DENIED:
      return 403;
    case GrpcCode.UNAUTHENTICATED:
      return 401;
    case GrpcCode.RESOURCE_EXHAUSTED:
      return 429;
    case GrpcCode.FAILED_PRECONDITION:
      return 412;
    case GrpcCode.UNIMPLEMENTED:
      return 501;
    case GrpcCode.UNAVAILABLE:
      return 503;
    default:
      return 500;
  }
}

function errorCode(err: unknown): number {
  const c = (err as { code?: unknown }).code;
  return typeof c === "number" && c >= 0 && c <= 16 ? c : GrpcCode.UNKNOWN;
}

function sendError(res: ServerResponse, code: number, message: string): void {
  const body = JSON.stringify({ error: message, message, code });
  res.writeHead(httpStatusOf(code), { "Content-Type": "application/json" });
  res.end(body);
}

function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > maxBytes) {
        reject(
          Object.assign(
            new Error(`grpc: received message larger than max (${size} vs. ${maxBytes})`),
            { code: GrpcCode.RESOURCE_EXHAUSTED },
          ),
        );
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

function parseJson(body: Buffer): unknown {
  const text = body.toString("utf8").trim();
  if (text === "") return {};
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw Object.assign(new Error((err as Error).message), { code: GrpcCode.INVALID_ARGUMENT });
  }
}

/** Handles a gateway request; returns false when the path is not a gateway path. */
export function createGatewayHandler(s: EtcdServer, maxRequestBytes: number) {
  return (req: IncomingMessage, res: ServerResponse): boolean => {
    let path = (req.url ?? "/").split("?")[0]!;
    if (path.startsWith("/v3beta/")) path = "/v3/" + path.slice("/v3beta/".length);
    if (!path.startsWith("/v3/")) return false;
    const r = ROUTES[path];
    const stream =
      path === "/v3/watch" ||
      path === "/v3/lease/keepalive" ||
      path === "/v3/maintenance/snapshot" ||
      path === "/v3/election/observe";
    if (!r && !stream) return false;
    if (req.method !== "POST") {
      res.writeHead(405, { "Content-Type": "text/plain; charset=utf-8" });
      res.end("Method Not Allowed\n");
      return true;
    }
    // The gateway's auth token: the Authorization header, as is (no "Bearer").
    void runWithToken(req.headers.authorization, async () => {
      let input: unknown;
      try {
        input = parseJson(await readBody(req, maxRequestBytes));
      } catch (err) {
        sendError(res, errorCode(err), (err as Error).message);
        return;
      }
      try {
        if (!r) checkGatewayStream(findAuthApi(s), path, input);
        if (r) {
          // A blocking call (lock, campaign) stops waiting once its client goes away.
          const ac = new AbortController();
          res.on("close", () => ac.abort());
          const out = await r.call(s, r.req.fromJSON(input), ac.signal);
          const body = JSON.stringify(r.res.toJSON(out));
          res.writeHead(200, { "Content-Type": "application/json" });
          res.end(body);
        } else if (path === "/v3/watch") {
          serveWatch(s, pb.WatchRequest.fromJSON(input), req, res);
        } else if (path === "/v3/election/observe") {
          serveObserve(s, input, req, res);
        } else if (path === "/v3/lease/keepalive") {
          const out = await s.leaseKeepAlive(pb.LeaseKeepAliveRequest.fromJSON(input));
          res.writeHead(200, { "Content-Type": "application/json" });
          res.end(JSON.stringify({ result: pb.LeaseKeepAliveResponse.toJSON(out) }) + "\n");
        } else {
          const db = s.kv.snapshotDatabase();
          res.writeHead(200, { "Content-Type": "application/json" });
          res.end(
            JSON.stringify({
              result: pb.SnapshotResponse.toJSON({
                header: s.header(s.kv.store.currentRevision),
                remainingBytes: 0n,
                blob: Buffer.from(db),
              }),
            }) + "\n",
          );
        }
      } catch (err) {
        if (!res.headersSent) sendError(res, errorCode(err), (err as Error).message);
        else res.end();
      }
    });
    return true;
  };
}

/** A watch over HTTP: the body's create request starts it; each response is one JSON line. */
function serveWatch(
  s: EtcdServer,
  wreq: pb.WatchRequest,
  req: IncomingMessage,
  res: ServerResponse,
): void {
  const u = wreq.requestUnion;
  res.writeHead(200, { "Content-Type": "application/json" });
  if (!u || u.$case !== "createRequest") {
    res.end();
    return;
  }
  const c = u.value;
  const line = (r: pb.WatchResponse) =>
    res.write(JSON.stringify({ result: pb.WatchResponse.toJSON(r) }) + "\n");
  const base = (): pb.WatchResponse => emptyWatchResponse(s.header(s.kv.store.currentRevision), 0);
  line({ ...base(), created: true });
  const handle = s.kv.watch(
    {
      key: c.key,
      rangeEnd: c.rangeEnd.length === 0 ? undefined : c.rangeEnd,
      startRevision: Number(c.startRevision),
      prevKv: c.prevKv,
      filters: c.filters.map((f) => f as number as 0 | 1),
    },
    (resp) => {
      if (resp.canceled) {
        line({ ...base(), canceled: true, compactRevision: BigInt(resp.compactRevision ?? 0) });
        res.end();
        return true;
      }
      return line({
        ...base(),
        header: s.header(resp.revision),
        events: resp.events.map(eventToPb),
      });
    },
  );
  res.on("drain", () => handle.resume());
  req.on("close", () => handle.cancel());
}
