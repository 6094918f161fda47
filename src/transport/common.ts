// Shared vocabulary of the peer transport: options, the logger and codec it is given, the
// HTTP header names members exchange, and the default limits.
import http2 from "node:http2";
import type { Message, NodeId } from "../raft/types.js";

export interface TransportLogger {
  info(msg: string, fields?: object): void;
  warn(msg: string, fields?: object): void;
  error(msg: string, fields?: object): void;
}

/** Raft message wire encoding (etcd raftpb-compatible protobuf in production). */
export interface MessageCodec {
  encodeMessages(msgs: Message[]): Uint8Array;
  decodeMessages(bytes: Uint8Array): Message[];
  encodeMessage(msg: Message): Uint8Array;
  decodeMessage(bytes: Uint8Array): Message;
}

/** Client TLS for https:// peer URLs (etcd's --peer-trusted-ca-file, --peer-cert-file,
 * --peer-key-file); http:// URLs ignore it. */
export interface PeerClientTls {
  ca?: string | Buffer;
  cert?: string | Buffer;
  key?: string | Buffer;
  /** False skips certificate verification (self-signed --peer-auto-tls certificates). */
  rejectUnauthorized?: boolean;
}

export interface PeerTransportOptions {
  localId: NodeId;
  clusterId: bigint;
  logger: TransportLogger;
  /** Inbound messages, in the order each peer sent them. */
  onMessages(msgs: Message[]): void;
  /** A send failed or the peer's stream is down: raft should back off (reportUnreachable). */
  onUnreachable?(id: NodeId): void;
  /** Outcome of a MsgSnap, once the receiver acknowledged it or the transfer failed. */
  onSnapshotStatus?(id: NodeId, ok: boolean): void;
  /** Receiver side: true for ids removed from the cluster, whose requests get 410 Gone. */
  isRemovedMember?(id: NodeId): boolean;
  /** Sender side: a peer answered 410 Gone, i.e. this member was removed from the cluster
   * (etcd stops such a member). */
  onRemovedFromCluster?(reportedBy: NodeId): void;
  codec?: MessageCodec;
  tls?: PeerClientTls;
  /** Messages waiting for one peer's stream; beyond this they are dropped. */
  maxQueueMessages?: number;
  /** Approximate bytes waiting for one peer's stream; beyond this messages are dropped. */
  maxQueueBytes?: number;
  /** Largest encoded message batch (one frame) sent or accepted. */
  maxBatchBytes?: number;
  /** Largest snapshot payload accepted. */
  maxSnapshotBytes?: number;
  /** Time allowed to open a peer's stream (TCP + HTTP/2 + response headers). */
  dialTimeoutMs?: number;
  /** HTTP/2 PING period on live streams; a PING unanswered for a period drops the stream. */
  pingIntervalMs?: number;
  backoffInitialMs?: number;
  backoffMaxMs?: number;
  /** A snapshot transfer with no progress for this long fails. */
  snapshotIdleTimeoutMs?: number;
}

export const DEFAULTS = {
  maxQueueMessages: 4096,
  maxQueueBytes: 64 * 1024 * 1024,
  maxBatchBytes: 8 * 1024 * 1024,
  maxSnapshotBytes: 1024 * 1024 * 1024,
  dialTimeoutMs: 1000,
  pingIntervalMs: 2000,
  backoffInitialMs: 100,
  backoffMaxMs: 5000,
  snapshotIdleTimeoutMs: 30_000,
} as const;

/** HTTP/2 flow-control window for peer streams: big enough that loopback and LAN links are
 * not throttled by the 64 KiB protocol default. */
export const PEER_WINDOW_BYTES = 4 * 1024 * 1024;

/** Largest HTTP/2 DATA frame a peer may send us: 16 KiB frames cost a full trip through
 * the HTTP/2 stack each, and halve the message rate of 256-byte MsgApps on loopback. */
export const PEER_MAX_FRAME_BYTES = 1024 * 1024;

export const HEADER_CLUSTER_ID = "x-etcd-cluster-id";
export const HEADER_FROM = "x-server-from";
export const HEADER_TO = "x-raft-to";
export const HEADER_SERVER_VERSION = "x-server-version";

export const STREAM_PATH_PREFIX = "/raft/stream/batch/";
export const SNAPSHOT_PATH = "/raft/snapshot";

/** Opens an HTTP/2 session to a peer URL: h2c with prior knowledge for http://, TLS with
 * ALPN h2 for https://. */
export function connectPeer(url: string, tls: PeerClientTls | undefined): http2.ClientHttp2Session {
  const options: http2.SecureClientSessionOptions = {
    settings: { initialWindowSize: PEER_WINDOW_BYTES },
  };
  if (url.startsWith("https:") && tls !== undefined) {
    options.ca = tls.ca;
    options.cert = tls.cert;
    options.key = tls.key;
    options.rejectUnauthorized = tls.rejectUnauthorized ?? true;
  }
  return http2.connect(url, options);
}

/** Member and cluster ids are printed in lower-case hex, as etcd's types.ID does. */
export function idToHex(id: bigint): string {
  return id.toString(16);
}

/** Parses a hex id as printed by idToHex; undefined if it is not a valid uint64. */
export function parseHexId(text: string | undefined): bigint | undefined {
  if (text === undefined || !/^[0-9a-fA-F]{1,16}$/.test(text)) return undefined;
  return BigInt("0x" + text);
}

export interface TransportStats {
  framesSent: number;
  messagesSent: number;
  bytesSent: number;
  messagesDropped: number;
  framesReceived: number;
  messagesReceived: number;
  streamsRejected: number;
  snapshotsSent: number;
  snapshotsFailed: number;
  snapshotsReceived: number;
}

export function emptyStats(): TransportStats {
  return {
    framesSent: 0,
    messagesSent: 0,
    bytesSent: 0,
    messagesDropped: 0,
    framesReceived: 0,
    messagesReceived: 0,
    streamsRejected: 0,
    snapshotsSent: 0,
    snapshotsFailed: 0,
    snapshotsReceived: 0,
  };
}
