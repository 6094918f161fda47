// Snapshot transfer between peers: one POST per MsgSnap on its own HTTP/2 session, so a
// large payload never queues in front of heartbeats. Body layout: u32 length of the encoded
// MsgSnap (its snapshot data left empty), that message, u64 length of the data, the data.
// The data is written as views of the caller's buffer and read into one buffer of the
// announced size: neither side holds a second copy.
import http2 from "node:http2";
import type { Message } from "../raft/types.js";
import { FrameError } from "./frame.js";
import { SNAPSHOT_PATH, connectPeer } from "./common.js";
import type { MessageCodec, PeerClientTls } from "./common.js";

const SNAPSHOT_CHUNK_BYTES = 1024 * 1024;
const MAX_SNAPSHOT_META_BYTES = 1024 * 1024;
const ERROR_BODY_MAX_BYTES = 1024;

export interface SnapshotSendArgs {
  url: string;
  msg: Message;
  codec: MessageCodec;
  tls: PeerClientTls | undefined;
  headers: http2.OutgoingHttpHeaders;
  idleTimeoutMs: number;
}

/** A snapshot transfer in progress; `done` settles once the receiver acknowledged it. */
export interface SnapshotTransfer {
  done: Promise<void>;
  abort(reason: string): void;
}

export function sendSnapshot(args: SnapshotSendArgs): SnapshotTransfer {
  const snapshot = args.msg.snapshot;
  if (snapshot === undefined) throw new Error("MsgSnap without a snapshot");
  const data = snapshot.data;
  const meta = args.codec.encodeMessage({
    ...args.msg,
    snapshot: { ...snapshot, data: new Uint8Array(0) },
  });
  const head = Buffer.allocUnsafe(4 + meta.length + 8);
  head.writeUInt32BE(meta.length, 0);
  head.set(meta, 4);
  head.writeBigUInt64BE(BigInt(data.length), 4 + meta.length);

  const session = connectPeer(args.url, args.tls);
  let settle!: (err?: Error) => void;
  const done = new Promise<void>((resolve, reject) => {
    let settled = false;
    settle = (err?: Error) => {
      if (settled) return;
      settled = true;
      if (!session.destroyed) session.destroy();
      if (err === undefined) resolve();
      else reject(err);
    };
  });
  session.on("error", (err: Error) => settle(new Error(`connection error: ${err.message}`)));
  session.on("close", () => settle(new Error("connection closed before acknowledgement")));

  const stream = session.request(
    { ...args.headers, ":method": "POST", ":path": SNAPSHOT_PATH },
    { endStream: false },
  );
  stream.setTimeout(args.idleTimeoutMs, () =>
    settle(new Error(`no progress for ${args.idleTimeoutMs} ms`)),
  );
  let status = 0;
  let body = "";
  stream.on("response", (headers) => {
    status = Number(headers[":status"]);
  });
  stream.on("data", (chunk: Buffer) => {
    if (body.length < ERROR_BODY_MAX_BYTES) body += chunk.toString("utf8");
  });
  stream.on("end", () => {
    if (status === 204 || status === 200) settle();
    else settle(new Error(`peer answered ${status}: ${body.trim()}`));
  });
  stream.on("error", (err: Error) => settle(new Error(`stream error: ${err.message}`)));
  stream.on("close", () => settle(new Error("stream closed before acknowledgement")));

  void (async () => {
    stream.write(head);
    for (let offset = 0; offset < data.length; offset += SNAPSHOT_CHUNK_BYTES) {
      if (stream.destroyed) return;
      const end = Math.min(offset + SNAPSHOT_CHUNK_BYTES, data.length);
      const view = Buffer.from(data.buffer, data.byteOffset + offset, end - offset);
      if (!stream.write(view)) await drained(stream);
    }
    if (!stream.destroyed) stream.end();
  })();

  return { done, abort: (reason) => settle(new Error(reason)) };
}

function drained(stream: http2.ClientHttp2Stream): Promise<void> {
  return new Promise((resolve) => {
    const finish = (): void => {
      stream.off("drain", finish);
      stream.off("close", finish);
      resolve();
    };
    stream.on("drain", finish);
    stream.on("close", finish);
  });
}

/**
 * Incremental parser of a snapshot request body. The data buffer is allocated once, when
 * its announced length has been checked against `maxSnapshotBytes`.
 */
export class SnapshotReader {
  private head = Buffer.alloc(0);
  private metaBytes = -1;
  private meta: Buffer | undefined;
  private data: Buffer | undefined;
  private filled = 0;

  constructor(private readonly maxSnapshotBytes: number) {}

  /** Feeds one chunk of the body. Throws FrameError on announced lengths over the limits or
   * bytes past the announced end. */
  push(chunk: Buffer): void {
    let offset = 0;
    while (offset < chunk.length) {
      if (this.data === undefined) {
        const want = this.metaBytes < 0 ? 4 : 4 + this.metaBytes + 8;
        const take = Math.min(want - this.head.length, chunk.length - offset);
        this.head = Buffer.concat([this.head, chunk.subarray(offset, offset + take)]);
        offset += take;
        if (this.head.length === want) this.headerPartDone();
      } else {
        const take = Math.min(this.data.length - this.filled, chunk.length - offset);
        if (take === 0) throw new FrameError("bytes past the end of the snapshot data");
        chunk.copy(this.data, this.filled, offset, offset + take);
        this.filled += take;
        offset += take;
      }
    }
  }

  /** The encoded MsgSnap (data left empty), once its bytes have arrived. */
  get message(): Buffer | undefined {
    return this.meta;
  }

  get dataBytesAnnounced(): number {
    return this.data?.length ?? -1;
  }

  get complete(): boolean {
    return this.data !== undefined && this.filled === this.data.length;
  }

  /** The data; only once complete. */
  takeData(): Buffer {
    if (!this.complete) throw new FrameError("snapshot data is incomplete");
    return this.data!;
  }

  private headerPartDone(): void {
    if (this.metaBytes < 0) {
      this.metaBytes = this.head.readUInt32BE(0);
      if (this.metaBytes > MAX_SNAPSHOT_META_BYTES) {
        throw new FrameError(`snapshot message of ${this.metaBytes} bytes exceeds the limit`);
      }
      return;
    }
    this.meta = this.head.subarray(4, 4 + this.metaBytes);
    const dataBytes = this.head.readBigUInt64BE(4 + this.metaBytes);
    if (dataBytes > BigInt(this.maxSnapshotBytes)) {
      throw new FrameError(
        `snapshot of ${dataBytes} bytes exceeds the limit of ${this.maxSnapshotBytes}`,
      );
    }
    this.data = Buffer.allocUnsafe(Number(dataBytes));
  }
}
