// Binary encoding of the raft data model (Entry, HardState, ConfState, ConfChange,
// Snapshot, Message) in the protobuf wire format of etcd's raftpb, field for field, so the
// WAL, snapshot files and the peer transport share one codec. Zero-valued scalar fields are
// written as etcd's generated marshalers write them (always), so bytes match etcd's.
//
// Decoded `data`/`context` byte fields are views into the input buffer (no copy): callers
// that keep them while reusing the buffer must copy.

import { BinaryReader, BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import { EntryType, MessageType } from "./types.js";
import type {
  ConfChange,
  ConfChangeType,
  ConfState,
  Entry,
  HardState,
  Message,
  NodeId,
  Snapshot,
  SnapshotMetadata,
} from "./types.js";

/** Malformed or out-of-range input to a decoder. */
export class CodecError extends Error {
  constructor(message: string) {
    super(`raft codec: ${message}`);
    this.name = "CodecError";
  }
}

const EMPTY: Uint8Array = new Uint8Array(0);
const MAX_SAFE_BIG = BigInt(Number.MAX_SAFE_INTEGER);
const UINT32_MAX = 0xffffffff;

// Precomputed tags: (field << 3) | wire type.
const T1_VARINT = 0x08;
const T2_VARINT = 0x10;
const T3_VARINT = 0x18;
const T4_VARINT = 0x20;
const T5_VARINT = 0x28;
const T6_VARINT = 0x30;
const T8_VARINT = 0x40;
const T10_VARINT = 0x50;
const T11_VARINT = 0x58;
const T1_LEN = 0x0a;
const T2_LEN = 0x12;
const T4_LEN = 0x22;
const T7_LEN = 0x3a;
const T9_LEN = 0x4a;
const T12_LEN = 0x62;

// ---------------------------------------------------------------------------------------
// Output. A writer that splices large byte fields in by reference and copies every piece
// once into an exactly sized result, instead of copying them into a buffer that doubles
// as it grows (which costs several copies and zero-fills of a 20 KB MsgApp). Not for
// callers that keep the writer across turns: the spliced arrays are read at finish().

const SPLICE_MIN_BYTES = 128;

class SplicingWriter extends BinaryWriter {
  private chunks: Uint8Array[] = [];
  private splicedBytes = 0;

  override bytes(value: Uint8Array): this {
    this.uint32(value.length);
    if (value.length < SPLICE_MIN_BYTES) return this.raw(value);
    const head = super.finish();
    this.chunks.push(head, value);
    this.splicedBytes += head.length + value.length;
    return this;
  }

  override finish(): Uint8Array<ArrayBuffer> {
    const tail = super.finish();
    if (this.chunks.length === 0) return tail;
    // Every byte is overwritten below: skip the zero-fill. Unpooled, so the result owns its
    // whole ArrayBuffer; a plain Uint8Array view, so decoders of it hand out plain views.
    const raw = Buffer.allocUnsafeSlow(this.splicedBytes + tail.length);
    const out = new Uint8Array(raw.buffer as ArrayBuffer, raw.byteOffset, raw.length);
    let at = 0;
    for (const c of this.chunks) {
      const n = c.length;
      if (n < 32) for (let i = 0; i < n; i++) out[at + i] = c[i]!;
      else out.set(c, at);
      at += n;
    }
    out.set(tail, at);
    this.chunks = [];
    this.splicedBytes = 0;
    return out;
  }
}

// ---------------------------------------------------------------------------------------
// Wire helpers. Terms and indexes are JS numbers: the 32-bit varint path is the fast one,
// larger values go through the library's 64-bit path.

function writeNum(w: BinaryWriter, v: number): void {
  if (v <= UINT32_MAX) w.uint32(v);
  else {
    if (!Number.isSafeInteger(v)) throw new CodecError(`not a safe integer: ${v}`);
    w.uint64(v);
  }
}

function readNum(r: BinaryReader): number {
  const start = r.pos;
  const v = r.uint32();
  // Four bytes or fewer hold at most 28 bits: the common case is exact already.
  if (r.pos - start < 5) return v;
  r.pos = start;
  const big = BigInt(r.uint64());
  if (big > MAX_SAFE_BIG) throw new CodecError(`uint64 ${big} exceeds 2^53-1 at byte ${start}`);
  return Number(big);
}

function readId(r: BinaryReader): bigint {
  return BigInt(r.uint64());
}

/** Bytes a varint of the non-negative integer `v` takes (v may exceed 2^32). */
function varintSize(v: number): number {
  if (v < 0x80) return 1;
  if (v < 0x4000) return 2;
  if (v < 0x200000) return 3;
  if (v < 0x10000000) return 4;
  if (v < 0x800000000) return 5;
  if (v < 0x40000000000) return 6;
  if (v < 0x2000000000000) return 7;
  return 8; // safe integers stop below 2^53 < 2^56
}

function idSize(v: bigint): number {
  if (v < 0x10000000n) return varintSize(Number(v));
  let n = 5;
  for (let x = v >> 35n; x > 0n; x >>= 7n) n++;
  return n;
}

function entryType(v: number, at: number): EntryType {
  if (v !== EntryType.Normal && v !== EntryType.ConfChange) {
    throw new CodecError(`unknown entry type ${v} at byte ${at}`);
  }
  return v;
}

function messageType(v: number, at: number): MessageType {
  if (v > MessageType.PreVoteResp) throw new CodecError(`unknown message type ${v} at byte ${at}`);
  return v as MessageType;
}

function skip(r: BinaryReader, wireType: WireType, field: number): void {
  if (field === 0) throw new CodecError(`illegal field number 0 before byte ${r.pos}`);
  r.skip(wireType, field);
}

function endOf(r: BinaryReader): number {
  const len = r.uint32();
  const end = r.pos + len;
  if (end > r.len) throw new CodecError(`length ${len} at byte ${r.pos} runs past the end`);
  return end;
}

function checkEnd(r: BinaryReader, end: number, what: string): void {
  if (r.pos !== end) throw new CodecError(`${what} overruns its length (at ${r.pos}, end ${end})`);
}

// ---------------------------------------------------------------------------------------
// Entry: 1 Type, 2 Term, 3 Index, 4 Data

function entrySize(e: Entry): number {
  const n = e.data.length;
  return (
    3 +
    varintSize(e.type) +
    varintSize(e.term) +
    varintSize(e.index) +
    (n > 0 ? 1 + varintSize(n) + n : 0)
  );
}

/** Writes the fields of `e` (no length prefix) into `w`. */
export function writeEntry(w: BinaryWriter, e: Entry): void {
  w.uint32(T1_VARINT).uint32(e.type);
  w.uint32(T2_VARINT);
  writeNum(w, e.term);
  w.uint32(T3_VARINT);
  writeNum(w, e.index);
  if (e.data.length > 0) w.uint32(T4_LEN).bytes(e.data);
}

function readEntry(r: BinaryReader, end: number): Entry {
  let type = EntryType.Normal;
  let term = 0;
  let index = 0;
  let data: Uint8Array = EMPTY;
  while (r.pos < end) {
    const at = r.pos;
    const tag = r.uint32();
    const field = tag >>> 3;
    const wt: WireType = tag & 7;
    if (field === 1 && wt === WireType.Varint) type = entryType(r.uint32(), at);
    else if (field === 2 && wt === WireType.Varint) term = readNum(r);
    else if (field === 3 && wt === WireType.Varint) index = readNum(r);
    else if (field === 4 && wt === WireType.LengthDelimited) data = r.bytes();
    else skip(r, wt, field);
  }
  checkEnd(r, end, "entry");
  return { term, index, type, data };
}

export function encodeEntry(e: Entry): Uint8Array {
  const w = new SplicingWriter();
  writeEntry(w, e);
  return w.finish();
}

export function decodeEntry(bytes: Uint8Array): Entry {
  const r = new BinaryReader(bytes);
  return guard(() => readEntry(r, r.len));
}

// ---------------------------------------------------------------------------------------
// HardState: 1 term, 2 vote, 3 commit

export function encodeHardState(hs: HardState): Uint8Array {
  const w = new BinaryWriter();
  w.uint32(T1_VARINT);
  writeNum(w, hs.term);
  w.uint32(T2_VARINT).uint64(hs.vote);
  w.uint32(T3_VARINT);
  writeNum(w, hs.commit);
  return w.finish();
}

export function decodeHardState(bytes: Uint8Array): HardState {
  const r = new BinaryReader(bytes);
  return guard(() => {
    let term = 0;
    let vote = 0n;
    let commit = 0;
    while (r.pos < r.len) {
      const tag = r.uint32();
      const field = tag >>> 3;
      const wt: WireType = tag & 7;
      if (field === 1 && wt === WireType.Varint) term = readNum(r);
      else if (field === 2 && wt === WireType.Varint) vote = readId(r);
      else if (field === 3 && wt === WireType.Varint) commit = readNum(r);
      else skip(r, wt, field);
    }
    return { term, vote, commit };
  });
}

// ---------------------------------------------------------------------------------------
// ConfState: 1 voters (repeated, unpacked as etcd writes them; packed also read),
// 2 learners, 3 voters_outgoing, 4 learners_next (joint consensus: not used here),
// 5 auto_leave (always written false)

function writeConfState(w: BinaryWriter, cs: ConfState): void {
  for (const id of cs.voters) w.uint32(T1_VARINT).uint64(id);
  for (const id of cs.learners) w.uint32(T2_VARINT).uint64(id);
  w.uint32(T5_VARINT).bool(false);
}

function confStateSize(cs: ConfState): number {
  let n = 2;
  for (const id of cs.voters) n += 1 + idSize(id);
  for (const id of cs.learners) n += 1 + idSize(id);
  return n;
}

function readIds(r: BinaryReader, wt: WireType, into: NodeId[]): void {
  if (wt === WireType.Varint) {
    into.push(readId(r));
    return;
  }
  const end = endOf(r);
  while (r.pos < end) into.push(readId(r));
  checkEnd(r, end, "packed ids");
}

function readConfState(r: BinaryReader, end: number): ConfState {
  const voters: NodeId[] = [];
  const learners: NodeId[] = [];
  while (r.pos < end) {
    const tag = r.uint32();
    const field = tag >>> 3;
    const wt: WireType = tag & 7;
    const idWire = wt === WireType.Varint || wt === WireType.LengthDelimited;
    if (field === 1 && idWire) readIds(r, wt, voters);
    else if (field === 2 && idWire) readIds(r, wt, learners);
    else skip(r, wt, field);
  }
  checkEnd(r, end, "conf state");
  return { voters, learners };
}

export function encodeConfState(cs: ConfState): Uint8Array {
  const w = new BinaryWriter();
  writeConfState(w, cs);
  return w.finish();
}

export function decodeConfState(bytes: Uint8Array): ConfState {
  const r = new BinaryReader(bytes);
  return guard(() => readConfState(r, r.len));
}

// ---------------------------------------------------------------------------------------
// ConfChange: 1 ID, 2 Type, 3 NodeID, 4 Context

export function encodeConfChange(cc: ConfChange): Uint8Array {
  const w = new BinaryWriter();
  w.uint32(T1_VARINT).uint64(cc.id);
  w.uint32(T2_VARINT).uint32(cc.type);
  w.uint32(T3_VARINT).uint64(cc.nodeId);
  if (cc.context.length > 0) w.uint32(T4_LEN).bytes(cc.context);
  return w.finish();
}

export function decodeConfChange(bytes: Uint8Array): ConfChange {
  const r = new BinaryReader(bytes);
  return guard(() => {
    let id = 0n;
    let type = 0;
    let nodeId = 0n;
    let context: Uint8Array = EMPTY;
    while (r.pos < r.len) {
      const at = r.pos;
      const tag = r.uint32();
      const field = tag >>> 3;
      const wt: WireType = tag & 7;
      if (field === 1 && wt === WireType.Varint) id = readId(r);
      else if (field === 2 && wt === WireType.Varint) {
        type = r.uint32();
        if (type > 3) throw new CodecError(`unknown conf change type ${type} at byte ${at}`);
      } else if (field === 3 && wt === WireType.Varint) nodeId = readId(r);
      else if (field === 4 && wt === WireType.LengthDelimited) context = r.bytes();
      else skip(r, wt, field);
    }
    return { id, type: type as ConfChangeType, nodeId, context };
  });
}

// ---------------------------------------------------------------------------------------
// SnapshotMetadata: 1 conf_state, 2 index, 3 term. Snapshot: 1 data, 2 metadata.

function writeMetadata(w: BinaryWriter, m: SnapshotMetadata): void {
  w.uint32(T1_LEN).uint32(confStateSize(m.confState));
  writeConfState(w, m.confState);
  w.uint32(T2_VARINT);
  writeNum(w, m.index);
  w.uint32(T3_VARINT);
  writeNum(w, m.term);
}

function metadataSize(m: SnapshotMetadata): number {
  const cs = confStateSize(m.confState);
  return 3 + varintSize(cs) + cs + varintSize(m.index) + varintSize(m.term);
}

function readMetadata(r: BinaryReader, end: number): SnapshotMetadata {
  let confState: ConfState = { voters: [], learners: [] };
  let index = 0;
  let term = 0;
  while (r.pos < end) {
    const tag = r.uint32();
    const field = tag >>> 3;
    const wt: WireType = tag & 7;
    if (field === 1 && wt === WireType.LengthDelimited) confState = readConfState(r, endOf(r));
    else if (field === 2 && wt === WireType.Varint) index = readNum(r);
    else if (field === 3 && wt === WireType.Varint) term = readNum(r);
    else skip(r, wt, field);
  }
  checkEnd(r, end, "snapshot metadata");
  return { confState, index, term };
}

function snapshotSize(s: Snapshot): number {
  const n = s.data.length;
  const m = metadataSize(s.metadata);
  return (n > 0 ? 1 + varintSize(n) + n : 0) + 1 + varintSize(m) + m;
}

function writeSnapshot(w: BinaryWriter, s: Snapshot): void {
  if (s.data.length > 0) w.uint32(T1_LEN).bytes(s.data);
  w.uint32(T2_LEN).uint32(metadataSize(s.metadata));
  writeMetadata(w, s.metadata);
}

function readSnapshot(r: BinaryReader, end: number): Snapshot {
  let data: Uint8Array = EMPTY;
  let metadata: SnapshotMetadata = { confState: { voters: [], learners: [] }, index: 0, term: 0 };
  while (r.pos < end) {
    const tag = r.uint32();
    const field = tag >>> 3;
    const wt: WireType = tag & 7;
    if (field === 1 && wt === WireType.LengthDelimited) data = r.bytes();
    else if (field === 2 && wt === WireType.LengthDelimited) metadata = readMetadata(r, endOf(r));
    else skip(r, wt, field);
  }
  checkEnd(r, end, "snapshot");
  return { data, metadata };
}

export function encodeSnapshot(s: Snapshot): Uint8Array {
  const w = new SplicingWriter();
  writeSnapshot(w, s);
  return w.finish();
}

/**
 * The protobuf bytes of a Snapshot split around its data, so a large payload can be written
 * (e.g. with writev) without copying it: `prefix + s.data + suffix` is `encodeSnapshot(s)`.
 */
export function encodeSnapshotFraming(s: Snapshot): { prefix: Uint8Array; suffix: Uint8Array } {
  const n = s.data.length;
  const pre = new BinaryWriter();
  if (n > 0) pre.uint32(T1_LEN).uint32(n);
  const suf = new BinaryWriter();
  suf.uint32(T2_LEN).uint32(metadataSize(s.metadata));
  writeMetadata(suf, s.metadata);
  return { prefix: pre.finish(), suffix: suf.finish() };
}

export function decodeSnapshot(bytes: Uint8Array): Snapshot {
  const r = new BinaryReader(bytes);
  return guard(() => readSnapshot(r, r.len));
}

// ---------------------------------------------------------------------------------------
// Message: 1 type, 2 to, 3 from, 4 term, 5 logTerm, 6 index, 7 entries, 8 commit,
// 9 snapshot (written only when set: an absent snapshot decodes as undefined, and so does
// etcd's always-present empty one), 10 reject, 11 rejectHint, 12 context

function messageSize(m: Message): number {
  let n =
    1 +
    varintSize(m.type) +
    1 +
    idSize(m.to) +
    1 +
    idSize(m.from) +
    1 +
    varintSize(m.term) +
    1 +
    varintSize(m.logTerm) +
    1 +
    varintSize(m.index) +
    1 +
    varintSize(m.commit) +
    2 +
    1 +
    varintSize(m.rejectHint);
  const ents = m.entries;
  for (let i = 0; i < ents.length; i++) {
    const s = entrySize(ents[i]!);
    n += 1 + varintSize(s) + s;
  }
  if (m.snapshot !== undefined) {
    const s = snapshotSize(m.snapshot);
    n += 1 + varintSize(s) + s;
  }
  if (m.context !== undefined) n += 1 + varintSize(m.context.length) + m.context.length;
  return n;
}

function writeMessage(w: BinaryWriter, m: Message): void {
  w.uint32(T1_VARINT).uint32(m.type);
  w.uint32(T2_VARINT).uint64(m.to);
  w.uint32(T3_VARINT).uint64(m.from);
  w.uint32(T4_VARINT);
  writeNum(w, m.term);
  w.uint32(T5_VARINT);
  writeNum(w, m.logTerm);
  w.uint32(T6_VARINT);
  writeNum(w, m.index);
  const ents = m.entries;
  for (let i = 0; i < ents.length; i++) {
    const e = ents[i]!;
    w.uint32(T7_LEN).uint32(entrySize(e));
    writeEntry(w, e);
  }
  w.uint32(T8_VARINT);
  writeNum(w, m.commit);
  if (m.snapshot !== undefined) {
    w.uint32(T9_LEN).uint32(snapshotSize(m.snapshot));
    writeSnapshot(w, m.snapshot);
  }
  w.uint32(T10_VARINT).bool(m.reject);
  w.uint32(T11_VARINT);
  writeNum(w, m.rejectHint);
  if (m.context !== undefined) w.uint32(T12_LEN).bytes(m.context);
}

function readMessage(r: BinaryReader, end: number): Message {
  const m: Message = {
    type: MessageType.Hup,
    to: 0n,
    from: 0n,
    term: 0,
    logTerm: 0,
    index: 0,
    entries: [],
    commit: 0,
    reject: false,
    rejectHint: 0,
  };
  while (r.pos < end) {
    const at = r.pos;
    const tag = r.uint32();
    const field = tag >>> 3;
    const wt: WireType = tag & 7;
    if (wt === WireType.Varint) {
      switch (field) {
        case 1:
          m.type = messageType(r.uint32(), at);
          continue;
        case 2:
          m.to = readId(r);
          continue;
        case 3:
          m.from = readId(r);
          continue;
        case 4:
          m.term = readNum(r);
          continue;
        case 5:
          m.logTerm = readNum(r);
          continue;
        case 6:
          m.index = readNum(r);
          continue;
        case 8:
          m.commit = readNum(r);
          continue;
        case 10:
          m.reject = r.bool();
          continue;
        case 11:
          m.rejectHint = readNum(r);
          continue;
      }
    } else if (wt === WireType.LengthDelimited) {
      if (field === 7) {
        m.entries.push(readEntry(r, endOf(r)));
        continue;
      }
      if (field === 9) {
        const snap = readSnapshot(r, endOf(r));
        // etcd always sends a snapshot field; index 0 means "no snapshot".
        if (snap.metadata.index !== 0 || snap.data.length !== 0) m.snapshot = snap;
        continue;
      }
      if (field === 12) {
        m.context = r.bytes();
        continue;
      }
    }
    skip(r, wt, field);
  }
  checkEnd(r, end, "message");
  return m;
}

export function encodeMessage(m: Message): Uint8Array {
  const w = new SplicingWriter();
  writeMessage(w, m);
  return w.finish();
}

export function decodeMessage(bytes: Uint8Array): Message {
  const r = new BinaryReader(bytes);
  return guard(() => readMessage(r, r.len));
}

/**
 * A batch of messages for the peer transport: the bytes of a protobuf message whose field 1
 * is `repeated raftpb.Message`.
 */
export function encodeMessages(msgs: readonly Message[]): Uint8Array {
  const w = new SplicingWriter();
  for (let i = 0; i < msgs.length; i++) {
    const m = msgs[i]!;
    w.uint32(T1_LEN).uint32(messageSize(m));
    writeMessage(w, m);
  }
  return w.finish();
}

export function decodeMessages(bytes: Uint8Array): Message[] {
  const r = new BinaryReader(bytes);
  return guard(() => {
    const out: Message[] = [];
    while (r.pos < r.len) {
      const tag = r.uint32();
      const field = tag >>> 3;
      const wt: WireType = tag & 7;
      if (field === 1 && wt === WireType.LengthDelimited) out.push(readMessage(r, endOf(r)));
      else skip(r, wt, field);
    }
    return out;
  });
}

/** The encoded size of `e` as a length-delimited record body (for callers framing entries). */
export function encodedEntrySize(e: Entry): number {
  return entrySize(e);
}

// Library errors (premature EOF, bad varints, bad tags) become CodecErrors.
function guard<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof CodecError) throw err;
    throw new CodecError((err as Error).message);
  }
}
