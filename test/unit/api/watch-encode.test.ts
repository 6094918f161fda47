// Pre-encoded watch responses must be byte-identical to the generated encoder's output.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as pb from "../../../src/proto/index.js";
import type * as mvcc from "../../../src/mvcc/types.js";
import { eventToPb } from "../../../src/server/convert.js";
import {
  encodedEvent,
  encodedHeader,
  encodeEventsResponse,
  WatchServiceWithRawResponses,
} from "../../../src/api/grpc/watch-encode.js";

function kv(key: string, value: Buffer, rev: number): mvcc.KeyValue {
  return {
    key: Buffer.from(key),
    value,
    createRevision: 2,
    modRevision: rev,
    version: rev - 1,
    lease: 0n,
  };
}

const header: pb.ResponseHeader = {
  clusterId: 0xfedcba9876543210n,
  memberId: 0x8e9e05c52164694dn,
  revision: 123456n,
  raftTerm: 7n,
};

test("event responses equal pb.WatchResponse.encode for several ids and event sizes", () => {
  const events: mvcc.Event[] = [
    { type: 0, kv: kv("a", Buffer.alloc(0), 3) },
    {
      type: 0,
      kv: kv("k0000001", Buffer.alloc(256, 7), 4),
      prevKv: kv("k0000001", Buffer.alloc(300, 1), 3),
    },
    { type: 1, kv: kv("b", Buffer.alloc(0), 5) },
    { type: 0, kv: kv("big", Buffer.alloc(70_000, 9), 6) },
  ];
  for (const watchId of [0, 1, 127, 128, 300, 2 ** 40]) {
    for (const list of [[], events.slice(0, 1), events]) {
      const got = encodeEventsResponse(encodedHeader(header), watchId, list.map(encodedEvent));
      const want = pb.WatchResponse.encode(
        pb.WatchResponse.fromPartial({
          header,
          watchId: BigInt(watchId),
          events: list.map(eventToPb),
        }),
      ).finish();
      assert.deepEqual(new Uint8Array(got), want, `watchId ${watchId}, ${list.length} events`);
    }
  }
  assert.throws(() => encodeEventsResponse(encodedHeader(header), -1, []));
});

test("an event is encoded once and shared", () => {
  const e: mvcc.Event = { type: 0, kv: kv("x", Buffer.from("v"), 9) };
  assert.equal(encodedEvent(e), encodedEvent(e));
});

test("the service serializer passes pre-encoded bytes through and encodes messages", () => {
  const ser = WatchServiceWithRawResponses.watch.responseSerialize;
  const raw = Buffer.from([1, 2, 3]);
  assert.equal(ser(raw), raw);
  const msg = pb.WatchResponse.fromPartial({ header, watchId: 3n, created: true });
  assert.deepEqual(new Uint8Array(ser(msg)), pb.WatchResponse.encode(msg).finish());
});
