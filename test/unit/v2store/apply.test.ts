import { test } from "node:test";
import assert from "node:assert/strict";
import { V2Store, applyV2Request, v2Request } from "../../../src/v2store/index.js";
import type { V2Request } from "../../../src/v2store/index.js";

const T0 = Date.UTC(2026, 5, 1);

/** A small seeded PRNG (mulberry32) so a failing seed reproduces. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomRequests(seed: number, count: number): V2Request[] {
  const rnd = prng(seed);
  const pick = <T>(xs: T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const keys = ["/1/a", "/1/b", "/1/d/x", "/1/d/y", "/1/d/e/z", "/1/q", "/1/_h"];
  const out: V2Request[] = [];
  let now = T0;
  for (let i = 0; i < count; i++) {
    now += Math.floor(rnd() * 700);
    const path = pick(keys);
    const ttl = rnd() < 0.3 ? now + Math.floor(rnd() * 4000) : 0;
    const kind = pick([
      "set",
      "create",
      "update",
      "cas",
      "del",
      "rdel",
      "post",
      "sync",
      "qget",
      "dir",
    ]);
    const base = { timeMs: now, expirationMs: ttl };
    switch (kind) {
      case "set":
        out.push(v2Request("PUT", path, { ...base, val: `v${i}` }));
        break;
      case "create":
        out.push(v2Request("PUT", path, { ...base, val: `c${i}`, prevExist: false }));
        break;
      case "update":
        out.push(
          v2Request("PUT", path, { ...base, val: `u${i}`, prevExist: true, refresh: rnd() < 0.3 }),
        );
        break;
      case "cas":
        out.push(
          v2Request("PUT", path, { ...base, val: `s${i}`, prevIndex: Math.floor(rnd() * i) + 1 }),
        );
        break;
      case "del":
        out.push(v2Request("DELETE", path, { timeMs: now }));
        break;
      case "rdel":
        out.push(v2Request("DELETE", "/1/d", { timeMs: now, recursive: true }));
        break;
      case "post":
        out.push(v2Request("POST", "/1/q", { ...base, val: `job${i}` }));
        break;
      case "sync":
        out.push(v2Request("SYNC", "", { timeMs: now }));
        break;
      case "qget":
        out.push(v2Request("QGET", "/1/d", { timeMs: now, recursive: true, sorted: true }));
        break;
      case "dir":
        out.push(v2Request("PUT", "/1/d/e", { ...base, dir: true }));
        break;
    }
  }
  return out;
}

test("two stores applying the same requests end identical (TTL expiry included)", () => {
  for (const seed of [1, 2, 3, 42, 1234]) {
    const a = new V2Store();
    const b = new V2Store();
    const reqs = randomRequests(seed, 600);
    for (const r of reqs) {
      // Requests travel through raft as JSON.
      const copy = JSON.parse(JSON.stringify(r)) as V2Request;
      const ra = applyV2Request(a, r);
      const rb = applyV2Request(b, copy);
      assert.deepEqual(
        JSON.parse(JSON.stringify(ra)),
        JSON.parse(JSON.stringify(rb)),
        `seed ${seed}`,
      );
    }
    assert.deepEqual(a.toJSON(), b.toJSON(), `seed ${seed}`);
    assert.ok(a.stats.get("expireCount") > 0, `seed ${seed} exercised expiry`);
  }
});

test("snapshot round trip restores index, tree, TTLs, history and stats", () => {
  const a = new V2Store();
  const reqs = randomRequests(7, 400);
  const half = reqs.slice(0, 200);
  for (const r of half) applyV2Request(a, r);
  const snap = JSON.parse(JSON.stringify(a.toJSON())) as ReturnType<V2Store["toJSON"]>;
  const b = V2Store.fromJSON(snap);
  assert.deepEqual(b.toJSON(), a.toJSON());
  assert.equal(b.index, a.index);
  assert.equal(b.hasTTLKeys(), a.hasTTLKeys());
  assert.equal(b.nextExpiryMs(), a.nextExpiryMs());
  for (const r of reqs.slice(200)) {
    assert.deepEqual(
      JSON.parse(JSON.stringify(applyV2Request(a, r))),
      JSON.parse(JSON.stringify(applyV2Request(b, r))),
    );
  }
  assert.deepEqual(b.toJSON(), a.toJSON());
});

test("the request table: prevExist, prevValue/prevIndex, POST, DELETE variants", () => {
  const s = new V2Store();
  const put = (f: Partial<V2Request>) => applyV2Request(s, v2Request("PUT", "/1/k", f));
  assert.equal(put({ val: "a", prevExist: true }).error?.errorCode, 100);
  assert.equal(put({ val: "a", prevExist: false }).event?.action, "create");
  assert.equal(put({ val: "b" }).event?.action, "set");
  assert.equal(put({ val: "c", prevExist: true }).event?.action, "update");
  assert.equal(put({ val: "d", prevValue: "c" }).event?.action, "compareAndSwap");
  assert.equal(put({ val: "e", prevExist: true, prevIndex: 4 }).event?.action, "compareAndSwap");
  assert.equal(put({ val: "f", prevExist: false }).error?.errorCode, 105);
  const post = applyV2Request(s, v2Request("POST", "/1/q", { val: "j" }));
  assert.equal(post.event?.action, "create");
  assert.equal(post.event?.node.key, "/1/q/00000000000000000006");
  const cad = applyV2Request(s, v2Request("DELETE", "/1/k", { prevValue: "nope" }));
  assert.equal(cad.error?.errorCode, 101);
  assert.equal(
    applyV2Request(s, v2Request("DELETE", "/1/k", { prevIndex: 5 })).event?.action,
    "compareAndDelete",
  );
  assert.equal(applyV2Request(s, v2Request("DELETE", "/1/q")).error?.errorCode, 102);
  assert.equal(
    applyV2Request(s, v2Request("DELETE", "/1/q", { recursive: true })).event?.action,
    "delete",
  );
  assert.deepEqual(applyV2Request(s, v2Request("SYNC", "", { timeMs: T0 })), {});
  assert.equal(applyV2Request(s, v2Request("QGET", "/1")).event?.action, "get");
});
