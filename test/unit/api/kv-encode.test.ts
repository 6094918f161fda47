// Range responses encoded straight from the store's records must be byte-identical to the
// generated encoder's output, and responses whose kvs were read or replaced must take the
// generic path.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import * as pb from "../../../src/proto/index.js";
import type * as mvcc from "../../../src/mvcc/types.js";
import { rangeToPb } from "../../../src/server/convert.js";
import {
  encodeRangeResponse,
  KVServiceWithDirectRange,
  serializeRangeResponse,
} from "../../../src/api/grpc/kv-encode.js";

const revArb = fc.oneof(
  fc.constant(0),
  fc.integer({ min: 1, max: 300 }),
  fc.constantFrom(127, 128, 16383, 16384, 2 ** 31, 2 ** 32 + 5, Number.MAX_SAFE_INTEGER),
);

const kvArb: fc.Arbitrary<mvcc.KeyValue> = fc.record({
  key: fc.uint8Array({ maxLength: 200 }).map((a) => Buffer.from(a)),
  value: fc
    .oneof(fc.uint8Array({ maxLength: 40 }), fc.uint8Array({ minLength: 120, maxLength: 20000 }))
    .map((a) => Buffer.from(a)),
  createRevision: revArb,
  modRevision: revArb,
  version: revArb,
  lease: fc.oneof(
    fc.constant(0n),
    fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
    fc.constantFrom(1n, 127n, 128n, -1n, 2n ** 63n - 1n, -(2n ** 63n)),
  ),
});

const headerArb = fc.option(
  fc.record({
    clusterId: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
    memberId: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
    revision: fc.bigInt({ min: 0n, max: 2n ** 62n }),
    raftTerm: fc.bigInt({ min: 0n, max: 2n ** 32n }),
  }),
  { nil: undefined },
);

test("direct range encoding equals pb.RangeResponse.encode", () => {
  fc.assert(
    fc.property(
      headerArb,
      fc.array(kvArb, { maxLength: 20 }),
      fc.boolean(),
      fc.nat(1_000_000),
      (header, kvs, more, count) => {
        const want = Buffer.from(
          pb.RangeResponse.encode(
            rangeToPb(header!, { kvs, more, count, revision: 0 }) as pb.RangeResponse,
          ).finish(),
        );
        assert.deepEqual(encodeRangeResponse(header, kvs, more, BigInt(count)), want);
        const res = rangeToPb(header!, { kvs, more, count, revision: 0 });
        assert.deepEqual(serializeRangeResponse(res), want);
        assert.deepEqual(pb.RangeResponse.decode(want).kvs.length, kvs.length);
      },
    ),
    { seed: 77, numRuns: 300 },
  );
});

test("a range response whose kvs were read or replaced is encoded from them", () => {
  const header = { clusterId: 1n, memberId: 2n, revision: 3n, raftTerm: 4n };
  const kv = (k: string): mvcc.KeyValue => ({
    key: Buffer.from(k),
    value: Buffer.from(`v-${k}`),
    createRevision: 2,
    modRevision: 3,
    version: 1,
    lease: 0n,
  });
  const result: mvcc.RangeResult = { kvs: [kv("a"), kv("b")], more: false, count: 2, revision: 3 };
  const untouched = rangeToPb(header, result);
  const read = rangeToPb(header, result);
  read.kvs[0]!.value = Buffer.from("changed");
  const replaced = rangeToPb(header, result);
  replaced.kvs = replaced.kvs.slice(1);
  const spread = { ...rangeToPb(header, result), count: 1n };
  const ser = KVServiceWithDirectRange.range.responseSerialize;
  const decode = (b: Buffer) => pb.RangeResponse.decode(b);
  assert.deepEqual(
    decode(ser(untouched)).kvs.map((k) => k.key.toString()),
    ["a", "b"],
  );
  assert.equal(decode(ser(read)).kvs[0]!.value.toString(), "changed");
  assert.deepEqual(
    decode(ser(replaced)).kvs.map((k) => k.key.toString()),
    ["b"],
  );
  assert.equal(decode(ser(spread)).kvs.length, 2);
  assert.equal(decode(ser(spread)).count, 1n);
  // JSON and object views see the records too
  const json = pb.RangeResponse.toJSON(rangeToPb(header, result)) as { kvs?: unknown[] };
  assert.equal(json.kvs?.length, 2);
});
