// WAL record framing: how records are laid out in a segment, how a batch of them is sealed
// with a CRC chain, and how a segment's bytes are parsed back, telling a torn tail (an
// interrupted last write) apart from corruption.
//
// Record = 12-byte header + payload:
//   0  u32 LE  crc    crc32(bytes 4 .. end of payload), seeded with the previous record's crc
//   4  u32 LE  length of the payload
//   8  u8      type (RecordType); 9..11 zero
// Every segment opens with a Crc record whose payload (u32 LE) is the crc of the chain so far
// and which is itself seeded with that value, so a segment can be verified on its own and
// its link to the previous segment checked when both are read.

import { crc32 } from "node:zlib";
import { BinaryReader, BinaryWriter } from "@bufbuild/protobuf/wire";
import { WalCorruptError } from "./errors.js";

export enum RecordType {
  Metadata = 1,
  Entry = 2,
  State = 3,
  Crc = 4,
  Snapshot = 5,
}

export const HEADER_BYTES = 12;
/** Bound on one record's payload: a larger length field is damage, not data. */
export const MAX_RECORD_BYTES = 256 * 1024 * 1024;

export interface SnapshotMarker {
  index: number;
  term: number;
}

/** Writes a record header with a zero crc (filled in by `seal`); the payload follows. */
export function writeHeader(w: BinaryWriter, type: RecordType, payloadBytes: number): void {
  w.fixed32(0).fixed32(payloadBytes).fixed32(type);
}

export function writeRecord(w: BinaryWriter, type: RecordType, payload: Uint8Array): void {
  writeHeader(w, type, payload.length);
  w.raw(payload);
}

/** A segment-opening Crc record; its payload is filled in by `seal`. */
export function writeCrcRecord(w: BinaryWriter): void {
  writeHeader(w, RecordType.Crc, 4);
  w.fixed32(0);
}

/**
 * Fills in the crc of every record of `buf` (a whole number of records), continuing the
 * chain from `prevCrc`, and returns the chain's new tail.
 */
export function seal(buf: Uint8Array, prevCrc: number): number {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let crc = prevCrc;
  let off = 0;
  while (off < buf.length) {
    const len = view.getUint32(off + 4, true);
    const end = off + HEADER_BYTES + len;
    if (buf[off + 8] === RecordType.Crc) view.setUint32(off + HEADER_BYTES, crc, true);
    crc = crc32(buf.subarray(off + 4, end), crc);
    view.setUint32(off, crc, true);
    off = end;
  }
  if (off !== buf.length) throw new Error(`wal: seal: records overrun the batch (${off})`);
  return crc;
}

export function encodeMarker(m: SnapshotMarker): Uint8Array {
  return new BinaryWriter().uint32(0x08).uint64(m.index).uint32(0x10).uint64(m.term).finish();
}

export function decodeMarker(payload: Uint8Array): SnapshotMarker {
  const r = new BinaryReader(payload);
  let index = 0;
  let term = 0;
  while (r.pos < r.len) {
    const [field, wt] = r.tag();
    if (field === 1) index = safe(BigInt(r.uint64()));
    else if (field === 2) term = safe(BigInt(r.uint64()));
    else r.skip(wt, field);
  }
  return { index, term };
}

function safe(v: bigint): number {
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new Error(`value ${v} exceeds 2^53-1`);
  return Number(v);
}

export interface RawRecord {
  type: RecordType;
  offset: number;
  payload: Uint8Array;
}

export interface ParsedSegment {
  records: RawRecord[];
  /** Crc of the chain after the last valid record. */
  crc: number;
  /** Crc carried by the segment's opening Crc record (undefined if there is none). */
  startCrc: number | undefined;
  /** Byte offset just past the last valid record. */
  validEnd: number;
  /** Set when the segment ends in an interrupted write (only tolerated in the last one). */
  torn?: { offset: number; reason: string };
}

const ZERO_CHUNK = new Uint8Array(64 * 1024);

/** True if buf[from, to) holds only zero bytes. */
export function isZero(buf: Uint8Array, from: number, to: number): boolean {
  for (let at = from; at < to; at += ZERO_CHUNK.length) {
    const end = Math.min(to, at + ZERO_CHUNK.length);
    if (Buffer.compare(buf.subarray(at, end), ZERO_CHUNK.subarray(0, end - at)) !== 0) return false;
  }
  return true;
}

/** Offset where the trailing run of zero bytes of buf starts (buf.length if none). */
function zeroTailStart(buf: Uint8Array, from: number): number {
  let lo = buf.length;
  // Walk back in chunks while they are all zero, then byte by byte.
  while (lo - from >= ZERO_CHUNK.length && isZero(buf, lo - ZERO_CHUNK.length, lo)) {
    lo -= ZERO_CHUNK.length;
  }
  while (lo > from && buf[lo - 1] === 0) lo--;
  return lo;
}

/**
 * Disks and the page cache lose the unwritten part of an interrupted write in whole
 * sectors (or pages), so a genuinely torn record has zeros from a sector boundary on.
 */
export const SECTOR_BYTES = 512;

/**
 * Parses a segment. A damaged record is a torn tail only if it is the last thing written
 * and visibly unfinished: it runs past the end of the file, or it reaches into the trailing
 * zeros (preallocated space never written) across a sector boundary, with nothing but
 * zeros after it. Anything else is a WalCorruptError (a complete last record with a bad
 * CRC is damage, even if its own last bytes happen to be zero), as is any damage at all
 * when `last` is false.
 */
export function parseSegment(buf: Uint8Array, file: string, last: boolean): ParsedSegment {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const records: RawRecord[] = [];
  let crc = 0;
  let startCrc: number | undefined;
  let off = 0;
  const bad = (reason: string, claimedEnd: number): ParsedSegment => {
    const zerosFrom = zeroTailStart(buf, off);
    const boundary = Math.ceil(zerosFrom / SECTOR_BYTES) * SECTOR_BYTES;
    const torn = claimedEnd > buf.length || boundary < claimedEnd;
    if (!torn || !last) throw new WalCorruptError(file, off, reason);
    return { records, crc, startCrc, validEnd: off, torn: { offset: off, reason } };
  };
  while (off < buf.length) {
    if (buf.length - off < HEADER_BYTES) {
      if (isZero(buf, off, buf.length)) break;
      return bad("short record header", off + HEADER_BYTES);
    }
    const len = view.getUint32(off + 4, true);
    const type = view.getUint32(off + 8, true);
    if (len === 0 && type === 0 && view.getUint32(off, true) === 0) {
      // End of written data: the rest must be preallocated zeros.
      if (isZero(buf, off, buf.length)) break;
      throw new WalCorruptError(file, off, "zeroed record header followed by data");
    }
    const end = off + HEADER_BYTES + len;
    if (type < RecordType.Metadata || type > RecordType.Snapshot) {
      return bad(`invalid record type ${type}`, end);
    }
    if (len > MAX_RECORD_BYTES) return bad(`record length ${len} too large`, end);
    if (end > buf.length) return bad(`short record payload (${len} bytes claimed)`, end);
    const payload = buf.subarray(off + HEADER_BYTES, end);
    if (records.length === 0) {
      if (type !== RecordType.Crc || len !== 4) return bad("segment does not open with a crc", end);
      startCrc = view.getUint32(off + HEADER_BYTES, true);
      crc = startCrc;
    }
    const want = view.getUint32(off, true);
    const got = crc32(buf.subarray(off + 4, end), crc);
    if (got !== want) {
      return bad(`crc mismatch (stored ${hex(want)}, computed ${hex(got)})`, end);
    }
    crc = got;
    records.push({ type: type as RecordType, offset: off, payload });
    off = end;
  }
  return { records, crc, startCrc, validEnd: off };
}

function hex(n: number): string {
  return n.toString(16).padStart(8, "0");
}
