import { test } from "node:test";
import assert from "node:assert/strict";
import { Cluster } from "./harness.js";

test("smoke: three nodes elect a leader and replicate", () => {
  const c = new Cluster([1n, 2n, 3n]);
  c.elect(1n);
  assert.deepEqual(c.leaders(), [1n]);
  c.propose(1n, "a");
  c.propose(2n, "b");
  for (const id of [1n, 2n, 3n]) {
    assert.deepEqual(c.logOf(id), ["2", "2:a", "2:b"]);
    assert.deepEqual(c.appliedData(id), ["a", "b"]);
  }
});
