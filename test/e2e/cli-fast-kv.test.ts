// The lean get/put/del path's hand-rolled protobuf agrees with the generated codecs, for
// random requests (encoding) and random responses (decoding), including 64-bit extremes.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  decodeDeleteRange,
  decodePut,
  decodeRange,
  encodeDeleteRange,
  encodePut,
  encodeRange,
  fastTarget,
} from "../../commands/v3/fast-kv.js";
import {
  DeleteRangeRequest,
  DeleteRangeResponse,
  PutRequest,
  PutResponse,
  RangeRequest,
  RangeResponse,
} from "../../src/proto/index.js";
import type { GlobalOptions } from "../../commands/v3/globals.js";

const bytes = fc.uint8Array({ maxLength: 40 }).map((a) => Buffer.from(a));
const i64 = fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n });
const u64 = fc.bigInt({ min: 0n, max: 2n ** 64n - 1n });
const header = fc.record({ clusterId: u64, memberId: u64, revision: i64, raftTerm: u64 });
const kv = fc.record({
  key: bytes,
  createRevision: i64,
  modRevision: i64,
  version: i64,
  value: bytes,
  lease: i64,
});

test("requests encode like the generated code", () => {
  fc.assert(
    fc.property(
      bytes,
      bytes,
      i64,
      i64,
      fc.integer({ min: 0, max: 2 }),
      fc.integer({ min: 0, max: 4 }),
      fc.boolean(),
      fc.boolean(),
      (key, rangeEnd, limit, revision, sortOrder, sortTarget, a, b) => {
        const range = RangeRequest.fromPartial({
          key,
          rangeEnd,
          limit,
          revision,
          sortOrder,
          sortTarget,
          serializable: a,
          keysOnly: b,
        });
        assert.deepEqual(encodeRange(range), Buffer.from(RangeRequest.encode(range).finish()));
        const put = PutRequest.fromPartial({
          key,
          value: rangeEnd,
          lease: limit,
          prevKv: a,
          ignoreValue: b,
        });
        assert.deepEqual(encodePut(put), Buffer.from(PutRequest.encode(put).finish()));
        const del = DeleteRangeRequest.fromPartial({ key, rangeEnd, prevKv: a });
        assert.deepEqual(
          encodeDeleteRange(del),
          Buffer.from(DeleteRangeRequest.encode(del).finish()),
        );
      },
    ),
  );
});

test("responses decode like the generated code", () => {
  fc.assert(
    fc.property(
      header,
      fc.array(kv, { maxLength: 4 }),
      fc.boolean(),
      i64,
      (h, kvs, more, count) => {
        const range = RangeResponse.fromPartial({ header: h, kvs, more, count });
        assert.deepEqual(decodeRange(Buffer.from(RangeResponse.encode(range).finish())), range);
        const put = PutResponse.fromPartial({ header: h, prevKv: kvs[0] });
        assert.deepEqual(decodePut(Buffer.from(PutResponse.encode(put).finish())), put);
        const del = DeleteRangeResponse.fromPartial({ header: h, deleted: count, prevKvs: kvs });
        assert.deepEqual(
          decodeDeleteRange(Buffer.from(DeleteRangeResponse.encode(del).finish())),
          del,
        );
      },
    ),
  );
});

test("the lean path applies only to one plain endpoint without auth or TLS", () => {
  const g = (over: Partial<GlobalOptions>): GlobalOptions => ({
    endpoints: ["127.0.0.1:2379"],
    dialTimeoutMs: 2000,
    commandTimeoutMs: 5000,
    keepaliveTimeMs: 2000,
    keepaliveTimeoutMs: 6000,
    insecureTransport: true,
    insecureSkipTlsVerify: false,
    insecureDiscovery: true,
    hex: false,
    writeOut: "simple",
    debug: false,
    ...over,
  });
  assert.equal(fastTarget(g({})), "127.0.0.1:2379");
  assert.equal(fastTarget(g({ endpoints: ["http://h:1/"] })), "h:1");
  assert.equal(fastTarget(g({ endpoints: ["https://h:1"] })), undefined);
  assert.equal(fastTarget(g({ endpoints: ["a:1", "b:1"] })), undefined);
  assert.equal(fastTarget(g({ user: "root" })), undefined);
  assert.equal(fastTarget(g({ cacert: "ca.pem" })), undefined);
});
