import { test } from "node:test";
import assert from "node:assert/strict";
import {
  computeClusterId,
  computeMemberId,
  idToDecimal,
  idToHex,
  idToHex16,
  idToHexSpacePadded,
  parseDecimalId,
  parseHexId,
} from "../../../src/membership/ids.js";

test("default single member: etcd's well-known member and cluster ids", () => {
  const id = computeMemberId(["http://localhost:2380"], "etcd-cluster");
  assert.equal(idToHex(id), "8e9e05c52164694d");
  assert.equal(idToHex(computeClusterId([id])), "cdf818194e3a8c32");
});

// Captured from real etcd 3.4.23 (`etcdctl member list -w json`).
test("custom URL and token match a real etcd member", () => {
  const id = computeMemberId(["http://127.0.0.1:12380"], "tok-a");
  assert.equal(idToDecimal(id), "2495916445148611745");
  assert.equal(idToDecimal(computeClusterId([id])), "13914448382131177721");
});

test("several peer URLs are sorted before hashing (real etcd vector)", () => {
  const a = computeMemberId(["http://127.0.0.1:12382", "http://127.0.0.1:12381"], "tok-b");
  const b = computeMemberId(["http://127.0.0.1:12381", "http://127.0.0.1:12382"], "tok-b");
  assert.equal(a, b);
  assert.equal(idToDecimal(a), "16651415594803242201");
  assert.equal(idToDecimal(computeClusterId([a])), "14690725339487877793");
});

test("cluster id does not depend on member order", () => {
  const ids = ["a", "b", "c"].map((n, i) => computeMemberId([`http://10.0.0.${i}:2380`], n));
  assert.equal(computeClusterId(ids), computeClusterId([...ids].reverse()));
});

test("run-time adds mix in the unix seconds", () => {
  const base = computeMemberId(["http://10.0.0.9:2380"], "");
  const t1 = computeMemberId(["http://10.0.0.9:2380"], "", 1_700_000_000);
  const t2 = computeMemberId(["http://10.0.0.9:2380"], "", 1_700_000_001);
  assert.notEqual(base, t1);
  assert.notEqual(t1, t2);
  assert.throws(() => computeMemberId(["http://x:1"], "", 1.5));
});

test("formatting helpers", () => {
  const id = 0x0e6480ac06d6dcccn;
  assert.equal(idToHex(id), "e6480ac06d6dccc");
  assert.equal(idToHex16(id), "0e6480ac06d6dccc");
  assert.equal(idToHexSpacePadded(id), " e6480ac06d6dccc");
  assert.equal(idToDecimal(17227010664766480024n), "17227010664766480024");
  assert.equal(parseHexId("8e9e05c52164694d"), 10276657743932975437n);
  assert.equal(parseDecimalId("18446744073709551615"), (1n << 64n) - 1n);
  assert.throws(() => parseDecimalId("18446744073709551616"));
  assert.throws(() => parseHexId("xyz"));
  assert.throws(() => idToHex(-1n));
});
