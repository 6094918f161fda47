// Wire encoding of KV Range responses: the records of a range are written straight into one
// exactly sized buffer (no pb.KeyValue objects, no bigints, no growing writer). The bytes
// equal pb.RangeResponse.encode of the same message.
import * as pb from "../../proto/index.js";
import type * as mvcc from "../../mvcc/types.js";
import { rangeKvsSource } from "../../server/convert.js";

const TWO_64 = 2n ** 64n;

/** Bytes of a varint; n is a non-negative safe integer. */
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

/** An int64 field's value as the unsigned varint protobuf writes (negatives: 2^64 + n). */
function int64Varint(n: bigint): bigint {
  if (BigInt.asIntN(64, n) !== n) throw new Error(`int64 value ${n} out of range`);
  return n < 0n ? n + TWO_64 : n;
}

function bigVarintSize(n: bigint): number {
  let size = 1;
  while (n >= 0x80n) {
    n >>= 7n;
    size++;
  }
  return size;
}

function writeBigVarint(buf: Buffer, pos: number, n: bigint): number {
  while (n >= 0x80n) {
    buf[pos++] = Number(n & 0x7fn) | 0x80;
    n >>= 7n;
  }
  buf[pos++] = Number(n);
  return pos;
}

function checkRevision(n: number): void {
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`revision ${n} out of range`);
}

/** Size of one mvccpb.KeyValue body (fields left out when zero, as proto3 does). */
function kvSize(kv: mvcc.KeyValue, lease: bigint): number {
  checkRevision(kv.createRevision);
  checkRevision(kv.modRevision);
  checkRevision(kv.version);
  let size = 0;
  if (kv.key.length !== 0) size += 1 + varintSize(kv.key.length) + kv.key.length;
  if (kv.createRevision !== 0) size += 1 + varintSize(kv.createRevision);
  if (kv.modRevision !== 0) size += 1 + varintSize(kv.modRevision);
  if (kv.version !== 0) size += 1 + varintSize(kv.version);
  if (kv.value.length !== 0) size += 1 + varintSize(kv.value.length) + kv.value.length;
  if (lease !== 0n) size += 1 + bigVarintSize(lease);
  return size;
}

/**
 * RangeResponse { header, kvs, more, count } from the store's records: byte-identical to
 * pb.RangeResponse.encode(rangeToPb(...)).
 */
export function encodeRangeResponse(
  header: pb.ResponseHeader | undefined,
  kvs: readonly mvcc.KeyValue[],
  more: boolean,
  count: bigint,
): Buffer {
  const head = header === undefined ? undefined : pb.ResponseHeader.encode(header).finish();
  const n = kvs.length;
  const sizes = new Array<number>(n);
  const leases = new Array<bigint>(n);
  let size = head === undefined ? 0 : 1 + varintSize(head.length) + head.length;
  for (let i = 0; i < n; i++) {
    const kv = kvs[i]!;
    const lease = kv.lease === 0n ? 0n : int64Varint(kv.lease);
    const s = kvSize(kv, lease);
    sizes[i] = s;
    leases[i] = lease;
    size += 1 + varintSize(s) + s;
  }
  if (more) size += 2;
  const countVarint = count === 0n ? 0n : int64Varint(count);
  if (count !== 0n) size += 1 + bigVarintSize(countVarint);
  const buf = Buffer.allocUnsafe(size);
  let pos = 0;
  if (head !== undefined) {
    buf[pos++] = (1 << 3) | 2;
    pos = writeVarint(buf, pos, head.length);
    buf.set(head, pos);
    pos += head.length;
  }
  for (let i = 0; i < n; i++) {
    const kv = kvs[i]!;
    buf[pos++] = (2 << 3) | 2;
    pos = writeVarint(buf, pos, sizes[i]!);
    if (kv.key.length !== 0) {
      buf[pos++] = (1 << 3) | 2;
      pos = writeVarint(buf, pos, kv.key.length);
      pos += kv.key.copy(buf, pos);
    }
    if (kv.createRevision !== 0) {
      buf[pos++] = 2 << 3;
      pos = writeVarint(buf, pos, kv.createRevision);
    }
    if (kv.modRevision !== 0) {
      buf[pos++] = 3 << 3;
      pos = writeVarint(buf, pos, kv.modRevision);
    }
    if (kv.version !== 0) {
      buf[pos++] = 4 << 3;
      pos = writeVarint(buf, pos, kv.version);
    }
    if (kv.value.length !== 0) {
      buf[pos++] = (5 << 3) | 2;
      pos = writeVarint(buf, pos, kv.value.length);
      pos += kv.value.copy(buf, pos);
    }
    if (leases[i] !== 0n) {
      buf[pos++] = 6 << 3;
      pos = writeBigVarint(buf, pos, leases[i]!);
    }
  }
  if (more) {
    buf[pos++] = 3 << 3;
    buf[pos++] = 1;
  }
  if (count !== 0n) {
    buf[pos++] = 4 << 3;
    pos = writeBigVarint(buf, pos, countVarint);
  }
  if (pos !== size) throw new Error(`range response encoding: wrote ${pos} of ${size} bytes`);
  return buf;
}

/** The response serializer of KV.Range: untouched rangeToPb responses skip pb.KeyValue. */
export function serializeRangeResponse(value: pb.RangeResponse): Buffer {
  const kvs = rangeKvsSource(value);
  if (kvs === undefined) return Buffer.from(pb.RangeResponse.encode(value).finish());
  return encodeRangeResponse(value.header, kvs, value.more, value.count);
}

/** KV service definition whose Range responses are encoded by serializeRangeResponse. */
export const KVServiceWithDirectRange = {
  ...pb.KVService,
  range: { ...pb.KVService.range, responseSerialize: serializeRangeResponse },
} as const;
