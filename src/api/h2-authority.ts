// Accepts HTTP/2 requests whose :authority is a URL ("http://127.0.0.1:2379"), as etcdctl's
// --cluster commands send it when they dial member client URLs. Go's server takes such a
// value; nghttp2 (Node's HTTP/2) resets the stream. We rewrite the value in the request
// headers before nghttp2 sees them, to a valid one of the same decoded length
// ("http___127.0.0.1:2379"), so the HPACK dynamic tables of client and server stay in step.
// Only connections whose first request needs it pay for the frame scanning.
import { Duplex } from "node:stream";
import type { Socket } from "node:net";
import hpack from "hpack.js";

const PREFACE_BYTES = 24;
const FRAME_HEADER_BYTES = 9;
const TYPE_HEADERS = 0x1;
const FLAG_END_HEADERS = 0x4;
const FLAG_PADDED = 0x8;
const FLAG_PRIORITY = 0x20;
/** HPACK static table index of ":authority". */
const AUTHORITY_INDEX = 1;
const SCHEME_PREFIX = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//;

function readInt(b: Buffer, at: number, prefixBits: number): { value: number; next: number } {
  const max = (1 << prefixBits) - 1;
  let value = b[at]! & max;
  let i = at + 1;
  if (value < max) return { value, next: i };
  let shift = 0;
  for (;;) {
    if (i >= b.length) throw new Error("truncated HPACK integer");
    const byte = b[i++]!;
    value += (byte & 0x7f) * 2 ** shift;
    shift += 7;
    if ((byte & 0x80) === 0) return { value, next: i };
    if (shift > 28) throw new Error("HPACK integer too large");
  }
}

function writeInt(value: number, prefixBits: number, firstByteFlags: number): Buffer {
  const max = (1 << prefixBits) - 1;
  if (value < max) return Buffer.from([firstByteFlags | value]);
  const out = [firstByteFlags | max];
  let rest = value - max;
  while (rest >= 0x80) {
    out.push((rest % 0x80) | 0x80);
    rest = Math.floor(rest / 0x80);
  }
  out.push(rest);
  return Buffer.from(out);
}

/** A string literal at `at`: its decoded bytes and where the next representation starts. */
function readString(b: Buffer, at: number): { bytes: Buffer; next: number } {
  const huffman = (b[at]! & 0x80) !== 0;
  const { value: len, next } = readInt(b, at, 7);
  if (next + len > b.length) throw new Error("truncated HPACK string");
  const raw = b.subarray(next, next + len);
  if (!huffman) return { bytes: raw, next: next + len };
  const d = hpack.decoder.create();
  d.push(b.subarray(at, next + len));
  return { bytes: Buffer.from(d.decodeStr()), next: next + len };
}

/** The authority with its URL scheme made valid, same length; undefined if it is fine. */
export function fixAuthority(value: string): string | undefined {
  const m = SCHEME_PREFIX.exec(value);
  if (!m) return undefined;
  return (
    value.slice(0, m[0].length - 3) +
    "___" +
    value.slice(m[0].length).replace(/\/+$/, (s) => "_".repeat(s.length))
  );
}

/**
 * Rewrites :authority literals in one HPACK header block; returns the block unchanged (same
 * object) when nothing needed fixing.
 */
export function rewriteHeaderBlock(block: Buffer): {
  block: Buffer;
  sawAuthority: boolean;
  fixed: boolean;
} {
  const parts: Buffer[] = [];
  let copiedUpTo = 0;
  let sawAuthority = false;
  let fixed = false;
  let i = 0;
  while (i < block.length) {
    const b = block[i]!;
    if (b & 0x80) {
      i = readInt(block, i, 7).next; // indexed field: cannot carry a new value
      continue;
    }
    if ((b & 0xe0) === 0x20) {
      i = readInt(block, i, 5).next; // dynamic table size update
      continue;
    }
    const prefixBits = (b & 0xc0) === 0x40 ? 6 : 4;
    const name = readInt(block, i, prefixBits);
    let at = name.next;
    let isAuthority = name.value === AUTHORITY_INDEX;
    if (name.value === 0) {
      const literalName = readString(block, at);
      isAuthority = literalName.bytes.toString("latin1") === ":authority";
      at = literalName.next;
    }
    const value = readString(block, at);
    if (isAuthority) {
      sawAuthority = true;
      const replacement = fixAuthority(value.bytes.toString("latin1"));
      if (replacement !== undefined) {
        parts.push(
          block.subarray(copiedUpTo, at),
          writeInt(replacement.length, 7, 0),
          Buffer.from(replacement, "latin1"),
        );
        copiedUpTo = value.next;
        fixed = true;
      }
    }
    i = value.next;
  }
  if (!fixed) return { block, sawAuthority, fixed };
  parts.push(block.subarray(copiedUpTo));
  return { block: Buffer.concat(parts), sawAuthority, fixed };
}

/** Rewrites one complete HEADERS frame (header + payload) if its block needs it. */
function rewriteHeadersFrame(frame: Buffer): {
  frame: Buffer;
  sawAuthority: boolean;
  fixed: boolean;
} {
  const flags = frame[4]!;
  if ((flags & FLAG_END_HEADERS) === 0) return { frame, sawAuthority: false, fixed: false };
  const payload = frame.subarray(FRAME_HEADER_BYTES);
  let start = 0;
  let padBytes = 0;
  if (flags & FLAG_PADDED) {
    padBytes = payload[0]!;
    start = 1;
  }
  if (flags & FLAG_PRIORITY) start += 5;
  const end = payload.length - padBytes;
  if (end < start) return { frame, sawAuthority: false, fixed: false };
  const r = rewriteHeaderBlock(payload.subarray(start, end));
  if (!r.fixed) return { frame, sawAuthority: r.sawAuthority, fixed: false };
  const newPayload = Buffer.concat([payload.subarray(0, start), r.block, payload.subarray(end)]);
  const header = Buffer.from(frame.subarray(0, FRAME_HEADER_BYTES));
  header.writeUIntBE(newPayload.length, 0, 3);
  return { frame: Buffer.concat([header, newPayload]), sawAuthority: true, fixed: true };
}

const TYPE_SETTINGS = 0x4;
const FLAG_ACK = 0x1;

/** An empty SETTINGS frame: "defaults", which a client acknowledges. */
export const EMPTY_SETTINGS_FRAME = Buffer.from([0, 0, 0, TYPE_SETTINGS, 0, 0, 0, 0, 0]);

export type FirstRequestScan =
  | { decision: "wait" }
  /** `head` has the client's ACK of our own SETTINGS removed (nghttp2 never sent them). */
  | { decision: "plain" | "rewrite"; head: Buffer };

/**
 * Looks at the bytes of a new HTTP/2 connection (preface included) for its first request.
 * `sentSettings`: we sent EMPTY_SETTINGS_FRAME to a client that waits for the server's
 * SETTINGS before its first request (grpc-go does); its ACK must not reach nghttp2.
 */
export function scanFirstRequest(head: Buffer, sentSettings: boolean): FirstRequestScan {
  let at = PREFACE_BYTES;
  let ackAt = -1;
  let rewrite: boolean | undefined;
  while (at + FRAME_HEADER_BYTES <= head.length) {
    const len = head.readUIntBE(at, 3);
    const end = at + FRAME_HEADER_BYTES + len;
    if (end > head.length) break;
    const type = head[at + 3];
    if (sentSettings && ackAt < 0 && type === TYPE_SETTINGS && (head[at + 4]! & FLAG_ACK) !== 0)
      ackAt = at;
    if (type === TYPE_HEADERS && rewrite === undefined) {
      try {
        rewrite = rewriteHeadersFrame(head.subarray(at, end)).fixed;
      } catch {
        rewrite = false; // malformed: let nghttp2 reject it
      }
    }
    at = end;
  }
  if (rewrite === undefined || (sentSettings && ackAt < 0)) return { decision: "wait" };
  const cleaned =
    ackAt < 0
      ? head
      : Buffer.concat([head.subarray(0, ackAt), head.subarray(ackAt + FRAME_HEADER_BYTES)]);
  return { decision: rewrite ? "rewrite" : "plain", head: cleaned };
}

/**
 * The socket as the HTTP/2 server should see it: inbound HEADERS frames with a URL authority
 * rewritten, everything else passed through; outbound bytes go straight to the socket.
 */
export class AuthorityRewritingStream extends Duplex {
  private pending: Buffer;
  private prefaceLeft = PREFACE_BYTES;

  constructor(
    private readonly socket: Socket,
    head: Buffer,
  ) {
    super();
    this.pending = Buffer.alloc(0);
    socket.on("data", (chunk: Buffer) => this.ingest(chunk));
    socket.on("end", () => this.push(null));
    socket.on("error", (err) => this.destroy(err));
    socket.on("close", () => this.destroy());
    this.ingest(head);
  }

  get remoteAddress(): string | undefined {
    return this.socket.remoteAddress;
  }

  get remotePort(): number | undefined {
    return this.socket.remotePort;
  }

  private ingest(chunk: Buffer): void {
    let data = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const out: Buffer[] = [];
    if (this.prefaceLeft > 0) {
      const n = Math.min(this.prefaceLeft, data.length);
      out.push(data.subarray(0, n));
      this.prefaceLeft -= n;
      data = data.subarray(n);
    }
    let at = 0;
    while (at + FRAME_HEADER_BYTES <= data.length) {
      const len = data.readUIntBE(at, 3);
      const end = at + FRAME_HEADER_BYTES + len;
      if (end > data.length) break;
      const frame = data.subarray(at, end);
      if (frame[3] === TYPE_HEADERS) {
        try {
          out.push(rewriteHeadersFrame(frame).frame);
        } catch {
          out.push(frame);
        }
      } else {
        out.push(frame);
      }
      at = end;
    }
    this.pending = data.subarray(at);
    if (out.length > 0 && !this.push(out.length === 1 ? out[0] : Buffer.concat(out)))
      this.socket.pause();
  }

  override _read(): void {
    this.socket.resume();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.socket.write(chunk, cb);
  }

  override _final(cb: (err?: Error | null) => void): void {
    this.socket.end(cb);
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    this.socket.destroy(err ?? undefined);
    cb(err);
  }
}
