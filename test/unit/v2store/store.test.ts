import { test } from "node:test";
import assert from "node:assert/strict";
import {
  PERMANENT,
  V2Error,
  V2Store,
  encodeEvent,
  trimEventPrefix,
} from "../../../src/v2store/index.js";
import type { V2Event } from "../../../src/v2store/index.js";

const NOW = Date.UTC(2026, 10, 22, 22, 12, 52, 43);

/** A store whose user writes start at index 4, like a fresh one-member etcd. */
function freshStore(): V2Store {
  const s = new V2Store();
  s.internalCreate("/members/8e9e05c52164694d/raftAttributes", '{"peerURLs":["http://x:2380"]}');
  s.internalSet("/members/8e9e05c52164694d/attributes", '{"name":"default"}');
  s.internalSet("/version", "3.4.0");
  return s;
}

function body(e: V2Event): string {
  return encodeEvent(trimEventPrefix(e, "/1"));
}

function v2err(fn: () => unknown): V2Error {
  try {
    fn();
  } catch (err) {
    if (err instanceof V2Error) return err;
    throw err;
  }
  assert.fail("expected a V2Error");
}

function errJson(fn: () => unknown): string {
  const e = v2err(fn);
  const cause = e.cause.startsWith("/1") ? e.cause.slice(2) : e.cause;
  return new V2Error(e.errorCode, cause, e.index).toBody().trimEnd();
}

test("internal writes count: first user write is index 4, /0 is invisible under /1", () => {
  const s = freshStore();
  assert.equal(s.index, 3);
  const e = s.set("/1/foo", false, "bar", PERMANENT, NOW);
  assert.equal(
    body(e),
    '{"action":"set","node":{"key":"/foo","value":"bar","modifiedIndex":4,"createdIndex":4}}',
  );
  assert.equal(e.etcdIndex, 4);
  const root = s.get("/1", false, false, NOW);
  assert.equal(
    body(root),
    '{"action":"get","node":{"dir":true,"nodes":[{"key":"/foo","value":"bar","modifiedIndex":4,"createdIndex":4}]}}',
  );
});

test("set replaces with prevNode; create/update/CAS/CAD and their errors", () => {
  const s = freshStore();
  s.set("/1/foo", false, "bar", PERMANENT, NOW);
  const e = s.set("/1/foo", false, "baz", PERMANENT, NOW);
  assert.equal(
    body(e),
    '{"action":"set","node":{"key":"/foo","value":"baz","modifiedIndex":5,"createdIndex":5},' +
      '"prevNode":{"key":"/foo","value":"bar","modifiedIndex":4,"createdIndex":4}}',
  );
  assert.equal(
    errJson(() => s.create("/1/foo", false, "x", false, PERMANENT, NOW)),
    '{"errorCode":105,"message":"Key already exists","cause":"/foo","index":5}',
  );
  assert.equal(
    errJson(() => s.update("/1/nokey", "x", PERMANENT, NOW)),
    '{"errorCode":100,"message":"Key not found","cause":"/nokey","index":5}',
  );
  const u = s.update("/1/foo", "qux", PERMANENT, NOW);
  assert.equal(u.action, "update");
  assert.equal(u.node.modifiedIndex, 6);
  assert.equal(u.node.createdIndex, 5);
  assert.equal(
    errJson(() => s.compareAndSwap("/1/foo", "nope", 0, "v", PERMANENT, NOW)),
    '{"errorCode":101,"message":"Compare failed","cause":"[nope != qux]","index":6}',
  );
  assert.equal(
    errJson(() => s.compareAndSwap("/1/foo", "", 3, "v", PERMANENT, NOW)),
    '{"errorCode":101,"message":"Compare failed","cause":"[3 != 6]","index":6}',
  );
  assert.equal(
    errJson(() => s.compareAndSwap("/1/foo", "nope", 3, "v", PERMANENT, NOW)),
    '{"errorCode":101,"message":"Compare failed","cause":"[nope != qux] [3 != 6]","index":6}',
  );
  const cas = s.compareAndSwap("/1/foo", "qux", 6, "v7", PERMANENT, NOW);
  assert.equal(
    body(cas),
    '{"action":"compareAndSwap","node":{"key":"/foo","value":"v7","modifiedIndex":7,"createdIndex":5},' +
      '"prevNode":{"key":"/foo","value":"qux","modifiedIndex":6,"createdIndex":5}}',
  );
  assert.equal(
    errJson(() => s.compareAndDelete("/1/foo", "x", 0, NOW)),
    '{"errorCode":101,"message":"Compare failed","cause":"[x != v7]","index":7}',
  );
  const cad = s.compareAndDelete("/1/foo", "v7", 7, NOW);
  assert.equal(
    body(cad),
    '{"action":"compareAndDelete","node":{"key":"/foo","modifiedIndex":8,"createdIndex":5},' +
      '"prevNode":{"key":"/foo","value":"v7","modifiedIndex":7,"createdIndex":5}}',
  );
  assert.equal(s.index, 8);
});

test("directories: mkdir, not a file, not a directory, not empty, recursive delete", () => {
  const s = freshStore();
  const d = s.create("/1/dir1", true, "", false, PERMANENT, NOW);
  assert.equal(
    body(d),
    '{"action":"create","node":{"key":"/dir1","dir":true,"modifiedIndex":4,"createdIndex":4}}',
  );
  assert.equal(
    errJson(() => s.set("/1/dir1", true, "", PERMANENT, NOW)),
    '{"errorCode":102,"message":"Not a file","cause":"/dir1","index":4}',
  );
  s.set("/1/dir1/a", false, "1", PERMANENT, NOW);
  assert.equal(
    errJson(() => s.set("/1/dir1/a/b", false, "x", PERMANENT, NOW)),
    '{"errorCode":104,"message":"Not a directory","cause":"/dir1/a","index":5}',
  );
  assert.equal(
    errJson(() => s.get("/1/dir1/a/b", false, false, NOW)),
    '{"errorCode":104,"message":"Not a directory","cause":"/dir1/a","index":5}',
  );
  assert.equal(
    errJson(() => s.delete("/1/dir1", false, false, NOW)),
    '{"errorCode":102,"message":"Not a file","cause":"/dir1","index":5}',
  );
  assert.equal(
    errJson(() => s.delete("/1/dir1", true, false, NOW)),
    '{"errorCode":108,"message":"Directory not empty","cause":"/dir1","index":5}',
  );
  assert.equal(
    errJson(() => s.update("/1/dir1", "x", PERMANENT, NOW)),
    '{"errorCode":102,"message":"Not a file","cause":"/dir1","index":5}',
  );
  const del = s.delete("/1/dir1/a", false, false, NOW);
  assert.equal(
    body(del),
    '{"action":"delete","node":{"key":"/dir1/a","modifiedIndex":6,"createdIndex":5},' +
      '"prevNode":{"key":"/dir1/a","value":"1","modifiedIndex":5,"createdIndex":5}}',
  );
  s.set("/1/dir1/b/c", false, "deep", PERMANENT, NOW);
  const rd = s.delete("/1/dir1", false, true, NOW);
  assert.equal(
    body(rd),
    '{"action":"delete","node":{"key":"/dir1","dir":true,"modifiedIndex":8,"createdIndex":4},' +
      '"prevNode":{"key":"/dir1","dir":true,"modifiedIndex":4,"createdIndex":4}}',
  );
  assert.equal(
    errJson(() => s.get("/1/dir1/b/c", false, false, NOW)),
    '{"errorCode":100,"message":"Key not found","cause":"/dir1","index":8}',
  );
});

test("missing path error names the first missing prefix", () => {
  const s = freshStore();
  s.set("/1/q/a", false, "1", PERMANENT, NOW);
  assert.equal(
    errJson(() => s.get("/1/q/x/y/z", false, false, NOW)),
    '{"errorCode":100,"message":"Key not found","cause":"/q/x","index":4}',
  );
});

test("root and namespaces are read only (107)", () => {
  const s = freshStore();
  const ro = '{"errorCode":107,"message":"Root is read only","cause":"/","index":3}';
  assert.equal(
    errJson(() => s.set("/1", false, "x", PERMANENT, NOW)),
    ro,
  );
  assert.equal(
    errJson(() => s.set("/", false, "x", PERMANENT, NOW)),
    ro,
  );
  assert.equal(
    errJson(() => s.delete("/1", true, true, NOW)),
    ro,
  );
  assert.equal(
    errJson(() => s.update("/1", "", PERMANENT, NOW)),
    ro,
  );
  assert.equal(
    errJson(() => s.compareAndSwap("/1", "a", 0, "b", PERMANENT, NOW)),
    ro,
  );
  assert.equal(
    errJson(() => s.create("/1/", false, "x", false, PERMANENT, NOW)),
    ro,
  );
});

test("in-order keys are named by the 20-digit new index and list sorted", () => {
  const s = freshStore();
  s.set("/1/other", false, "o", PERMANENT, NOW);
  const a = s.create("/1/q", false, "job1", true, PERMANENT, NOW);
  const b = s.create("/1/q", false, "job2", true, PERMANENT, NOW);
  assert.equal(a.node.key, "/1/q/00000000000000000005");
  assert.equal(b.node.key, "/1/q/00000000000000000006");
  assert.equal(
    body(s.get("/1/q", false, true, NOW)),
    '{"action":"get","node":{"key":"/q","dir":true,"nodes":[' +
      '{"key":"/q/00000000000000000005","value":"job1","modifiedIndex":5,"createdIndex":5},' +
      '{"key":"/q/00000000000000000006","value":"job2","modifiedIndex":6,"createdIndex":6}],' +
      '"modifiedIndex":5,"createdIndex":5}}',
  );
  assert.equal(
    errJson(() => s.create("/1/other", false, "x", true, PERMANENT, NOW)),
    '{"errorCode":104,"message":"Not a directory","cause":"/other","index":6}',
  );
});

test("listings: hidden keys skipped, recursive and sorted", () => {
  const s = freshStore();
  for (const k of ["/d/c", "/d/a", "/d/_hidden", "/d/b/y", "/d/b/x"]) {
    s.set("/1" + k, false, k, PERMANENT, NOW);
  }
  const flat = s.get("/1/d", false, true, NOW);
  assert.deepEqual(
    flat.node.nodes!.map((n) => [n.key, n.dir ?? false, n.nodes === undefined]),
    [
      ["/1/d/a", false, true],
      ["/1/d/b", true, true],
      ["/1/d/c", false, true],
    ],
  );
  const deep = s.get("/1/d", true, true, NOW);
  assert.deepEqual(
    deep.node.nodes![1]!.nodes!.map((n) => n.key),
    ["/1/d/b/x", "/1/d/b/y"],
  );
  // Unsorted listings keep insertion order (the same on every member).
  assert.deepEqual(
    s.get("/1/d", false, false, NOW).node.nodes!.map((n) => n.key),
    ["/1/d/c", "/1/d/a", "/1/d/b"],
  );
  // A hidden key can still be read directly.
  assert.equal(s.get("/1/d/_hidden", false, false, NOW).node.value, "/d/_hidden");
});

test("TTL: expiration, ttl rounded up, update clears it, expiry emits expire", () => {
  const s = freshStore();
  const e = s.set("/1/ttlk", false, "x", { expireAtMs: NOW + 100_000 }, NOW);
  assert.equal(
    body(e),
    '{"action":"set","node":{"key":"/ttlk","value":"x","expiration":"2026-11-22T22:14:32.043Z",' +
      '"ttl":100,"modifiedIndex":4,"createdIndex":4}}',
  );
  assert.equal(s.get("/1/ttlk", false, false, NOW + 100).node.ttl, 100);
  assert.equal(s.get("/1/ttlk", false, false, NOW + 1000).node.ttl, 99);
  assert.equal(s.get("/1/ttlk", false, false, NOW + 1001).node.ttl, 99);
  assert.ok(s.hasTTLKeys());
  s.update("/1/ttlk", "y", PERMANENT, NOW);
  assert.ok(!s.hasTTLKeys());
  assert.equal(s.get("/1/ttlk", false, false, NOW).node.expirationMs, undefined);

  s.set("/1/t2", false, "v", { expireAtMs: NOW + 2000 }, NOW);
  assert.deepEqual(s.deleteExpiredKeys(NOW + 1999), []);
  const [ex] = s.deleteExpiredKeys(NOW + 2000);
  assert.equal(
    body(ex!),
    '{"action":"expire","node":{"key":"/t2","modifiedIndex":7,"createdIndex":6},' +
      '"prevNode":{"key":"/t2","value":"v","expiration":"2026-11-22T22:12:54.043Z","modifiedIndex":6,"createdIndex":6}}',
  );
  assert.equal(s.stats.get("expireCount"), 1);
  assert.equal(s.index, 7);
});

test("TTL directory expiry removes its subtree", () => {
  const s = freshStore();
  s.create("/1/svc", true, "", false, { expireAtMs: NOW + 5000 }, NOW);
  s.set("/1/svc/a", false, "1", PERMANENT, NOW);
  s.set("/1/svc/b", false, "2", { expireAtMs: NOW + 9000 }, NOW);
  const events = s.deleteExpiredKeys(NOW + 5000);
  assert.equal(events.length, 1);
  assert.equal(events[0]!.node.dir, true);
  assert.ok(!s.hasTTLKeys(), "the child's TTL went with the directory");
  assert.equal(v2err(() => s.get("/1/svc", false, false, NOW)).errorCode, 100);
});

test("ttl before the year 2000 means permanent", () => {
  const s = freshStore();
  const e = s.set("/1/k", false, "x", { expireAtMs: 1000 }, NOW);
  assert.equal(e.node.ttl, undefined);
  assert.ok(!s.hasTTLKeys());
});

test("refresh: keeps value, new TTL, bumps index, no watcher notification", async () => {
  const s = freshStore();
  s.set("/1/r", false, "val", { expireAtMs: NOW + 5000 }, NOW);
  const w = s.watch("/1/r");
  const ref = s.update("/1/r", "", { expireAtMs: NOW + 50_000, refresh: true }, NOW);
  assert.equal(ref.node.value, "val");
  assert.equal(ref.node.ttl, 50);
  assert.equal(ref.refresh, true);
  const viaSet = s.set("/1/r", false, "", { expireAtMs: NOW + 60_000, refresh: true }, NOW);
  assert.equal(viaSet.node.value, "val");
  assert.equal(viaSet.node.createdIndex, 6, "a set-refresh recreates the node, as etcd");
  assert.equal(
    errJson(() => s.set("/1/missing", false, "", { expireAtMs: NOW + 1, refresh: true }, NOW)),
    '{"errorCode":100,"message":"Key not found","cause":"/missing","index":6}',
  );
  // The watcher sees the next real change, not the refreshes.
  s.set("/1/r", false, "changed", PERMANENT, NOW);
  const ev = await w.next();
  assert.equal(ev!.node.value, "changed");
  assert.equal(ev!.node.modifiedIndex, 7);
  // History look-ups skip refresh events too.
  const hw = s.watch("/1/r", { sinceIndex: 5 });
  assert.equal((await hw.next())!.node.modifiedIndex, 7);
});

test("stats count successes and failures like etcd (incl. the double setsFail)", () => {
  const s = new V2Store();
  s.set("/1/f", false, "1", PERMANENT, NOW);
  s.get("/1/f", false, false, NOW);
  v2err(() => s.get("/1/nope", false, false, NOW));
  v2err(() => s.set("/1/f/x", false, "1", PERMANENT, NOW));
  v2err(() => s.create("/1/f", false, "1", false, PERMANENT, NOW));
  assert.equal(
    s.statsBody(),
    '{"getsSuccess":1,"getsFail":1,"setsSuccess":1,"setsFail":1,"deleteSuccess":0,"deleteFail":0,' +
      '"updateSuccess":0,"updateFail":0,"createSuccess":0,"createFail":1,"compareAndSwapSuccess":0,' +
      '"compareAndSwapFail":0,"compareAndDeleteSuccess":0,"compareAndDeleteFail":0,"expireCount":0,"watchers":0}',
  );
});

test("JSON string escaping follows Go", () => {
  const s = new V2Store();
  const e = s.set("/1/k", false, "<a&b>\u2028", PERMANENT, NOW);
  assert.equal(
    body(e),
    '{"action":"set","node":{"key":"/k","value":"\\u003ca\\u0026b\\u003e\\u2028","modifiedIndex":1,"createdIndex":1}}',
  );
});
