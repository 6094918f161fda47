// Length-prefixed framing for the peer message stream: each frame is a 4-byte big-endian
// payload length followed by the payload (one encoded batch of raft messages). The reader
// is incremental because HTTP/2 DATA chunks split frames anywhere.

export const FRAME_HEADER_BYTES = 4;

/** A frame that can never be valid: the stream carrying it must be dropped. */
export class FrameError extends Error {
  override name = "FrameError";
}

/** The 4-byte header announcing a payload of `payloadBytes`. */
export function frameHeader(payloadBytes: number): Buffer {
  if (!Number.isInteger(payloadBytes) || payloadBytes < 0 || payloadBytes > 0xffffffff) {
    throw new RangeError(`frame payload length out of range: ${payloadBytes}`);
  }
  const header = Buffer.allocUnsafe(FRAME_HEADER_BYTES);
  header.writeUInt32BE(payloadBytes, 0);
  return header;
}

/**
 * Splits a byte stream into frame payloads. A payload longer than `maxPayloadBytes` is
 * rejected as soon as its header arrives, before anything is buffered for it.
 */
export class FrameReader {
  private chunks: Buffer[] = [];
  private bufferedBytes = 0;
  private expectedBytes = -1;

  constructor(private readonly maxPayloadBytes: number) {}

  /** Feeds one chunk; returns the payloads it completed, in order. Throws FrameError. */
  push(chunk: Uint8Array): Buffer[] {
    if (chunk.length > 0) {
      this.chunks.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
      this.bufferedBytes += chunk.length;
    }
    const payloads: Buffer[] = [];
    while (true) {
      if (this.expectedBytes < 0) {
        if (this.bufferedBytes < FRAME_HEADER_BYTES) break;
        const length = this.take(FRAME_HEADER_BYTES).readUInt32BE(0);
        if (length > this.maxPayloadBytes) {
          throw new FrameError(
            `frame of ${length} bytes exceeds the limit of ${this.maxPayloadBytes}`,
          );
        }
        this.expectedBytes = length;
      }
      if (this.bufferedBytes < this.expectedBytes) break;
      payloads.push(this.take(this.expectedBytes));
      this.expectedBytes = -1;
    }
    return payloads;
  }

  /** True when the stream stopped inside a frame (a truncated frame). */
  get midFrame(): boolean {
    return this.expectedBytes >= 0 || this.bufferedBytes > 0;
  }

  private take(n: number): Buffer {
    if (n === 0) return Buffer.alloc(0);
    const first = this.chunks[0]!;
    let out: Buffer;
    if (first.length >= n) {
      out = first.subarray(0, n);
      if (first.length === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
    } else {
      out = Buffer.allocUnsafe(n);
      let filled = 0;
      while (filled < n) {
        const head = this.chunks[0]!;
        const used = Math.min(head.length, n - filled);
        head.copy(out, filled, 0, used);
        filled += used;
        if (used === head.length) this.chunks.shift();
        else this.chunks[0] = head.subarray(used);
      }
    }
    this.bufferedBytes -= n;
    return out;
  }
}
