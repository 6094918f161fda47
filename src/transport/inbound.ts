// The receiving side of the peer transport: the /raft/* endpoints. Checks that a request
// comes from a member of this cluster addressed to this member, then decodes message
// frames or a snapshot and hands them to raft. A malformed request resets its own stream
// and is logged; it never takes the process down.
import http2 from "node:http2";
import type { IncomingMessage, ServerResponse } from "node:http";
import { MessageType } from "../raft/types.js";
import type { Message, NodeId } from "../raft/types.js";
import { FrameReader } from "./frame.js";
import { SnapshotReader } from "./snapshot.js";
import {
  HEADER_CLUSTER_ID,
  HEADER_FROM,
  HEADER_TO,
  SNAPSHOT_PATH,
  STREAM_PATH_PREFIX,
  idToHex,
  parseHexId,
} from "./common.js";
import type { MessageCodec, TransportLogger, TransportStats } from "./common.js";

/** A request on the peer port, over HTTP/2 or (for tools) HTTP/1.1. */
export type PeerRequest = http2.Http2ServerRequest | IncomingMessage;
export type PeerResponse = http2.Http2ServerResponse | ServerResponse;

export interface InboundContext {
  localId: NodeId;
  clusterId: bigint;
  logger: TransportLogger;
  codec: MessageCodec;
  stats: TransportStats;
  maxBatchBytes: number;
  maxSnapshotBytes: number;
  onMessages(msgs: Message[]): void;
  isStopped(): boolean;
  isRemoved(id: NodeId): boolean;
  /** Live inbound requests, cancelled when the transport stops. */
  live: Set<() => void>;
  /** Live inbound message streams by sending peer, cancelled when that peer is removed. */
  liveFrom: Map<NodeId, Set<() => void>>;
}

/** Writes a plain-text error the way Go's http.Error does. */
export function writeTextError(res: PeerResponse, status: number, text: string): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  res.writeHead(status, {
    "content-type": "text/plain; charset=utf-8",
    "x-content-type-options": "nosniff",
  });
  res.end(text + "\n");
}

export function handleRaftRequest(ctx: InboundContext, req: PeerRequest, res: PeerResponse): void {
  const path = (req.url ?? "/").split("?")[0]!;
  if (ctx.isStopped()) {
    writeTextError(res, 503, "peer transport stopped");
    return;
  }
  if (path.startsWith(STREAM_PATH_PREFIX)) {
    const from = parseHexId(path.slice(STREAM_PATH_PREFIX.length));
    if (from === undefined) {
      writeTextError(res, 404, "invalid from");
      return;
    }
    if (admit(ctx, req, res, from)) receiveStream(ctx, req, res, from);
    return;
  }
  if (path === SNAPSHOT_PATH) {
    const from = parseHexId(headerOf(req, HEADER_FROM));
    if (from === undefined) {
      writeTextError(res, 400, "invalid from");
      return;
    }
    if (admit(ctx, req, res, from)) receiveSnapshot(ctx, req, res, from);
    return;
  }
  writeTextError(res, 404, "404 page not found");
}

function headerOf(req: PeerRequest, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Method, cluster id and recipient checks shared by every raft endpoint. */
function admit(ctx: InboundContext, req: PeerRequest, res: PeerResponse, from: NodeId): boolean {
  res.setHeader(HEADER_CLUSTER_ID, idToHex(ctx.clusterId));
  if (req.method !== "POST") {
    res.setHeader("allow", "POST");
    writeTextError(res, 405, "Method Not Allowed");
    return false;
  }
  const clusterId = headerOf(req, HEADER_CLUSTER_ID);
  if (clusterId !== idToHex(ctx.clusterId)) {
    ctx.stats.streamsRejected++;
    ctx.logger.error("request cluster ID mismatch", {
      "local-member-id": idToHex(ctx.localId),
      "local-member-cluster-id": idToHex(ctx.clusterId),
      "remote-peer-id": idToHex(from),
      "remote-peer-cluster-id": clusterId ?? "",
    });
    writeTextError(res, 412, "cluster ID mismatch");
    return false;
  }
  if (ctx.isRemoved(from)) {
    ctx.stats.streamsRejected++;
    ctx.logger.warn("rejected a request from a removed member", {
      "local-member-id": idToHex(ctx.localId),
      "remote-peer-id": idToHex(from),
    });
    writeTextError(res, 410, "removed member");
    return false;
  }
  const to = headerOf(req, HEADER_TO);
  if (to !== undefined && to !== idToHex(ctx.localId)) {
    ctx.stats.streamsRejected++;
    ctx.logger.error("request addressed to another member", {
      "local-member-id": idToHex(ctx.localId),
      "remote-peer-id": idToHex(from),
      "requested-member-id": to,
    });
    writeTextError(res, 412, "to field mismatch");
    return false;
  }
  return true;
}

/** Drops a request's transport stream abruptly (the HTTP/1.1 case: its connection). */
function reset(req: PeerRequest): void {
  if (req instanceof http2.Http2ServerRequest) {
    if (!req.stream.destroyed) req.stream.close(http2.constants.NGHTTP2_PROTOCOL_ERROR);
  } else {
    req.socket.destroy();
  }
}

function track(ctx: InboundContext, req: PeerRequest, res: PeerResponse, from?: NodeId): void {
  const cancel = (): void => {
    if (req instanceof http2.Http2ServerRequest) {
      if (!req.stream.destroyed) req.stream.close(http2.constants.NGHTTP2_CANCEL);
    } else {
      req.socket.destroy();
    }
  };
  ctx.live.add(cancel);
  let byPeer: Set<() => void> | undefined;
  if (from !== undefined) {
    byPeer = ctx.liveFrom.get(from) ?? new Set();
    ctx.liveFrom.set(from, byPeer);
    byPeer.add(cancel);
  }
  res.on("close", () => {
    ctx.live.delete(cancel);
    byPeer?.delete(cancel);
  });
  const ignore = (): void => {};
  req.on("error", ignore);
  res.on("error", ignore);
}

function receiveStream(
  ctx: InboundContext,
  req: PeerRequest,
  res: PeerResponse,
  from: NodeId,
): void {
  track(ctx, req, res, from);
  const remote = idToHex(from);
  res.writeHead(200, { "content-type": "application/octet-stream" });
  const reader = new FrameReader(ctx.maxBatchBytes);
  let broken = false;
  const drop = (reason: string, err?: unknown): void => {
    broken = true;
    ctx.stats.streamsRejected++;
    ctx.logger.warn("dropped a malformed raft stream", {
      "local-member-id": idToHex(ctx.localId),
      "remote-peer-id": remote,
      reason,
      error: err instanceof Error ? err.message : undefined,
    });
    reset(req);
  };
  req.on("data", (chunk: Buffer) => {
    if (broken) return;
    let payloads: Buffer[];
    try {
      payloads = reader.push(chunk);
    } catch (err) {
      drop("bad frame", err);
      return;
    }
    for (const payload of payloads) {
      let msgs: Message[];
      try {
        msgs = ctx.codec.decodeMessages(payload);
      } catch (err) {
        drop("undecodable message batch", err);
        return;
      }
      ctx.stats.framesReceived++;
      const mine = msgs.filter((m) => m.to === ctx.localId);
      if (mine.length !== msgs.length) {
        ctx.logger.warn("ignored raft messages addressed to another member", {
          "local-member-id": idToHex(ctx.localId),
          "remote-peer-id": remote,
          count: msgs.length - mine.length,
        });
      }
      if (mine.length === 0) continue;
      ctx.stats.messagesReceived += mine.length;
      ctx.onMessages(mine);
    }
  });
  req.on("end", () => {
    if (broken) return;
    if (reader.midFrame) drop("stream ended inside a frame");
    else res.end();
  });
}

function receiveSnapshot(
  ctx: InboundContext,
  req: PeerRequest,
  res: PeerResponse,
  from: NodeId,
): void {
  track(ctx, req, res, from);
  const remote = idToHex(from);
  const reader = new SnapshotReader(ctx.maxSnapshotBytes);
  let msg: Message | undefined;
  let broken = false;
  const fail = (status: number, text: string, err?: unknown): void => {
    broken = true;
    ctx.logger.warn("rejected a snapshot from a peer", {
      "local-member-id": idToHex(ctx.localId),
      "remote-peer-id": remote,
      reason: text,
      error: err instanceof Error ? err.message : undefined,
    });
    // Past the headers, the sender may still be streaming a huge body: cut the stream.
    if (req.readableEnded) writeTextError(res, status, text);
    else reset(req);
  };
  req.on("data", (chunk: Buffer) => {
    if (broken) return;
    try {
      reader.push(chunk);
    } catch (err) {
      fail(400, "error reading raft message", err);
      return;
    }
    if (msg === undefined && reader.message !== undefined) {
      try {
        msg = ctx.codec.decodeMessage(reader.message);
      } catch (err) {
        fail(400, "error unmarshalling raft message", err);
        return;
      }
      if (msg.type !== MessageType.Snap || msg.snapshot === undefined) {
        fail(400, "wrong raft message type");
        return;
      }
      if (msg.to !== ctx.localId) {
        fail(412, "to field mismatch");
        return;
      }
      ctx.logger.info("receiving database snapshot", {
        "local-member-id": idToHex(ctx.localId),
        "remote-snapshot-sender-id": remote,
        "incoming-snapshot-index": msg.snapshot.metadata.index,
        "incoming-snapshot-size": reader.dataBytesAnnounced,
      });
    }
  });
  req.on("end", () => {
    if (broken) return;
    if (msg === undefined || !reader.complete) {
      fail(400, "error reading raft message: truncated snapshot");
      return;
    }
    msg.snapshot!.data = reader.takeData();
    ctx.stats.snapshotsReceived++;
    ctx.logger.info("received database snapshot", {
      "local-member-id": idToHex(ctx.localId),
      "remote-snapshot-sender-id": remote,
      "incoming-snapshot-index": msg.snapshot!.metadata.index,
      "incoming-snapshot-size": msg.snapshot!.data.length,
    });
    ctx.onMessages([msg]);
    res.writeHead(204);
    res.end();
  });
}
