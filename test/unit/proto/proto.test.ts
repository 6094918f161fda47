// The generated protobuf code: wire bytes match what etcd 3.4 clients send (hand-computed from
// the field numbers), 64-bit values survive exactly, and JSON uses the original field names.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  Compare,
  Compare_CompareResult,
  Compare_CompareTarget,
  DeleteRangeRequest,
  Event,
  Event_EventType,
  MemberListResponse,
  MemberRemoveRequest,
  PutRequest,
  RangeRequest,
  RangeRequest_SortOrder,
  RangeRequest_SortTarget,
  TxnRequest,
  WatchRequest,
  WatchResponse,
} from "../../../src/proto/index.js";
import { authpb, etcdserverpb, mvccpb, v3electionpb, v3lockpb } from "../../../src/proto/index.js";
import fc from "fast-check";

interface MessageCodec {
  encode(message: unknown): { finish(): Uint8Array };
  decode(input: Uint8Array): unknown;
  fromPartial(object: object): unknown;
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");

/** Base-128 varint of an unsigned 64-bit value, written independently of the generated code. */
function varintHex(value: bigint): string {
  const out: number[] = [];
  let v = value;
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return Buffer.from(out).toString("hex");
}

test("RangeRequest for `etcdctl get foo --prefix` encodes byte for byte", () => {
  const req = RangeRequest.create({ key: Buffer.from("foo"), rangeEnd: Buffer.from("fop") });
  // field 1 (LEN) "foo", field 2 (LEN) "fop"; zero-valued scalars are not sent.
  assert.equal(hex(RangeRequest.encode(req).finish()), "0a03666f6f" + "1203666f70");
});

test("RangeRequest with limit, sort, serializable and a negative revision", () => {
  const req = RangeRequest.create({
    key: Buffer.from("a"),
    limit: 1n,
    revision: -1n,
    sortOrder: RangeRequest_SortOrder.DESCEND,
    sortTarget: RangeRequest_SortTarget.MOD,
    serializable: true,
  });
  const expected =
    "0a0161" + // 1: key "a"
    "1801" + // 3: limit 1
    "20ffffffffffffffffff01" + // 4: revision -1 as a 10-byte two's complement varint
    "2802" + // 5: sort_order DESCEND
    "3003" + // 6: sort_target MOD
    "3801"; // 7: serializable
  assert.equal(hex(RangeRequest.encode(req).finish()), expected);
});

test("PutRequest for `etcdctl put foo bar --lease=1234 --prev-kv` encodes byte for byte", () => {
  const req = PutRequest.create({
    key: Buffer.from("foo"),
    value: Buffer.from("bar"),
    lease: 0x1234n,
    prevKv: true,
  });
  assert.equal(
    hex(PutRequest.encode(req).finish()),
    "0a03666f6f" + "1203626172" + "18b424" + "2001",
  );
});

test("uint64 ids above 2^53 round-trip exactly", () => {
  const id = 17227010664766480024n;
  const bytes = MemberRemoveRequest.encode({ ID: id }).finish();
  assert.equal(hex(bytes), "08" + varintHex(id));
  assert.equal(MemberRemoveRequest.decode(bytes).ID, id);
  const list = MemberListResponse.fromPartial({
    header: { clusterId: 0xffffffffffffffffn, memberId: id, raftTerm: 2n },
    members: [{ ID: id, name: "s1", peerURLs: ["http://127.0.0.1:2380"], isLearner: true }],
  });
  assert.deepEqual(MemberListResponse.decode(MemberListResponse.encode(list).finish()), list);
});

test("Compare range_end uses field 64 and the oneof target", () => {
  const cmp = Compare.create({
    result: Compare_CompareResult.GREATER,
    target: Compare_CompareTarget.MOD,
    key: Buffer.from("k"),
    targetUnion: { $case: "modRevision", value: 5n },
    rangeEnd: Buffer.from("l"),
  });
  // 1: result 1; 2: target 2; 3: key; 6: mod_revision 5; 64 (tag 0x82 0x04): range_end.
  assert.equal(hex(Compare.encode(cmp).finish()), "0801" + "1002" + "1a016b" + "3005" + "8204016c");
  assert.deepEqual(Compare.decode(Compare.encode(cmp).finish()), cmp);
});

test("WatchResponse events use field 11", () => {
  const resp = WatchResponse.fromPartial({
    watchId: 0n,
    events: [{ type: Event_EventType.DELETE, kv: { key: Buffer.from("k"), modRevision: 3n } }],
  });
  const bytes = WatchResponse.encode(resp).finish();
  assert.equal(bytes[0], (11 << 3) | 2);
  assert.deepEqual(WatchResponse.decode(bytes), resp);
});

test("a nested txn round-trips", () => {
  const txn = TxnRequest.fromPartial({
    compare: [
      {
        key: Buffer.from("k1"),
        target: Compare_CompareTarget.VALUE,
        targetUnion: { $case: "value", value: Buffer.from("v1") },
      },
    ],
    success: [
      {
        request: {
          $case: "requestPut",
          value: { key: Buffer.from("k2"), value: Buffer.from("v2") },
        },
      },
      { request: { $case: "requestRange", value: { key: Buffer.from("k1") } } },
    ],
    failure: [
      {
        request: {
          $case: "requestTxn",
          value: {
            success: [
              { request: { $case: "requestDeleteRange", value: { key: Buffer.from("x") } } },
            ],
          },
        },
      },
    ],
  });
  assert.deepEqual(TxnRequest.decode(TxnRequest.encode(txn).finish()), txn);
});

test("WatchRequest create and cancel", () => {
  const create = WatchRequest.fromPartial({
    requestUnion: {
      $case: "createRequest",
      value: { key: Buffer.from("w"), rangeEnd: Buffer.from("x"), prevKv: true, filters: [1] },
    },
  });
  assert.deepEqual(WatchRequest.decode(WatchRequest.encode(create).finish()), create);
  const cancel = WatchRequest.fromPartial({
    requestUnion: { $case: "cancelRequest", value: { watchId: 7n } },
  });
  assert.equal(hex(WatchRequest.encode(cancel).finish()), "12020807");
});

test("decoding skips unknown fields", () => {
  // DeleteRangeRequest{key:"a"} followed by an unknown field 15 varint.
  const bytes = Buffer.from("0a0161" + "7801", "hex");
  assert.deepEqual(DeleteRangeRequest.decode(bytes).key, Buffer.from("a"));
});

test("JSON uses original field names, int64 as strings, base64 bytes, enum names", () => {
  const ev = Event.fromPartial({
    type: Event_EventType.DELETE,
    kv: { key: Buffer.from("foo"), createRevision: 23n, modRevision: 24n, version: 0n },
  });
  assert.deepEqual(mvccpb.Event.toJSON(ev), {
    type: "DELETE",
    kv: { key: "Zm9v", create_revision: "23", mod_revision: "24" },
  });
  const grant = etcdserverpb.LeaseGrantResponse.fromPartial({
    header: { clusterId: 17227010664766480024n, revision: 5n },
    ID: 2204690161291320143n,
    TTL: 30n,
  });
  assert.deepEqual(etcdserverpb.LeaseGrantResponse.toJSON(grant), {
    header: { cluster_id: "17227010664766480024", revision: "5" },
    ID: "2204690161291320143",
    TTL: "30",
  });
  // Input accepts numbers or strings for int64 and names or numbers for enums.
  const req = etcdserverpb.RangeRequest.fromJSON({ key: "Zm9v", limit: 2, sort_order: "DESCEND" });
  assert.equal(req.limit, 2n);
  assert.equal(req.sortOrder, RangeRequest_SortOrder.DESCEND);
  assert.deepEqual(req.key, Buffer.from("foo"));
});

test("every generated message round-trips its defaults", () => {
  let count = 0;
  for (const mod of [etcdserverpb, mvccpb, authpb, v3lockpb, v3electionpb]) {
    for (const [name, value] of Object.entries(mod)) {
      const codec = value as Partial<MessageCodec>;
      if (typeof codec.encode !== "function" || typeof codec.fromPartial !== "function") continue;
      const full = codec.fromPartial({});
      assert.deepEqual(codec.decode?.(codec.encode(full).finish()), full, name);
      count++;
    }
  }
  assert.ok(count > 100, `only ${count} message types found`);
});

test("random KeyValues and RangeRequests round-trip exactly (64-bit edges included)", () => {
  const int64 = fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n });
  const bytes = fc.uint8Array({ maxLength: 64 }).map((a) => Buffer.from(a));
  fc.assert(
    fc.property(bytes, int64, int64, int64, bytes, int64, (key, c, m, v, value, lease) => {
      const kv = mvccpb.KeyValue.fromPartial({
        key,
        createRevision: c,
        modRevision: m,
        version: v,
        value,
        lease,
      });
      assert.deepEqual(mvccpb.KeyValue.decode(mvccpb.KeyValue.encode(kv).finish()), kv);
    }),
  );
  const uint64 = fc.bigInt({ min: 0n, max: 2n ** 64n - 1n });
  fc.assert(
    fc.property(uint64, uint64, int64, uint64, (clusterId, memberId, revision, raftTerm) => {
      const h = etcdserverpb.ResponseHeader.fromPartial({
        clusterId,
        memberId,
        revision,
        raftTerm,
      });
      assert.deepEqual(
        etcdserverpb.ResponseHeader.decode(etcdserverpb.ResponseHeader.encode(h).finish()),
        h,
      );
      const json = etcdserverpb.ResponseHeader.fromJSON(etcdserverpb.ResponseHeader.toJSON(h));
      assert.deepEqual(json, h);
    }),
  );
});
