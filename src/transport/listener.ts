// The peer-port server: one listener speaking HTTP/2 (h2c, for member-to-member raft
// traffic) and HTTP/1.1 (for tools and joining members) that routes /raft/* to the peer
// transport and serves /version, /members, /members/promote/<id> and /raft/probing.
// Node 20's h2c server cannot fall back to HTTP/1.1, so each connection's first bytes pick
// the protocol: the HTTP/2 client preface starts with "PRI", no HTTP/1 method does.
import http from "node:http";
import http2 from "node:http2";
import net from "node:net";
import type { Socket } from "node:net";
import { CLUSTER_VERSION, ETCD_VERSION } from "../version.js";
import { HEADER_CLUSTER_ID, PEER_MAX_FRAME_BYTES, PEER_WINDOW_BYTES, idToHex } from "./common.js";
import { writeTextError } from "./inbound.js";
import type { PeerRequest, PeerResponse } from "./inbound.js";
import { membersJson } from "./members.js";
import type { PeerMember } from "./members.js";
import type { PeerTransport } from "./transport.js";

const H2_PREFACE = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "latin1");
const H2_SNIFF_BYTES = 4;

/** A failure of a peer route callback, answered with this HTTP status and text. */
export class PeerRouteError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = "PeerRouteError";
  }
}

export interface PeerRoutes {
  members(): PeerMember[];
  /** Promotes a learner; resolves to the member list after the change. Throw a
   * PeerRouteError to pick the status (404 unknown id, 412 not a learner / not ready). */
  promote?(id: bigint): Promise<PeerMember[]>;
  /** The cluster version; "not_decided" until the members agreed on one. */
  clusterVersion?(): string;
  /** Extra endpoints (e.g. /leases): return true when the request was handled. */
  other?(req: PeerRequest, res: PeerResponse): boolean;
}

/** Server TLS for https:// peer URLs (etcd's --peer-cert-file, --peer-key-file,
 * --peer-trusted-ca-file, --peer-client-cert-auth). */
export interface PeerServerTls {
  cert: string | Buffer;
  key: string | Buffer;
  ca?: string | Buffer;
  clientCertAuth?: boolean;
}

export interface PeerListenerOptions {
  host: string;
  port: number;
  tls?: PeerServerTls;
  transport: PeerTransport;
  routes: PeerRoutes;
  logger?: { warn(msg: string, fields?: object): void };
}

export interface PeerListener {
  readonly server: net.Server;
  /** The bound port (useful when listening on port 0). */
  readonly port: number;
  close(): Promise<void>;
}

export async function startPeerListener(opts: PeerListenerOptions): Promise<PeerListener> {
  const raft = opts.transport.handler();
  const clusterIdHex = idToHex(opts.transport.clusterId);
  const sockets = new Set<Socket>();
  const trackSocket = (socket: Socket): void => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => {});
  };
  const onSession = (session: http2.ServerHttp2Session): void => {
    session.on("error", () => {});
    // The connection-level window is separate from the per-stream setting.
    session.setLocalWindowSize(PEER_WINDOW_BYTES);
  };
  const settings = { initialWindowSize: PEER_WINDOW_BYTES, maxFrameSize: PEER_MAX_FRAME_BYTES };

  let server: net.Server;
  const handlers: Array<http.Server | http2.Http2Server | http2.Http2SecureServer> = [];
  if (opts.tls !== undefined) {
    // Over TLS, ALPN picks h2 or HTTP/1.1.
    const tlsServer = http2.createSecureServer({
      allowHTTP1: true,
      settings,
      cert: opts.tls.cert,
      key: opts.tls.key,
      ca: opts.tls.ca,
      requestCert: opts.tls.clientCertAuth === true,
      rejectUnauthorized: opts.tls.clientCertAuth === true,
    });
    tlsServer.on("connection", trackSocket);
    tlsServer.on("session", onSession);
    tlsServer.on("sessionError", () => {});
    tlsServer.on("tlsClientError", () => {});
    handlers.push(tlsServer);
    server = tlsServer;
  } else {
    const h2 = http2.createServer({ settings });
    h2.on("session", onSession);
    h2.on("sessionError", () => {});
    const h1 = http.createServer();
    h1.on("clientError", (_err: Error, socket: Socket) => socket.destroy());
    handlers.push(h2, h1);
    server = net.createServer((socket) => {
      trackSocket(socket);
      let head = Buffer.alloc(0);
      const sniff = (chunk: Buffer): void => {
        head = Buffer.concat([head, chunk]);
        const n = Math.min(head.length, H2_PREFACE.length);
        const isH2 = head.subarray(0, n).equals(H2_PREFACE.subarray(0, n));
        if (isH2 && n < H2_SNIFF_BYTES) return; // "P" could still be POST or PUT
        socket.off("data", sniff);
        socket.pause();
        socket.unshift(head);
        // The HTTP/2 session reads the unshifted bytes itself (and then the handle);
        // the HTTP/1.1 parser needs the socket flowing again.
        if (isH2) {
          h2.emit("connection", socket);
        } else {
          h1.emit("connection", socket);
          socket.resume();
        }
      };
      socket.on("data", sniff);
    });
  }

  const route = (req: PeerRequest, res: PeerResponse): void => {
    const path = (req.url ?? "/").split("?")[0]!;
    if (path === "/raft/probing") {
      res.writeHead(200, { "content-type": "text/plain; charset=utf-8" });
      res.end(`{"OK":true,"Now":"${rfc3339Nano(new Date())}"}\n`);
    } else if (path === "/raft" || path.startsWith("/raft/")) {
      raft(req, res);
    } else if (path === "/members") {
      if (!allow(req, res, "GET")) return;
      res.writeHead(200, {
        "content-type": "application/json",
        [HEADER_CLUSTER_ID]: clusterIdHex,
      });
      res.end(membersJson(opts.routes.members()) + "\n");
    } else if (path.startsWith("/members/promote/")) {
      if (!allow(req, res, "POST")) return;
      res.setHeader(HEADER_CLUSTER_ID, clusterIdHex);
      void promote(opts, path.slice("/members/promote/".length), res);
    } else if (path === "/version") {
      if (!allow(req, res, "GET")) return;
      const clusterVersion = opts.routes.clusterVersion?.() ?? CLUSTER_VERSION;
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ etcdserver: ETCD_VERSION, etcdcluster: clusterVersion }));
    } else if (opts.routes.other?.(req, res) !== true) {
      writeTextError(res, 404, "404 page not found");
    }
  };
  const onRequest = (req: PeerRequest, res: PeerResponse): void => {
    try {
      route(req, res);
    } catch (err) {
      opts.logger?.warn("peer request failed", {
        path: req.url,
        error: err instanceof Error ? err.message : String(err),
      });
      writeTextError(res, 500, "internal error");
    }
  };
  for (const handler of handlers) handler.on("request", onRequest);

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, opts.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("peer listener has no port");
  return {
    server,
    port: address.port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
}

function allow(req: PeerRequest, res: PeerResponse, method: string): boolean {
  if (req.method === method) return true;
  res.setHeader("allow", method);
  writeTextError(res, 405, "Method Not Allowed");
  return false;
}

async function promote(
  opts: PeerListenerOptions,
  idText: string,
  res: PeerResponse,
): Promise<void> {
  if (!/^\d{1,20}$/.test(idText) || BigInt(idText) >= 1n << 64n) {
    writeTextError(res, 404, `member ${idText} not found in cluster`);
    return;
  }
  if (opts.routes.promote === undefined) {
    writeTextError(res, 500, "member promotion is not supported");
    return;
  }
  try {
    const members = await opts.routes.promote(BigInt(idText));
    res.writeHead(200, { "content-type": "application/json" });
    res.end(membersJson(members) + "\n");
  } catch (err) {
    const status = err instanceof PeerRouteError ? err.status : 500;
    const text = err instanceof Error ? err.message : String(err);
    opts.logger?.warn("failed to promote a member", { "member-id": idText, error: text });
    writeTextError(res, status, text);
  }
}

/** Go's time.RFC3339Nano for a UTC instant: fraction without trailing zeros. */
export function rfc3339Nano(date: Date): string {
  const iso = date.toISOString(); // 2006-01-02T15:04:05.000Z
  const fraction = iso.slice(20, 23).replace(/0+$/, "");
  return iso.slice(0, 19) + (fraction === "" ? "" : "." + fraction) + "Z";
}
