import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { EtcdError } from "../../../src/errors.js";
import { MvccStore } from "../../../src/mvcc/store.js";
import {
  Lessor,
  LeaseIdGenerator,
  formatLeaseId,
  defaultMinTtlSec,
} from "../../../src/lease/index.js";
import type { LessorOptions } from "../../../src/lease/index.js";

const b = (s: string) => Buffer.from(s);
let idx = 0;

function setup(opts: LessorOptions = {}) {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "tsctl-lease-")), "db");
  const clock = { ms: 1_000_000 };
  const store = MvccStore.open(file, { watch: { autoSync: false } });
  const lessor = new Lessor(store, { nowMs: () => clock.ms, ...opts });
  return { file, clock, store, lessor };
}

function rejects(fn: () => unknown, text: string, code: number): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof EtcdError, String(e));
    assert.equal(e.message, text);
    assert.equal(e.code, code);
    return true;
  });
}

test("grant: min TTL, too large, already exists, id 0", () => {
  const { store, lessor } = setup();
  try {
    assert.equal(lessor.minTtlSec, 2);
    assert.equal(defaultMinTtlSec(5000), 8);
    const g = store.applyBatch(++idx, (w) => lessor.grant(w, 100n, 1));
    assert.deepEqual(g, { id: 100n, ttlSec: 2 });
    assert.equal(store.applyBatch(++idx, (w) => lessor.grant(w, 101n, 60)).ttlSec, 60);
    rejects(
      () => store.applyBatch(++idx, (w) => lessor.grant(w, 102n, 9_000_000_001)),
      "etcdserver: too large lease TTL",
      11,
    );
    store.applyBatch(++idx, (w) => lessor.grant(w, 103n, 9_000_000_000));
    rejects(
      () => store.applyBatch(++idx, (w) => lessor.grant(w, 100n, 10)),
      "etcdserver: lease already exists",
      9,
    );
    rejects(
      () => store.applyBatch(++idx, (w) => lessor.grant(w, 0n, 10)),
      "etcdserver: requested lease not found",
      5,
    );
    assert.deepEqual(lessor.leases(), [100n, 101n, 103n]);
    assert.equal(store.currentRevision, 1); // lease ops alone do not move the revision
    assert.throws(() => lessor.grant(undefined as never, 5n, 5), /inside store.applyBatch/);
  } finally {
    store.close();
  }
});

test("keys attach on put, detach on re-put/delete; revoke deletes them in one revision", () => {
  const { store, lessor } = setup();
  try {
    store.applyBatch(++idx, (w) => {
      lessor.grant(w, 7n, 30);
      w.put({ key: b("a"), value: b("1"), lease: 7n });
      w.put({ key: b("b"), value: b("1"), lease: 7n });
      w.put({ key: b("c"), value: b("1"), lease: 7n });
      w.put({ key: b("d"), value: b("1") });
    });
    store.applyBatch(++idx, (w) => {
      w.put({ key: b("c"), value: b("2") }); // detached
      w.deleteRange({ key: b("b") }); // detached
    });
    assert.deepEqual(lessor.timeToLive(7n, true)!.keys, [b("a")]);
    const rev = store.currentRevision;
    const r = store.applyBatch(++idx, (w) => lessor.revoke(w, 7n));
    assert.deepEqual(r, { revision: rev + 1, deleted: 1 });
    assert.equal(store.range({ key: b("a") }).count, 0);
    assert.equal(store.range({ key: b("c") }).count, 1);
    assert.equal(lessor.has(7n), false);
    rejects(
      () => store.applyBatch(++idx, (w) => lessor.revoke(w, 7n)),
      "etcdserver: requested lease not found",
      5,
    );
    rejects(
      () => store.applyBatch(++idx, (w) => w.put({ key: b("x"), lease: 7n })),
      "etcdserver: requested lease not found",
      5,
    );
    // revoking a lease without keys does not move the revision
    const before = store.currentRevision;
    store.applyBatch(++idx, (w) => lessor.grant(w, 8n, 30));
    assert.equal(store.applyBatch(++idx, (w) => lessor.revoke(w, 8n)).revision, before);
  } finally {
    store.close();
  }
});

test("expiry is driven by the primary only, with promotion extension and retry", () => {
  const { store, lessor, clock } = setup({ expiredRetryMs: 3000 });
  try {
    store.applyBatch(++idx, (w) => {
      lessor.grant(w, 1n, 10);
      lessor.grant(w, 2n, 20);
    });
    clock.ms += 60_000;
    assert.deepEqual(lessor.expiredLeases(), []); // not leader: nothing expires
    rejects(() => lessor.renew(1n), "etcdserver: not leader", 9);
    lessor.promote(1000);
    clock.ms += 10_500;
    assert.deepEqual(lessor.expiredLeases(), []);
    clock.ms += 600;
    assert.deepEqual(lessor.expiredLeases(), [1n]);
    assert.deepEqual(lessor.expiredLeases(), []); // reported once per retry interval
    rejects(() => lessor.renew(1n), "etcdserver: requested lease not found", 5);
    clock.ms += 3000;
    assert.deepEqual(lessor.expiredLeases(), [1n]);
    store.applyBatch(++idx, (w) => lessor.revoke(w, 1n));
    // renew restarts the clock
    assert.equal(lessor.renew(2n), 20);
    clock.ms += 19_000;
    assert.equal(lessor.timeToLive(2n)!.ttlSec, 1);
    assert.deepEqual(lessor.expiredLeases(), []);
    lessor.demote();
    clock.ms += 100_000;
    assert.deepEqual(lessor.expiredLeases(), []);
    assert.equal(lessor.timeToLive(2n)!.ttlSec, 20);
    assert.equal(lessor.timeToLive(99n), undefined);
  } finally {
    store.close();
  }
});

test("time to live: remaining truncated, granted TTL, keys", () => {
  const { store, lessor, clock } = setup();
  try {
    lessor.promote(0);
    store.applyBatch(++idx, (w) => {
      lessor.grant(w, 5n, 100);
      w.put({ key: b("lk"), value: b("v"), lease: 5n });
    });
    clock.ms += 300;
    assert.deepEqual(lessor.timeToLive(5n, true), {
      id: 5n,
      ttlSec: 99,
      grantedTtlSec: 100,
      keys: [b("lk")],
    });
    assert.deepEqual(lessor.timeToLive(5n)!.keys, []);
  } finally {
    store.close();
  }
});

test("checkpoints carry remaining TTLs across a leader change", () => {
  const leader = setup({ checkpointIntervalMs: 60_000 });
  const follower = setup({ checkpointIntervalMs: 60_000 });
  try {
    for (const m of [leader, follower]) {
      m.store.applyBatch(1, (w) => {
        m.lessor.grant(w, 1n, 600);
        m.lessor.grant(w, 2n, 30); // shorter than the interval: not checkpointed
      });
    }
    leader.lessor.promote(0);
    assert.deepEqual(leader.lessor.takeCheckpoints(), []);
    leader.clock.ms += 60_000;
    const cps = leader.lessor.takeCheckpoints();
    assert.deepEqual(cps, [{ id: 1n, remainingTtlSec: 540 }]);
    assert.deepEqual(follower.lessor.takeCheckpoints(), []); // followers don't checkpoint
    for (const m of [leader, follower])
      m.store.applyBatch(2, (w) => m.lessor.applyCheckpoints(w, cps));
    // leader fails; the follower takes over and extends by the election timeout
    leader.lessor.demote();
    follower.lessor.promote(1000);
    assert.equal(follower.lessor.timeToLive(1n)!.ttlSec, 541);
    follower.clock.ms += 541_001;
    assert.deepEqual(follower.lessor.expiredLeases(), [2n, 1n]);
    // renewing clears the stale checkpoint through raft
    const f2 = follower.lessor;
    follower.clock.ms = 0;
    follower.store.applyBatch(3, (w) => f2.applyCheckpoints(w, [{ id: 1n, remainingTtlSec: 5 }]));
    assert.equal(f2.renew(1n), 600);
    assert.deepEqual(f2.takeCheckpoints(), [{ id: 1n, remainingTtlSec: 0 }]);
  } finally {
    leader.store.close();
    follower.store.close();
  }
});

test("restart restores leases, attached keys and checkpoints", () => {
  const { store, lessor, file } = setup();
  store.applyBatch(++idx, (w) => {
    lessor.grant(w, 9n, 100);
    lessor.grant(w, 0x7fff_ffff_ffff_ffffn, 50);
    w.put({ key: b("k1"), value: b("v"), lease: 9n });
    w.put({ key: b("k2"), value: b("v"), lease: 0x7fff_ffff_ffff_ffffn });
    lessor.applyCheckpoints(w, [{ id: 9n, remainingTtlSec: 42 }]);
  });
  store.close();
  const again = MvccStore.open(file, { watch: { autoSync: false } });
  try {
    const l2 = new Lessor(again, { nowMs: () => 0 });
    assert.deepEqual(l2.leases(), [9n, 0x7fff_ffff_ffff_ffffn]);
    assert.deepEqual(l2.timeToLive(9n, true), {
      id: 9n,
      ttlSec: 42,
      grantedTtlSec: 100,
      keys: [b("k1")],
    });
    assert.deepEqual(l2.timeToLive(0x7fff_ffff_ffff_ffffn, true)!.keys, [b("k2")]);
    assert.equal(again.range({ key: b("k2") }).kvs[0]!.lease, 0x7fff_ffff_ffff_ffffn);
    l2.promote(0);
    assert.equal(l2.timeToLive(9n)!.ttlSec, 42);
    const r = again.applyBatch(++idx, (w) => l2.revoke(w, 9n));
    assert.equal(r.deleted, 1);
  } finally {
    again.close();
  }
});

test("a rolled-back batch leaves no lease behind", () => {
  const { store, lessor } = setup();
  try {
    assert.throws(() =>
      store.applyBatch(++idx, (w) => {
        lessor.grant(w, 3n, 10);
        w.put({ key: b("k"), value: b("v"), lease: 3n });
        throw new Error("crash in the middle");
      }),
    );
    assert.equal(lessor.has(3n), false);
    assert.equal(store.range({ key: b("k") }).count, 0);
    store.applyBatch(++idx, (w) => lessor.grant(w, 3n, 10));
    assert.equal(lessor.has(3n), true);
  } finally {
    store.close();
  }
});

test("lease id generator follows etcd's layout", () => {
  const memberId = 0x8e9e05c52164694dn;
  const nowMs = 1_700_000_000_123;
  const g = new LeaseIdGenerator(memberId, nowMs);
  const first = g.next();
  const expected = (0x694dn << 48n) | ((BigInt(nowMs) & ((1n << 40n) - 1n)) << 8n) | 1n;
  assert.equal(first, expected);
  assert.equal(g.next(), expected + 1n);
  // top bit cleared
  const hi = new LeaseIdGenerator(0xffffn, nowMs).next();
  assert.ok(hi > 0n && hi < 1n << 63n);
  assert.equal(formatLeaseId(0x1e98a2054f915b2dn), "1e98a2054f915b2d");
  assert.equal(formatLeaseId(5n), "0000000000000005");
});

test("promotion spreads a pile-up of expiries over time", () => {
  const { store, lessor, clock } = setup({ revokeRatePerSec: 100 });
  try {
    store.applyBatch(++idx, (w) => {
      for (let i = 1; i <= 300; i++) lessor.grant(w, BigInt(i), 10);
    });
    lessor.promote(0);
    clock.ms += 10_000;
    const firstSecond = lessor.expiredLeases(10_000).length;
    assert.ok(firstSecond <= 76, `expired at once: ${firstSecond}`);
    clock.ms += 10_000; // the rest expired too; the first ones are due for a retry
    assert.equal(lessor.expiredLeases(10_000).length, 300);
    clock.ms += 3_000;
    assert.equal(lessor.expiredLeases().length, 50); // default limit: half the rate
  } finally {
    store.close();
  }
});

test("close detaches the lessor so a replacement can take over the store", () => {
  const { store, lessor } = setup();
  try {
    store.applyBatch(++idx, (w) => lessor.grant(w, 1n, 10));
    lessor.close();
    const next = new Lessor(store);
    assert.deepEqual(next.leases(), [1n]);
    store.applyBatch(++idx, (w) => w.put({ key: b("k"), value: b("v"), lease: 1n }));
    assert.deepEqual(next.timeToLive(1n, true)!.keys, [b("k")]);
  } finally {
    store.close();
  }
});
