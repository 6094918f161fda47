import { test } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import { EtcdError, etcdError } from "../../../src/errors.js";
import { AutoCompactor } from "../../../src/mvcc/auto-compactor.js";
import {
  DEFAULT_QUOTA_BACKEND_BYTES,
  exceedsQuota,
  requestCostBytes,
  txnCostBytes,
} from "../../../src/mvcc/quota.js";
import { MvccStore } from "../../../src/mvcc/store.js";
import type { WriteTxn } from "../../../src/mvcc/store.js";
import { Lessor } from "../../../src/lease/lessor.js";
import { b, openTmp, tmpDir } from "./helpers.js";

function history(w: WriteTxn, n: number): void {
  for (let i = 0; i < n; i++) w.put({ key: b(`k${i % 7}`), value: b(`v${i}`) });
  w.deleteRange({ key: b("k3") });
  w.txn({ success: [{ requestPut: { key: b("t"), value: b("x") } }] });
}

test("hash and hashKV are deterministic across stores with the same history", () => {
  const one = openTmp().store;
  const two = openTmp().store;
  try {
    one.applyBatch(1, (w) => history(w, 30));
    // same requests in different batches / raft indexes
    for (let i = 0; i < 30; i++) {
      two.applyBatch(100 + i, (w) => w.put({ key: b(`k${i % 7}`), value: b(`v${i}`) }));
    }
    two.applyBatch(200, (w) => {
      w.deleteRange({ key: b("k3") });
      w.txn({ success: [{ requestPut: { key: b("t"), value: b("x") } }] });
    });
    assert.equal(one.hash(), two.hash());
    assert.deepEqual(one.hashKV(0), two.hashKV(0));
    assert.deepEqual(one.hashKV(10), two.hashKV(10));
    assert.notEqual(one.hashKV(10).hash, one.hashKV(11).hash);
    assert.equal(one.hashKV(0).compactRevision, -1);
    assert.equal(one.hashKV(0).revision, 33);
    for (const s of [one, two]) s.applyBatch(300, (w) => w.compact(20));
    assert.deepEqual(one.hashKV(25), two.hashKV(25));
    assert.equal(one.hashKV(25).compactRevision, 20);
    assert.throws(
      () => one.hashKV(20),
      (e) => e instanceof EtcdError && e.message === etcdError("Compacted").message,
    );
    assert.throws(
      () => one.hashKV(99),
      (e) => e instanceof EtcdError && e.message === etcdError("FutureRev").message,
    );
    two.applyBatch(301, (w) => w.put({ key: b("extra"), value: b("") }));
    assert.notEqual(one.hash(), two.hash());
  } finally {
    one.close();
    two.close();
  }
});

test("snapshot bytes restore into an identical store, leases included", () => {
  const { store } = openTmp();
  const lessor = new Lessor(store);
  store.applyBatch(42, (w) => {
    history(w, 20);
    lessor.grant(w, 77n, 60);
    w.put({ key: b("leased"), value: b("v"), lease: 77n });
  });
  const bytes = store.snapshotBytes();
  const restored = MvccStore.restoreFrom(bytes, path.join(tmpDir(), "db"));
  try {
    assert.equal(restored.currentRevision, store.currentRevision);
    assert.equal(restored.consistentIndex(), 42);
    assert.equal(restored.hash(), store.hash());
    assert.deepEqual(
      restored.range({ key: b("\x00"), rangeEnd: b("\x00") }),
      store.range({ key: b("\x00"), rangeEnd: b("\x00") }),
    );
    const l2 = new Lessor(restored);
    assert.deepEqual(l2.leases(), [77n]);
    assert.deepEqual(l2.timeToLive(77n, true)!.keys, [b("leased")]);
    restored.applyBatch(43, (w) => w.put({ key: b("after"), value: b("1") }));
  } finally {
    restored.close();
    store.close();
  }
});

test("db size, size in use and defragment", () => {
  const { store } = openTmp();
  try {
    const big = Buffer.alloc(4096, 1);
    store.applyBatch(1, (w) => {
      for (let i = 0; i < 200; i++) w.put({ key: b(`key${i}`), value: big });
    });
    store.applyBatch(2, (w) => w.deleteRange({ key: b("key"), rangeEnd: b("kez") }));
    store.applyBatch(3, (w) => w.compact(w.currentRevision));
    assert.equal(store.purgeCompacted(), 0);
    const size = store.dbSizeBytes();
    assert.ok(size > 200 * 4096, `size ${size}`);
    assert.ok(store.dbSizeInUseBytes() < size);
    store.defragment();
    assert.ok(store.dbSizeBytes() < size);
    assert.equal(store.dbSizeInUseBytes(), store.dbSizeBytes());
    assert.equal(store.currentRevision, 202);
  } finally {
    store.close();
  }
});

test("quota: costs and the exceed rule", () => {
  assert.equal(requestCostBytes({ put: { key: b("abc"), value: b("12345") } }), 256 + 8);
  assert.equal(requestCostBytes({ leaseGrant: true }), 64);
  assert.equal(requestCostBytes({ other: true }), 0);
  assert.equal(
    txnCostBytes({
      success: [{ requestPut: { key: b("a"), value: b("1") } }],
      failure: [
        { requestPut: { key: b("a"), value: b("1") } },
        { requestPut: { key: b("b"), value: b("1") } },
      ],
    }),
    2 * 258,
  );
  assert.equal(exceedsQuota(1000, 100, 1100), true);
  assert.equal(exceedsQuota(999, 100, 1100), false);
  assert.equal(exceedsQuota(5000, 0, 1100), false);
  assert.equal(exceedsQuota(DEFAULT_QUOTA_BACKEND_BYTES - 10, 10, 0), true);
  assert.equal(exceedsQuota(DEFAULT_QUOTA_BACKEND_BYTES - 11, 10, 0), false);
});

test("auto compaction, periodic: first after the retention, then every interval", async () => {
  let now = 0;
  let rev = 1;
  const asked: number[] = [];
  const hourMs = 3_600_000;
  const ac = new AutoCompactor({
    mode: "periodic",
    retention: hourMs,
    currentRevision: () => rev,
    compact: (r) => void asked.push(r),
    nowMs: () => now,
  });
  assert.equal(ac.intervalMs, 360_000);
  for (let i = 1; i <= 12; i++) {
    now += ac.intervalMs;
    rev += 10; // revision at minute 6*i is 1 + 10*i
    await ac.tick();
  }
  // at 60 min: compact to the revision from 60 min ago; then each 6 min the next sample
  assert.deepEqual(asked, [1, 11, 21]);
  const short = new AutoCompactor({
    mode: "periodic",
    retention: 5 * 60_000,
    currentRevision: () => 1,
    compact: () => undefined,
    nowMs: () => 0,
  });
  assert.equal(short.intervalMs, 30_000);
  const long = new AutoCompactor({
    mode: "periodic",
    retention: 10 * hourMs,
    currentRevision: () => 1,
    compact: () => undefined,
  });
  assert.equal(long.intervalMs, 360_000);
});

test("auto compaction, revision: keeps the last N, skips repeats, tolerates compacted", async () => {
  let rev = 5;
  const asked: number[] = [];
  const ac = new AutoCompactor({
    mode: "revision",
    retention: 10,
    currentRevision: () => rev,
    compact: (r) => {
      asked.push(r);
      if (r === 30) throw etcdError("Compacted");
      if (r === 40) throw new Error("no leader");
    },
  });
  assert.equal(ac.intervalMs, 300_000);
  assert.equal(await ac.tick(), undefined); // 5 - 10 <= 0
  rev = 25;
  assert.equal(await ac.tick(), 15);
  assert.equal(await ac.tick(), undefined); // unchanged
  rev = 40;
  await ac.tick();
  assert.equal(await ac.tick(), undefined); // compacted counts as done
  rev = 50;
  await ac.tick();
  await ac.tick(); // failed: retried
  assert.deepEqual(asked, [15, 30, 40, 40]);
  ac.start();
  ac.stop();
});

test("online backup to a file opens as an identical store", async () => {
  const { store } = openTmp();
  const lessor = new Lessor(store);
  try {
    store.applyBatch(9, (w) => {
      history(w, 10);
      lessor.grant(w, 5n, 30);
    });
    const copy = path.join(tmpDir(), "copy.db");
    await store.backupTo(copy);
    const opened = MvccStore.open(copy);
    try {
      assert.equal(opened.hash(), store.hash());
      assert.equal(opened.consistentIndex(), 9);
      assert.equal(opened.currentRevision, store.currentRevision);
    } finally {
      opened.close();
    }
    // leases are part of the hash
    const before = store.hash();
    store.applyBatch(10, (w) => lessor.grant(w, 6n, 30));
    assert.notEqual(store.hash(), before);
  } finally {
    store.close();
  }
});

test("restoring over an existing database replaces it entirely", () => {
  const a = openTmp();
  a.store.applyBatch(1, (w) => w.put({ key: b("old"), value: b("1") }));
  a.store.close();
  const other = openTmp().store;
  other.applyBatch(7, (w) => history(w, 5));
  const bytes = other.snapshotBytes();
  other.close();
  const restored = MvccStore.restoreFrom(bytes, a.file);
  try {
    assert.equal(restored.range({ key: b("old") }).count, 0);
    assert.equal(restored.consistentIndex(), 7);
    assert.equal(restored.currentRevision, 8);
  } finally {
    restored.close();
  }
});

test("a restored database rebased onto a new log takes that log's entries from its index on", () => {
  const { store, file } = openTmp();
  store.applyBatch(57, (w) => history(w, 20));
  const rev = store.currentRevision;
  store.rebaseConsistentIndex(1);
  assert.throws(() => store.applyBatch(0, () => undefined), /behind 1/);
  store.close();
  const reopened = MvccStore.open(file);
  try {
    assert.equal(reopened.consistentIndex(), 1);
    assert.equal(reopened.currentRevision, rev, "records and revision untouched");
    const r = reopened.applyBatch(2, (w) => w.put({ key: b("new"), value: b("1") }));
    assert.equal(r.revision, rev + 1);
    assert.equal(reopened.consistentIndex(), 2);
  } finally {
    reopened.close();
  }
});
