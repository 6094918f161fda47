import { test } from "node:test";
import assert from "node:assert/strict";
import { KeyIndex, toInterval } from "../../../src/mvcc/key-index.js";
import { b } from "./helpers.js";

test("generations: get at every revision, tombstones, revBefore", () => {
  const ix = new KeyIndex();
  const k = b("k");
  ix.put(k, { main: 2, sub: 0 });
  ix.put(k, { main: 4, sub: 1 });
  ix.tombstone(k, { main: 6, sub: 0 });
  ix.put(k, { main: 8, sub: 0 });
  const e = ix.entry("k")!;
  assert.equal(e.get(1), undefined);
  assert.deepEqual(e.get(3), { rev: { main: 2, sub: 0 }, created: 2, version: 1 });
  assert.deepEqual(e.get(5), { rev: { main: 4, sub: 1 }, created: 2, version: 2 });
  assert.equal(e.get(6), undefined);
  assert.equal(e.get(7), undefined);
  assert.deepEqual(e.get(9), { rev: { main: 8, sub: 0 }, created: 8, version: 1 });
  assert.deepEqual(e.revBefore({ main: 8, sub: 0 }), { main: 6, sub: 0 });
  assert.deepEqual(e.revBefore({ main: 6, sub: 0 }), { main: 4, sub: 1 });
  assert.deepEqual(e.revBefore({ main: 4, sub: 1 }), { main: 2, sub: 0 });
  assert.equal(e.revBefore({ main: 2, sub: 0 }), undefined);
  assert.throws(() => ix.put(k, { main: 8, sub: 0 }), /not after/);
  assert.throws(() => ix.tombstone(b("nokey"), { main: 9, sub: 0 }), /unknown key/);
});

test("compaction keeps the newest live revision and true versions", () => {
  const ix = new KeyIndex();
  const k = b("k");
  for (let r = 2; r <= 6; r++) ix.put(k, { main: r, sub: 0 });
  ix.put(b("gone"), { main: 7, sub: 0 });
  ix.tombstone(b("gone"), { main: 8, sub: 0 });
  const dropped = ix.compact(8);
  assert.deepEqual(
    dropped.map((r) => r.main).sort((x, y) => x - y),
    [2, 3, 4, 5, 7, 8],
  );
  assert.equal(ix.size, 1);
  assert.deepEqual(ix.entry("k")!.get(8), { rev: { main: 6, sub: 0 }, created: 2, version: 5 });
  ix.put(k, { main: 9, sub: 0 });
  assert.equal(ix.entry("k")!.get(9)!.version, 6);
});

test("intervals: single, range, from-key; iteration in byte order", () => {
  const ix = new KeyIndex();
  for (const [i, k] of ["b", "a", "\xff", "ab", "\x00"].entries())
    ix.put(b(k), { main: i + 2, sub: 0 });
  const keys = (key: string, end?: string) =>
    ix
      .revisions(toInterval(b(key), end === undefined ? undefined : b(end)), 100)
      .map((r) => r.key.toString("latin1"));
  assert.deepEqual(keys("\x00", "\x00"), ["\x00", "a", "ab", "b", "\xff"]);
  assert.deepEqual(keys("a", "b"), ["a", "ab"]);
  assert.deepEqual(keys("ab"), ["ab"]);
  assert.deepEqual(keys("b", "\x00"), ["b", "\xff"]);
  assert.deepEqual(keys("c", "a"), []);
  assert.equal(ix.count(toInterval(b("a"), b("\x00")), 100), 4);
  assert.equal(ix.revisions(toInterval(b("\x00"), b("\x00")), 100, 2).length, 2);
});
