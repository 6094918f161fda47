// Wire encoding of the Watch service's event responses, built for fan-out: each mvcc event is
// encoded once (cached by object identity) and each watcher's response is spliced from the
// cached event bytes, a cached header and its watch id into one exactly sized buffer.
// The bytes equal pb.WatchResponse.encode of the same message.
import * as pb from "../../proto/index.js";
import type * as mvcc from "../../mvcc/types.js";
import { eventToPb } from "../../server/convert.js";

const eventBytes = new WeakMap<mvcc.Event, Uint8Array>();

/** An event's pb.Event encoding; computed once per event object, shared by every watcher. */
export function encodedEvent(e: mvcc.Event): Uint8Array {
  let b = eventBytes.get(e);
  if (b === undefined) {
    b = pb.Event.encode(eventToPb(e)).finish();
    eventBytes.set(e, b);
  }
  return b;
}

export function encodedHeader(h: pb.ResponseHeader): Uint8Array {
  return pb.ResponseHeader.encode(h).finish();
}

function varintSize(n: number): number {
  let size = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 128);
    size++;
  }
  return size;
}

function writeVarint(buf: Buffer, pos: number, n: number): number {
  while (n >= 0x80) {
    buf[pos++] = (n % 128) | 0x80;
    n = Math.floor(n / 128);
  }
  buf[pos++] = n;
  return pos;
}

/**
 * A WatchResponse { header, watch_id, events } from pre-encoded parts. watchId is a
 * non-negative stream-local id (a safe integer); field order and defaults match the generated
 * encoder, so the result is byte-identical to it.
 */
export function encodeEventsResponse(
  header: Uint8Array,
  watchId: number,
  events: readonly Uint8Array[],
): Buffer {
  if (!Number.isSafeInteger(watchId) || watchId < 0)
    throw new Error(`watch id ${watchId} out of range`);
  let size = 1 + varintSize(header.length) + header.length;
  if (watchId !== 0) size += 1 + varintSize(watchId);
  for (const e of events) size += 1 + varintSize(e.length) + e.length;
  const buf = Buffer.allocUnsafe(size);
  let pos = 0;
  buf[pos++] = (1 << 3) | 2;
  pos = writeVarint(buf, pos, header.length);
  buf.set(header, pos);
  pos += header.length;
  if (watchId !== 0) {
    buf[pos++] = 2 << 3;
    pos = writeVarint(buf, pos, watchId);
  }
  for (const e of events) {
    buf[pos++] = (11 << 3) | 2;
    pos = writeVarint(buf, pos, e.length);
    buf.set(e, pos);
    pos += e.length;
  }
  if (pos !== size) throw new Error(`watch response encoding: wrote ${pos} of ${size} bytes`);
  return buf;
}

/** Watch service definition whose responses may also be pre-encoded bytes (sent as they are). */
export const WatchServiceWithRawResponses = {
  ...pb.WatchService,
  watch: {
    ...pb.WatchService.watch,
    responseSerialize: (value: pb.WatchResponse | Buffer): Buffer =>
      Buffer.isBuffer(value) ? value : Buffer.from(pb.WatchResponse.encode(value).finish()),
  },
} as const;
