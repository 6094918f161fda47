// One outbound peer: a long-lived HTTP/2 session to the first reachable of the peer's URLs
// and a single streaming POST on it carrying length-prefixed message batches. Owns the
// bounded queue of messages not yet written, reconnection with exponential back-off, and
// liveness (HTTP/2 PING) of the session.
import http2 from "node:http2";
import type { Message, NodeId } from "../raft/types.js";
import { ETCD_VERSION } from "../version.js";
import { frameHeader } from "./frame.js";
import {
  HEADER_CLUSTER_ID,
  HEADER_FROM,
  HEADER_SERVER_VERSION,
  HEADER_TO,
  STREAM_PATH_PREFIX,
  connectPeer,
  idToHex,
} from "./common.js";
import type { MessageCodec, PeerClientTls, TransportLogger, TransportStats } from "./common.js";

export interface OutboundContext {
  localId: NodeId;
  clusterId: bigint;
  logger: TransportLogger;
  codec: MessageCodec;
  tls: PeerClientTls | undefined;
  stats: TransportStats;
  maxQueueMessages: number;
  maxQueueBytes: number;
  maxBatchBytes: number;
  dialTimeoutMs: number;
  pingIntervalMs: number;
  backoffInitialMs: number;
  backoffMaxMs: number;
  reportUnreachable(id: NodeId): void;
  reportRemoved(by: NodeId): void;
}

type ConnState = "connecting" | "open" | "waiting" | "stopped";

const REJECTION_BODY_MAX_BYTES = 1024;

export class OutboundPeer {
  private urls: string[];
  private urlIndex = 0;
  private session: http2.ClientHttp2Session | undefined;
  private stream: http2.ClientHttp2Stream | undefined;
  private conn: ConnState = "connecting";
  /** Optimistic until the first failure; false from a failure until the next open stream. */
  private reachable = true;
  private pending: Message[] = [];
  private pendingBytes = 0;
  private waitingDrain = false;
  private backoffMs = 0;
  private failuresThisRound = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private dialTimer: NodeJS.Timeout | undefined;
  private pingTimer: NodeJS.Timeout | undefined;
  private pingOutstanding = false;

  constructor(
    readonly id: NodeId,
    urls: string[],
    private readonly ctx: OutboundContext,
  ) {
    this.urls = checkUrls(urls);
    this.connect();
  }

  /** The URL in use (or next to try); snapshots go there too. */
  get currentUrl(): string {
    return this.urls[this.urlIndex]!;
  }

  get active(): boolean {
    return this.conn === "open";
  }

  /** Queues a message for the next flush; false (message dropped) while the peer is down
   * or its queue is full. */
  enqueue(msg: Message): boolean {
    if (!this.reachable || this.conn === "stopped") return false;
    if (this.pending.length >= this.ctx.maxQueueMessages) return false;
    const bytes = approximateSize(msg);
    if (this.pendingBytes + bytes > this.ctx.maxQueueBytes && this.pending.length > 0) return false;
    this.pending.push(msg);
    this.pendingBytes += bytes;
    return true;
  }

  /** Writes everything queued as frames, unless the stream is not open or is full. */
  flush(): void {
    if (this.conn !== "open" || this.waitingDrain || this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    this.pendingBytes = 0;
    this.writeBatch(batch);
  }

  setUrls(urls: string[]): void {
    const checked = checkUrls(urls);
    const current = this.currentUrl;
    this.urls = checked;
    const keep = checked.indexOf(current);
    if (keep >= 0) {
      this.urlIndex = keep;
      return;
    }
    this.urlIndex = 0;
    if (this.conn === "stopped") return;
    this.ctx.logger.info("peer URLs changed; reconnecting", {
      "remote-peer-id": idToHex(this.id),
      "remote-peer-urls": checked,
    });
    this.teardown();
    this.backoffMs = 0;
    this.failuresThisRound = 0;
    this.connect();
  }

  async stop(): Promise<void> {
    if (this.conn === "stopped") return;
    this.conn = "stopped";
    this.ctx.stats.messagesDropped += this.pending.length;
    this.pending = [];
    this.pendingBytes = 0;
    const session = this.session;
    const closed =
      session === undefined || session.destroyed
        ? Promise.resolve()
        : new Promise<void>((resolve) => session.once("close", () => resolve()));
    this.teardown();
    await closed;
  }

  private writeBatch(msgs: Message[]): void {
    const stream = this.stream!;
    const payload = this.ctx.codec.encodeMessages(msgs);
    if (payload.length > this.ctx.maxBatchBytes) {
      if (msgs.length === 1) {
        this.ctx.stats.messagesDropped++;
        this.ctx.logger.error("dropped a raft message larger than the frame limit", {
          "remote-peer-id": idToHex(this.id),
          "message-type": msgs[0]!.type,
          size: payload.length,
          "max-size": this.ctx.maxBatchBytes,
        });
        this.ctx.reportUnreachable(this.id);
        return;
      }
      const half = msgs.length >> 1;
      this.writeBatch(msgs.slice(0, half));
      this.writeBatch(msgs.slice(half));
      return;
    }
    stream.cork();
    stream.write(frameHeader(payload.length));
    const roomLeft = stream.write(payload);
    stream.uncork();
    const stats = this.ctx.stats;
    stats.framesSent++;
    stats.messagesSent += msgs.length;
    stats.bytesSent += payload.length + 4;
    if (!roomLeft && !this.waitingDrain) {
      this.waitingDrain = true;
      stream.once("drain", () => {
        if (this.stream !== stream) return;
        this.waitingDrain = false;
        this.flush();
      });
    }
  }

  private connect(): void {
    if (this.conn === "stopped") return;
    this.conn = "connecting";
    const url = this.currentUrl;
    const session = connectPeer(url, this.ctx.tls);
    this.session = session;
    session.on("error", (err: Error) => this.fail(session, `connection error: ${err.message}`));
    session.on("close", () => this.fail(session, "connection closed"));
    session.on("goaway", () => this.fail(session, "peer is shutting down the connection"));
    const local = idToHex(this.ctx.localId);
    const stream = session.request(
      {
        ":method": "POST",
        ":path": STREAM_PATH_PREFIX + local,
        "content-type": "application/octet-stream",
        [HEADER_CLUSTER_ID]: idToHex(this.ctx.clusterId),
        [HEADER_FROM]: local,
        [HEADER_TO]: idToHex(this.id),
        [HEADER_SERVER_VERSION]: ETCD_VERSION,
      },
      { endStream: false },
    );
    this.stream = stream;
    let status = 0;
    let body = "";
    stream.on("response", (headers) => {
      status = Number(headers[":status"]);
      if (status === 200) this.opened(session, stream);
    });
    stream.on("data", (chunk: Buffer) => {
      if (body.length < REJECTION_BODY_MAX_BYTES) body += chunk.toString("utf8");
    });
    stream.on("end", () => {
      if (status !== 0 && status !== 200) this.rejected(session, status, body.trim());
      else this.fail(session, "peer ended the stream");
    });
    stream.on("error", (err: Error) => this.fail(session, `stream error: ${err.message}`));
    stream.on("close", () => this.fail(session, "stream closed"));
    this.dialTimer = setTimeout(() => this.fail(session, "dial timeout"), this.ctx.dialTimeoutMs);
    this.dialTimer.unref();
  }

  private opened(session: http2.ClientHttp2Session, stream: http2.ClientHttp2Stream): void {
    if (this.session !== session || this.stream !== stream) return;
    clearTimeout(this.dialTimer);
    this.conn = "open";
    this.reachable = true;
    this.backoffMs = 0;
    this.failuresThisRound = 0;
    this.ctx.logger.info("peer stream established", {
      "remote-peer-id": idToHex(this.id),
      "remote-peer-url": this.currentUrl,
    });
    this.pingOutstanding = false;
    this.pingTimer = setInterval(() => this.ping(session), this.ctx.pingIntervalMs);
    this.pingTimer.unref();
    this.flush();
  }

  private ping(session: http2.ClientHttp2Session): void {
    if (this.session !== session) return;
    if (this.pingOutstanding) {
      this.fail(session, "no answer to HTTP/2 PING");
      return;
    }
    this.pingOutstanding = true;
    session.ping((err) => {
      if (err === null && this.session === session) this.pingOutstanding = false;
    });
  }

  private rejected(session: http2.ClientHttp2Session, status: number, body: string): void {
    if (this.session !== session) return;
    // A rejection is a configuration problem (wrong cluster, wrong member at that URL):
    // say so every time, not just on the first failure.
    this.ctx.logger.error("peer rejected the raft stream", {
      "remote-peer-id": idToHex(this.id),
      "remote-peer-url": this.currentUrl,
      status,
      reason: body,
    });
    this.fail(session, `peer rejected the stream with status ${status}: ${body}`);
    if (status === 410) this.ctx.reportRemoved(this.id);
  }

  private fail(session: http2.ClientHttp2Session, reason: string): void {
    if (this.session !== session || this.conn === "stopped") return;
    const wasOpen = this.conn === "open";
    const url = this.currentUrl;
    this.teardown();
    this.conn = "waiting";
    this.ctx.stats.messagesDropped += this.pending.length;
    this.pending = [];
    this.pendingBytes = 0;
    if (this.reachable) {
      this.ctx.logger.warn("peer became unreachable", {
        "remote-peer-id": idToHex(this.id),
        "remote-peer-url": url,
        reason,
      });
    }
    this.reachable = false;
    this.ctx.reportUnreachable(this.id);

    let delayMs: number;
    if (wasOpen) {
      // A stream that worked is retried on the same URL, soon.
      this.backoffMs = 0;
      this.failuresThisRound = 0;
      delayMs = this.ctx.backoffInitialMs;
    } else {
      this.urlIndex = (this.urlIndex + 1) % this.urls.length;
      this.failuresThisRound++;
      if (this.failuresThisRound < this.urls.length) {
        delayMs = 0;
      } else {
        this.failuresThisRound = 0;
        this.backoffMs =
          this.backoffMs === 0
            ? this.ctx.backoffInitialMs
            : Math.min(this.backoffMs * 2, this.ctx.backoffMaxMs);
        delayMs = this.backoffMs;
      }
    }
    this.retryTimer = setTimeout(() => this.connect(), delayMs);
    this.retryTimer.unref();
  }

  /** Drops the current session and every timer; leaves `conn` for the caller to set. */
  private teardown(): void {
    clearTimeout(this.retryTimer);
    clearTimeout(this.dialTimer);
    clearInterval(this.pingTimer);
    this.waitingDrain = false;
    const stream = this.stream;
    const session = this.session;
    this.stream = undefined;
    this.session = undefined;
    if (stream !== undefined && !stream.destroyed) stream.close(http2.constants.NGHTTP2_CANCEL);
    if (session !== undefined && !session.destroyed) session.destroy();
  }
}

/** Roughly the encoded size of a message: its payload bytes plus fixed overheads. */
function approximateSize(msg: Message): number {
  let bytes = 64 + (msg.context?.length ?? 0);
  for (const e of msg.entries) bytes += 24 + e.data.length;
  return bytes;
}

function checkUrls(urls: string[]): string[] {
  if (urls.length === 0) throw new Error("a peer needs at least one URL");
  return urls.map((u) => {
    const parsed = new URL(u);
    if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
      throw new Error(`peer URL must be http or https: ${u}`);
    }
    return parsed.origin;
  });
}
