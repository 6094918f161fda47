import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { FrameError, FrameReader, frameHeader } from "../../../src/transport/frame.js";

test("frames split across arbitrary chunk boundaries come out whole and in order", () => {
  fc.assert(
    fc.property(
      fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 20 }),
      fc.array(fc.integer({ min: 1, max: 97 }), { minLength: 1, maxLength: 10 }),
      (payloads, cuts) => {
        const stream = Buffer.concat(
          payloads.flatMap((p) => [frameHeader(p.length), Buffer.from(p)]),
        );
        const reader = new FrameReader(1000);
        const out: Buffer[] = [];
        let offset = 0;
        let i = 0;
        while (offset < stream.length) {
          const size = cuts[i++ % cuts.length]!;
          out.push(...reader.push(stream.subarray(offset, offset + size)));
          offset += size;
        }
        assert.equal(reader.midFrame, false);
        assert.deepEqual(
          out.map((b) => [...b]),
          payloads.map((p) => [...p]),
        );
      },
    ),
  );
});

test("an oversized frame is refused at its header; a partial one is visible", () => {
  const reader = new FrameReader(10);
  assert.throws(() => reader.push(frameHeader(11)), FrameError);
  const partial = new FrameReader(10);
  assert.deepEqual(partial.push(Buffer.concat([frameHeader(5), Buffer.from([1, 2])])), []);
  assert.equal(partial.midFrame, true);
  assert.deepEqual(
    partial.push(Buffer.from([3, 4, 5])).map((b) => [...b]),
    [[1, 2, 3, 4, 5]],
  );
  assert.equal(partial.midFrame, false);
  assert.deepEqual(new FrameReader(0).push(frameHeader(0)).length, 1);
});
