import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  CodecError,
  decodeConfChange,
  decodeConfState,
  decodeEntry,
  decodeHardState,
  decodeMessage,
  decodeMessages,
  decodeSnapshot,
  encodeConfChange,
  encodeConfState,
  encodeEntry,
  encodeHardState,
  encodeMessage,
  encodeMessages,
  encodeSnapshot,
  encodeSnapshotFraming,
} from "../../../src/raft/codec.js";
import { ConfChangeType, EntryType, MessageType } from "../../../src/raft/types.js";
import type { Entry, Message, Snapshot } from "../../../src/raft/types.js";

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const unhex = (s: string) => new Uint8Array(Buffer.from(s, "hex"));
const bytes = (s: string) => new TextEncoder().encode(s);
const MAX_U64 = 2n ** 64n - 1n;

function msg(over: Partial<Message>): Message {
  return {
    type: MessageType.App,
    to: 0n,
    from: 0n,
    term: 0,
    logTerm: 0,
    index: 0,
    entries: [],
    commit: 0,
    reject: false,
    rejectHint: 0,
    ...over,
  };
}

// Golden bytes below were produced by `protoc --encode` with etcd's raft.proto.
test("Message bytes match etcd's raftpb encoding", () => {
  const m = msg({
    type: MessageType.App,
    to: MAX_U64,
    from: 9007199254740993n,
    term: 5,
    logTerm: 4,
    index: 300,
    entries: [
      { term: 4, index: 301, type: EntryType.Normal, data: bytes("hello") },
      { term: 5, index: 4294967296, type: EntryType.ConfChange, data: new Uint8Array(0) },
    ],
    commit: 299,
  });
  const golden =
    "080310ffffffffffffffffff011881808080808080102005280430ac023a0e0800100418ad02220568656c6c6f" +
    "3a0a0801100518808080801040ab0250005800";
  assert.equal(hex(encodeMessage(m)), golden);
  assert.deepEqual(decodeMessage(unhex(golden)), m);
});

test("Snapshot, HardState and ConfChange bytes match etcd's", () => {
  const s: Snapshot = {
    data: bytes("abc"),
    metadata: { confState: { voters: [1n, MAX_U64], learners: [3n] }, index: 10, term: 2 },
  };
  const golden = "0a0361626312170a11080108ffffffffffffffffff0110032800100a1802";
  assert.equal(hex(encodeSnapshot(s)), golden);
  assert.deepEqual(decodeSnapshot(unhex(golden)), s);

  const hs = { term: 7, vote: 12345678901234567890n, commit: 9 };
  assert.equal(hex(encodeHardState(hs)), "080710d295fcd8ceb1aaaaab011809");
  assert.deepEqual(decodeHardState(encodeHardState(hs)), hs);

  const cc = {
    id: 77n,
    type: ConfChangeType.AddLearnerNode,
    nodeId: 9007199254740993n,
    context: bytes("ctx"),
  };
  assert.equal(hex(encodeConfChange(cc)), "084d10031881808080808080102203637478");
  assert.deepEqual(decodeConfChange(encodeConfChange(cc)), cc);
});

test("snapshot framing around the data equals the full encoding", () => {
  const s: Snapshot = {
    data: new Uint8Array(1000).fill(7),
    metadata: { confState: { voters: [2n], learners: [] }, index: 1 << 30, term: 3 },
  };
  const { prefix, suffix } = encodeSnapshotFraming(s);
  assert.equal(hex(Buffer.concat([prefix, s.data, suffix])), hex(encodeSnapshot(s)));
  const empty = { ...s, data: new Uint8Array(0) };
  const f2 = encodeSnapshotFraming(empty);
  assert.equal(hex(Buffer.concat([f2.prefix, f2.suffix])), hex(encodeSnapshot(empty)));
});

test("packed repeated ids are accepted", () => {
  // voters packed: field 1, wire type 2, [1, 300]
  assert.deepEqual(decodeConfState(unhex("0a0301ac02")), {
    voters: [1n, 300n],
    learners: [],
  });
  assert.deepEqual(decodeConfState(encodeConfState({ voters: [], learners: [MAX_U64] })), {
    voters: [],
    learners: [MAX_U64],
  });
});

test("indexes beyond 2^53 are rejected on decode and encode", () => {
  // Entry with Index = 2^53 (one above MAX_SAFE_INTEGER)
  assert.throws(() => decodeEntry(unhex("188080808080808010")), CodecError);
  assert.throws(() => encodeEntry({ term: 1, index: 2 ** 53, type: 0, data: new Uint8Array() }));
  assert.throws(() => encodeEntry({ term: -1, index: 1, type: 0, data: new Uint8Array() }));
  const big = Number.MAX_SAFE_INTEGER;
  const e: Entry = { term: big, index: big - 1, type: EntryType.Normal, data: bytes("x") };
  assert.deepEqual(decodeEntry(encodeEntry(e)), e);
});

test("truncated or malformed input is a CodecError", () => {
  const full = encodeMessage(
    msg({ entries: [{ term: 1, index: 2, type: 0, data: bytes("abcdef") }], to: 5n }),
  );
  for (let cut = 1; cut < full.length; cut++) {
    let err: unknown;
    try {
      decodeMessage(full.subarray(0, cut));
    } catch (e) {
      err = e;
    }
    // A cut on a field boundary is a valid shorter message; anywhere else it must throw.
    if (err !== undefined) assert.ok(err instanceof CodecError, String(err));
  }
  assert.throws(() => decodeMessage(unhex("0863")), /unknown message type 99/);
  assert.throws(() => decodeEntry(unhex("0805")), /unknown entry type 5/);
  assert.throws(() => decodeMessages(unhex("0a05")), CodecError);
});

test("unknown fields are skipped", () => {
  // HardState term=1 + field 15 (varint 3) + field 14 (bytes "zz") + commit=2
  const b = unhex("0801780372027a7a1802");
  assert.deepEqual(decodeHardState(b), { term: 1, vote: 0n, commit: 2 });
});

test("absent and etcd-style empty snapshot both decode as undefined", () => {
  const m = msg({ type: MessageType.Heartbeat, to: 1n, from: 2n });
  assert.equal(decodeMessage(encodeMessage(m)).snapshot, undefined);
  // field 9 holding an empty snapshot (metadata with zero index), as etcd always writes it
  const withEmpty = Buffer.concat([encodeMessage(m), unhex("4a0612040a002800")]);
  assert.deepEqual(decodeMessage(withEmpty), m);
});

const arbId = fc.bigInt({ min: 0n, max: MAX_U64 });
const arbNum = fc.oneof(
  fc.integer({ min: 0, max: 300 }),
  fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
);
const arbBytes = fc.uint8Array({ maxLength: 40 }).map((a) => new Uint8Array(a));
const arbEntry = fc.record({
  term: arbNum,
  index: arbNum,
  type: fc.constantFrom(EntryType.Normal, EntryType.ConfChange),
  data: arbBytes,
});
const arbSnapshot = fc.record({
  data: arbBytes,
  metadata: fc.record({
    confState: fc.record({ voters: fc.array(arbId), learners: fc.array(arbId) }),
    index: arbNum.filter((n) => n > 0),
    term: arbNum,
  }),
});
const arbMessage = fc
  .record({
    type: fc.integer({ min: 0, max: 18 }) as fc.Arbitrary<MessageType>,
    to: arbId,
    from: arbId,
    term: arbNum,
    logTerm: arbNum,
    index: arbNum,
    entries: fc.array(arbEntry, { maxLength: 5 }),
    commit: arbNum,
    snapshot: fc.option(arbSnapshot, { nil: undefined }),
    reject: fc.boolean(),
    rejectHint: arbNum,
    context: fc.option(arbBytes, { nil: undefined }),
  })
  .map((m) => {
    const out: Message = structuredClone(m);
    if (out.snapshot === undefined) delete out.snapshot;
    if (out.context === undefined) delete out.context;
    return out;
  });

test("round trips of random values (ids up to 2^64-1)", () => {
  // fast-check records have a null prototype; structuredClone makes plain objects.
  fc.assert(
    fc.property(arbEntry.map(structuredClone), (e) => {
      assert.deepEqual(decodeEntry(encodeEntry(e)), e);
    }),
  );
  fc.assert(
    fc.property(arbSnapshot.map(structuredClone), (s) => {
      assert.deepEqual(decodeSnapshot(encodeSnapshot(s)), s);
    }),
  );
  fc.assert(
    fc.property(fc.array(arbMessage, { maxLength: 4 }), (msgs) => {
      for (const m of msgs) assert.deepEqual(decodeMessage(encodeMessage(m)), m);
      assert.deepEqual(decodeMessages(encodeMessages(msgs)), msgs);
    }),
    { numRuns: 200 },
  );
});

test("field number 0 and unknown wire types are rejected", () => {
  assert.throws(() => decodeHardState(unhex("0001")), /illegal field number 0/);
  assert.throws(() => decodeHardState(unhex("0f01")), CodecError); // field 1, wire type 7
});

test("encoded bytes own their whole ArrayBuffer", () => {
  const m = msg({ entries: [{ term: 1, index: 1, type: 0, data: new Uint8Array(500).fill(3) }] });
  const out = encodeMessage(m);
  assert.equal(Object.getPrototypeOf(out), Uint8Array.prototype);
  assert.equal(out.byteOffset, 0);
  assert.equal(out.buffer.byteLength, out.length);
  assert.deepEqual(decodeMessage(out), m);
});
