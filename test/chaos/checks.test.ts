// The post-run checks of the chaos harness catch what they are meant to, on made-up data.
import { test } from "node:test";
import assert from "node:assert/strict";
import { checkLeases, checkWatch, checkWrites } from "./run.js";
import type { HistoryOp, LeaseRecord, WatchEvent } from "./workload.js";

const ev = (
  revision: number,
  key: string,
  type: "put" | "delete",
  value = "",
  lease = 0n,
): WatchEvent => ({
  revision: BigInt(revision),
  key,
  type,
  value,
  lease,
});
const putOp = (key: string, value: string, revision: number): HistoryOp => ({
  clientId: 0,
  input: { kind: "put", key, value },
  output: { kind: "put" },
  callMs: revision,
  returnMs: revision + 0.5,
  member: "m1",
  revision: BigInt(revision),
});

test("checkWatch: missing, repeated and reordered revisions are gaps", () => {
  const history = [putOp("chaos/k0", "a", 2), putOp("chaos/k0", "b", 3), putOp("chaos/k0", "c", 4)];
  const good = [
    ev(2, "chaos/k0", "put", "a"),
    ev(3, "chaos/k0", "put", "b"),
    ev(4, "chaos/k0", "put", "c"),
  ];
  assert.equal(checkWatch(good, 4n, history, []), 0);
  assert.equal(checkWatch([good[0]!, good[2]!], 4n, history, []), 1);
  assert.equal(checkWatch([...good, good[2]!], 4n, history, []), 1);
  assert.equal(checkWatch([good[1]!, good[0]!, good[2]!], 4n, history, []), 1);
  assert.equal(
    checkWatch([ev(2, "chaos/k0", "put", "zzz"), good[1]!, good[2]!], 4n, history, []),
    1,
  );
});

test("checkWrites: an acknowledged write missing from the stream or the final state is lost", () => {
  const history = [putOp("chaos/k0", "a", 2), putOp("chaos/k0", "b", 3)];
  const events = [ev(2, "chaos/k0", "put", "a"), ev(3, "chaos/k0", "put", "b")];
  assert.equal(checkWrites(history, events, new Map([["chaos/k0", "b"]]), ["chaos/k0"], []), 0);
  assert.equal(
    checkWrites(history, events.slice(0, 1), new Map([["chaos/k0", "a"]]), ["chaos/k0"], []),
    1,
  );
  assert.equal(checkWrites(history, events, new Map([["chaos/k0", "a"]]), ["chaos/k0"], []), 1);
});

test("checkLeases: keys must vanish exactly once, together", () => {
  const rec: LeaseRecord = {
    id: 7n,
    ttlSeconds: 2,
    keys: ["chaos/lease/7/a", "chaos/lease/7/b"],
    ackedKeys: ["chaos/lease/7/a", "chaos/lease/7/b"],
  };
  const puts = [ev(2, "chaos/lease/7/a", "put", "l", 7n), ev(3, "chaos/lease/7/b", "put", "l", 7n)];
  assert.equal(
    checkLeases(
      [rec],
      [...puts, ev(9, "chaos/lease/7/a", "delete"), ev(9, "chaos/lease/7/b", "delete")],
      0,
      [],
    ),
    0,
  );
  assert.equal(
    checkLeases(
      [rec],
      [...puts, ev(9, "chaos/lease/7/a", "delete"), ev(10, "chaos/lease/7/b", "delete")],
      0,
      [],
    ),
    1,
  );
  assert.equal(checkLeases([rec], [...puts, ev(9, "chaos/lease/7/a", "delete")], 0, []), 1);
  assert.equal(checkLeases([rec], puts, 2, []), 3);
});
