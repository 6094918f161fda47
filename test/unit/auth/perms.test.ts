import { test } from "node:test";
import assert from "node:assert/strict";
import { IntervalSet, mergePermissions, PermType } from "../../../src/auth/perms.js";

const b = (s: string) => Buffer.from(s, "latin1");
const ALL = b("\x00");
const ONE = b("");

function set(...grants: Array<[string, string]>): IntervalSet {
  const s = new IntervalSet();
  for (const [k, e] of grants) s.add(b(k), b(e));
  return s;
}

test("a single-key grant covers that key only", () => {
  const s = set(["k", ""]);
  assert.ok(s.covers(b("k"), ONE));
  assert.ok(!s.covers(b("k1"), ONE));
  assert.ok(!s.covers(b("j"), ONE));
  // the range [k, k\x00) is exactly the key
  assert.ok(s.covers(b("k"), b("k\x00")));
  assert.ok(!s.covers(b("k"), b("l")));
});

test("a range grant covers keys and sub-ranges inside [key, end)", () => {
  const s = set(["/a/", "/a0"]);
  assert.ok(s.covers(b("/a/"), ONE));
  assert.ok(s.covers(b("/a/x/y"), ONE));
  assert.ok(!s.covers(b("/a0"), ONE));
  assert.ok(!s.covers(b("/a"), ONE));
  assert.ok(s.covers(b("/a/"), b("/a0")));
  assert.ok(s.covers(b("/a/b"), b("/a/c")));
  assert.ok(!s.covers(b("/a/"), b("/a1")));
  assert.ok(!s.covers(b("/"), b("/a0")));
  // an open-ended request is never inside a bounded grant
  assert.ok(!s.covers(b("/a/"), ALL));
});

test("an open-ended grant (--from-key) covers everything from its key", () => {
  const s = set(["m", "\x00"]);
  assert.ok(s.covers(b("m"), ONE));
  assert.ok(s.covers(b("\xff\xff"), ONE));
  assert.ok(!s.covers(b("l"), ONE));
  assert.ok(s.covers(b("n"), ALL));
  assert.ok(s.covers(b("m"), b("z")));
  assert.ok(!s.covers(b("a"), ALL));
});

test("adjacent and overlapping grants combine; a gap breaks coverage", () => {
  const s = set(["a", "c"], ["c", "e"], ["d", "g"]);
  assert.ok(s.covers(b("a"), b("g")));
  assert.ok(s.covers(b("b"), b("f")));
  assert.ok(!s.covers(b("a"), b("h")));
  const gap = set(["a", "c"], ["d", "g"]);
  assert.ok(!gap.covers(b("a"), b("e")));
  assert.ok(gap.covers(b("d"), b("e")));
  // key "" with end "\x00" is the whole keyspace
  assert.ok(set(["", "\x00"]).covers(b("\x00"), ALL));
  assert.ok(set(["\x00", "\x00"]).covers(b("\x00"), ALL));
});

test("an inverted or empty request range needs its first key only", () => {
  const s = set(["k", ""]);
  assert.ok(s.covers(b("k"), b("a")));
  assert.ok(!set(["x", ""]).covers(b("k"), b("a")));
});

test("merged permissions split READ, WRITE and READWRITE", () => {
  const m = mergePermissions([
    { permType: PermType.READ, key: b("r"), rangeEnd: ONE },
    { permType: PermType.WRITE, key: b("w"), rangeEnd: ONE },
    { permType: PermType.READWRITE, key: b("rw/"), rangeEnd: b("rw0") },
  ]);
  assert.ok(m.read.covers(b("r"), ONE));
  assert.ok(!m.write.covers(b("r"), ONE));
  assert.ok(m.write.covers(b("w"), ONE));
  assert.ok(!m.read.covers(b("w"), ONE));
  assert.ok(m.read.covers(b("rw/x"), ONE) && m.write.covers(b("rw/x"), ONE));
  assert.equal(m.read.size, 2);
  assert.equal(m.write.size, 2);
});
