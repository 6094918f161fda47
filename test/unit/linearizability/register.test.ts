import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  checkOperations,
  checkRegisterHistory,
  registerModel,
} from "../../../src/linearizability/index.js";
import type {
  Operation,
  RegisterInput,
  RegisterOutput,
} from "../../../src/linearizability/index.js";

type Op = Operation<RegisterInput, RegisterOutput>;

function op(
  clientId: number,
  callMs: number,
  returnMs: number | undefined,
  input: RegisterInput,
  output?: RegisterOutput,
): Op {
  return { clientId, callMs, returnMs, input, output: returnMs === undefined ? undefined : output };
}
const put = (key: string, value: string): RegisterInput => ({ kind: "put", key, value });
const get = (key: string): RegisterInput => ({ kind: "get", key });
const del = (key: string): RegisterInput => ({ kind: "delete", key });
const cas = (key: string, expected: string | null, value: string): RegisterInput => ({
  kind: "cas",
  key,
  expected,
  value,
});
const putOk: RegisterOutput = { kind: "put" };
const read = (value: string | null): RegisterOutput => ({ kind: "get", value });

/** The plain search and the register fast path must agree on every history here. */
function verdict(history: Op[]): string {
  const plain = checkOperations(registerModel, history, { timeoutMs: 10_000 }).verdict;
  const fast = checkRegisterHistory(history, { timeoutMs: 10_000 }).verdict;
  assert.equal(fast, plain, "checkRegisterHistory disagrees with checkOperations");
  return plain;
}

test("a sequential history that follows the model is linearizable", () => {
  assert.equal(
    verdict([
      op(1, 0, 1, put("a", "1"), putOk),
      op(1, 2, 3, get("a"), read("1")),
      op(1, 4, 5, cas("a", "1", "2"), { kind: "cas", succeeded: true }),
      op(1, 6, 7, cas("a", "1", "3"), { kind: "cas", succeeded: false }),
      op(1, 8, 9, del("a"), { kind: "delete", deleted: 1 }),
      op(1, 10, 11, del("a"), { kind: "delete", deleted: 0 }),
      op(1, 12, 13, get("a"), read(null)),
      op(1, 14, 15, cas("a", null, "4"), { kind: "cas", succeeded: true }),
    ]),
    "ok",
  );
});

test("a stale read after a completed write is rejected", () => {
  assert.equal(
    verdict([
      op(1, 0, 1, put("a", "1"), putOk),
      op(1, 2, 3, put("a", "2"), putOk),
      op(2, 4, 5, get("a"), read("1")),
    ]),
    "illegal",
  );
});

test("a lost acknowledged write is rejected", () => {
  assert.equal(
    verdict([op(1, 0, 1, put("a", "1"), putOk), op(2, 2, 3, get("a"), read(null))]),
    "illegal",
  );
});

test("writes observed in an order contradicting real time are rejected", () => {
  assert.equal(
    verdict([
      op(1, 0, 1, put("a", "1"), putOk),
      op(2, 2, 3, put("a", "2"), putOk),
      op(3, 4, 10, get("a"), read("2")),
      op(4, 5, 11, get("a"), read("1")),
      op(3, 12, 13, get("a"), read("2")),
    ]),
    "illegal",
  );
  // Two readers see concurrent writes in opposite orders.
  assert.equal(
    verdict([
      op(1, 0, 10, put("a", "1"), putOk),
      op(2, 0, 10, put("a", "2"), putOk),
      op(3, 11, 12, get("a"), read("1")),
      op(3, 13, 14, get("a"), read("2")),
      op(4, 15, 16, get("a"), read("1")),
    ]),
    "illegal",
  );
});

test("a CAS that reports success against a value that was never current is rejected", () => {
  assert.equal(
    verdict([
      op(1, 0, 1, put("a", "1"), putOk),
      op(2, 2, 3, cas("a", "0", "2"), { kind: "cas", succeeded: true }),
    ]),
    "illegal",
  );
  assert.equal(
    verdict([
      op(1, 0, 1, put("a", "1"), putOk),
      op(2, 2, 3, cas("a", "1", "2"), { kind: "cas", succeeded: false }),
    ]),
    "illegal",
  );
});

test("a delete reporting the wrong count is rejected", () => {
  assert.equal(verdict([op(1, 0, 1, del("a"), { kind: "delete", deleted: 1 })]), "illegal");
});

test("concurrent overlapping operations may take effect in either order", () => {
  assert.equal(
    verdict([
      op(1, 0, 10, put("a", "1"), putOk),
      op(2, 1, 9, put("a", "2"), putOk),
      op(3, 2, 3, get("a"), read("2")),
      op(4, 4, 12, get("a"), read("1")),
      op(5, 13, 14, get("a"), read("1")),
    ]),
    "ok",
  );
  assert.equal(
    verdict([
      op(1, 0, 10, put("a", "1"), putOk),
      op(2, 1, 9, get("a"), read(null)),
      op(3, 2, 8, get("a"), read("1")),
    ]),
    "ok",
  );
});

test("an indeterminate write may have taken effect, late, or not at all", () => {
  // Took effect, observed long after the client gave up.
  assert.equal(
    verdict([
      op(1, 0, undefined, put("a", "1")),
      op(2, 100, 101, get("a"), read(null)),
      op(2, 200, 201, get("a"), read("1")),
    ]),
    "ok",
  );
  // Never took effect.
  assert.equal(
    verdict([op(1, 0, undefined, put("a", "1")), op(2, 100, 101, get("a"), read(null))]),
    "ok",
  );
  // But it cannot take effect before it was called...
  assert.equal(
    verdict([op(2, 0, 1, get("a"), read("1")), op(1, 5, undefined, put("a", "1"))]),
    "illegal",
  );
  // ...nor take effect twice.
  assert.equal(
    verdict([
      op(1, 0, undefined, put("a", "1")),
      op(2, 10, 11, get("a"), read("1")),
      op(2, 12, 13, put("a", "2"), putOk),
      op(2, 14, 15, get("a"), read("1")),
    ]),
    "illegal",
  );
  // An indeterminate CAS applies only when its comparison holds.
  assert.equal(
    verdict([
      op(1, 0, 1, put("a", "1"), putOk),
      op(2, 2, undefined, cas("a", "1", "2")),
      op(3, 10, 11, get("a"), read("2")),
    ]),
    "ok",
  );
  assert.equal(
    verdict([
      op(1, 0, 1, put("a", "1"), putOk),
      op(2, 2, undefined, cas("a", "9", "2")),
      op(3, 10, 11, get("a"), read("2")),
    ]),
    "illegal",
  );
});

test("keys are checked independently and the failing one is named", () => {
  const result = checkOperations(registerModel, [
    op(1, 0, 1, put("a", "1"), putOk),
    op(1, 0, 1, put("b", "1"), putOk),
    op(2, 2, 3, get("a"), read("1")),
    op(2, 2, 3, get("b"), read(null)),
  ]);
  assert.equal(result.verdict, "illegal");
  assert.deepEqual(
    result.partitions.map((p) => [p.key, p.verdict]),
    [
      ["a", "ok"],
      ["b", "illegal"],
    ],
  );
});

test("property: histories produced by a real linearizable execution are accepted", () => {
  // Simulate clients whose operations take effect at a random point inside their interval.
  fc.assert(
    fc.property(
      fc.array(
        fc.record({
          kind: fc.constantFrom("put", "get", "delete", "cas"),
          start: fc.integer({ min: 0, max: 200 }),
          length: fc.integer({ min: 1, max: 30 }),
          at: fc.double({ min: 0, max: 1, noNaN: true }),
          lost: fc.boolean(),
          key: fc.constantFrom("x", "y"),
          guess: fc.integer({ min: 0, max: 5 }),
        }),
        { maxLength: 40 },
      ),
      (specs) => {
        const planned = specs.map((s, i) => ({
          ...s,
          id: i,
          point: s.start + s.at * s.length,
          value: `v${i}`,
        }));
        const order = [...planned].sort((a, b) => a.point - b.point);
        const state = new Map<string, string | null>();
        const written: string[] = [];
        const ops: Op[] = [];
        for (const p of order) {
          const current = state.get(p.key) ?? null;
          let input: RegisterInput;
          let output: RegisterOutput;
          switch (p.kind) {
            case "put":
              input = put(p.key, p.value);
              output = putOk;
              state.set(p.key, p.value);
              written.push(p.value);
              break;
            case "get":
              input = get(p.key);
              output = read(current);
              break;
            case "delete":
              input = del(p.key);
              output = { kind: "delete", deleted: current === null ? 0 : 1 };
              state.set(p.key, null);
              break;
            default: {
              const expected =
                p.guess === 0 ? null : p.guess === 1 ? current : (written[p.guess] ?? null);
              input = cas(p.key, expected, p.value);
              output = { kind: "cas", succeeded: expected === current };
              if (expected === current) {
                state.set(p.key, p.value);
                written.push(p.value);
              }
            }
          }
          // A lost reply makes the operation indeterminate (it still took effect).
          const lost = p.lost && p.kind !== "get";
          ops.push(op(p.id, p.start, lost ? undefined : p.start + p.length, input, output));
        }
        assert.equal(verdict(ops), "ok");
      },
    ),
    { numRuns: 300, seed: 42 },
  );
});

test("a long history with many indeterminate writes is checked quickly", () => {
  const ops: Op[] = [];
  let t = 0;
  for (let i = 0; i < 3000; i++) {
    const v = `v${i}`;
    if (i % 10 === 3) ops.push(op(i % 5, t, undefined, put("k", v)));
    else {
      ops.push(op(i % 5, t, t + 3, put("k", v), putOk));
      ops.push(op((i + 1) % 5, t + 1, t + 4, get("k"), read(v)));
    }
    t += 5;
  }
  assert.equal(verdict(ops), "ok");
});

test("an unobserved indeterminate write that made a CAS fail is still found", () => {
  // The fast path leaves the indeterminate put out and fails; the full search finds it.
  assert.equal(
    verdict([
      op(1, 0, 1, put("a", "1"), putOk),
      op(2, 2, undefined, put("a", "x")),
      op(3, 10, 11, cas("a", "1", "2"), { kind: "cas", succeeded: false }),
      op(3, 12, 13, del("a"), { kind: "delete", deleted: 1 }),
    ]),
    "ok",
  );
});

test("many indeterminate writes, some observed much later, are checked quickly", () => {
  const ops: Op[] = [];
  let t = 0;
  for (let i = 0; i < 4000; i++) {
    const v = `v${i}`;
    const client = i % 6;
    if (i % 4 === 1) {
      ops.push(op(client, t, undefined, put("k", v)));
      if (i % 8 === 1) ops.push(op(client, t + 2, t + 3, get("k"), read(v)));
    } else if (i % 4 === 2) {
      ops.push(op(client, t, undefined, cas("k", `v${i - 1}`, v)));
    } else {
      ops.push(op(client, t, t + 3, put("k", v), putOk));
      ops.push(op((client + 1) % 6, t + 1, t + 4, get("k"), read(v)));
    }
    t += 5;
  }
  // Gives up with "unknown" if the search explodes.
  assert.equal(checkRegisterHistory(ops, { timeoutMs: 20_000 }).verdict, "ok");
});

test("many pending indeterminate deletes and unobserved writes do not explode the search", () => {
  // Interchangeable indeterminate operations are tried in one order only; an illegal
  // history must still be proven illegal within the time limit.
  const ops: Op[] = [op(0, 0, 1, put("k", "first"), putOk)];
  for (let i = 0; i < 40; i++) {
    ops.push(op(1 + i, 2 + i, undefined, del("k")));
    ops.push(op(100 + i, 2 + i, undefined, put("k", `lost${i}`)));
  }
  ops.push(op(0, 100, 101, get("k"), read(null)));
  ops.push(op(0, 102, 103, get("k"), read("first")));
  assert.equal(checkRegisterHistory(ops, { timeoutMs: 20_000 }).verdict, "illegal");
  ops.pop();
  ops.push(op(0, 102, 103, del("k"), { kind: "delete", deleted: 0 }));
  assert.equal(checkRegisterHistory(ops, { timeoutMs: 20_000 }).verdict, "ok");
});
