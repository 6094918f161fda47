import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { membersJson, parseMembersJson } from "../../../src/transport/members.js";

test("member lists round-trip with uint64 ids, whatever the names hold", () => {
  fc.assert(
    fc.property(
      fc.array(
        fc.record({
          id: fc.bigInt({ min: 1n, max: (1n << 64n) - 1n }),
          name: fc.string(),
          peerURLs: fc.array(fc.string(), { minLength: 1, maxLength: 3 }),
          clientURLs: fc.array(fc.string(), { maxLength: 3 }),
          isLearner: fc.boolean(),
        }),
        { maxLength: 5 },
      ),
      (members) => {
        const plain = members.map((m) => ({ ...m }));
        assert.deepEqual(parseMembersJson(membersJson(plain)), plain);
      },
    ),
  );
  assert.throws(() => parseMembersJson('{"id":1}'), /not a JSON array/);
  assert.throws(() => parseMembersJson('[{"id":18446744073709551616,"peerURLs":[]}]'), /uint64/);
});
