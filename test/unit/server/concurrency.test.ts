// The lock and election recipes over a real MVCC store (no raft): queue order by create
// revision, release on delete or lease expiry, cancellation cleanup, election terms and the
// sequence Observe reports.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MvccStore } from "../../../src/mvcc/store.js";
import * as pb from "../../../src/proto/index.js";
import {
  deleteRangeFromPb,
  deleteRangeToPb,
  rangeFromPb,
  rangeToPb,
  txnFromPb,
  txnToPb,
} from "../../../src/server/convert.js";
import type { ConcurrencyBackend } from "../../../src/server/concurrency/index.js";
import {
  acquireLock,
  campaign,
  leader,
  observe,
  proclaim,
  releaseLock,
  resign,
  DEFAULT_SESSION_TTL_SEC,
} from "../../../src/server/concurrency/index.js";
import { GrpcCode } from "../../../src/errors.js";

class StoreBackend implements ConcurrencyBackend {
  readonly dir = mkdtempSync(join(tmpdir(), "tsctl-concurrency-"));
  readonly store = MvccStore.open(join(this.dir, "db"));
  constructor() {
    this.store.setLeaseChecker(() => true);
  }
  private applied = 1;
  private nextLease = 0x100n;
  readonly granted: bigint[] = [];

  header(revision: number): pb.ResponseHeader {
    return { clusterId: 1n, memberId: 2n, revision: BigInt(revision), raftTerm: 3n };
  }
  async txn(req: pb.TxnRequest): Promise<pb.TxnResponse> {
    const r = this.store.applyBatch(this.applied++, (w) => w.txn(txnFromPb(req)));
    return txnToPb(this.header(r.revision), r);
  }
  async range(req: pb.RangeRequest): Promise<pb.RangeResponse> {
    const r = this.store.range(rangeFromPb(req));
    return rangeToPb(this.header(r.revision), r);
  }
  async deleteRange(req: pb.DeleteRangeRequest): Promise<pb.DeleteRangeResponse> {
    const r = this.store.applyBatch(this.applied++, (w) => w.deleteRange(deleteRangeFromPb(req)));
    return deleteRangeToPb(this.header(r.revision), r);
  }
  async leaseGrant(req: pb.LeaseGrantRequest): Promise<pb.LeaseGrantResponse> {
    const id = this.nextLease++;
    this.granted.push(id);
    return { header: this.header(this.store.currentRevision), ID: id, TTL: req.TTL, error: "" };
  }
  watch: ConcurrencyBackend["watch"] = (req, cb) => this.store.watch(req, cb);

  /** What the lessor does when a lease runs out: its keys go in one revision. */
  expire(lease: bigint): void {
    const keys = this.store.keysOfLease(lease);
    this.store.applyBatch(this.applied++, (w) => w.deleteKeys(keys));
  }
  get watchers(): number {
    const c = this.store.watcherCounts;
    return c.synced + c.unsynced;
  }
  close(): void {
    this.store.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

const never = new AbortController().signal;
const name = Buffer.from("mylock");
const tick = () => new Promise((r) => setTimeout(r, 20));

async function settled(p: Promise<unknown>): Promise<boolean> {
  let done = false;
  p.then(
    () => (done = true),
    () => (done = true),
  );
  await tick();
  return done;
}

test("an uncontended lock is granted at once with key <name>/<lease hex>", async (t) => {
  const b = new StoreBackend();
  t.after(() => b.close());
  const r = await acquireLock(b, name, 0x694dn, never);
  assert.equal(r.key.toString(), "mylock/694d");
  assert.equal(r.header.revision, BigInt(b.store.currentRevision));
  const kv = (
    await b.range({
      ...pb.RangeRequest.fromPartial({ key: r.key }),
    })
  ).kvs[0]!;
  assert.equal(kv.lease, 0x694dn);
  assert.equal(kv.value.length, 0);
  // The holder asking again keeps the lock (same key, no new revision).
  const rev = b.store.currentRevision;
  const again = await acquireLock(b, name, 0x694dn, never);
  assert.deepEqual(again.key, r.key);
  assert.equal(b.store.currentRevision, rev);
});

test("contenders get the lock in create-revision order, each after the one before releases", async (t) => {
  const b = new StoreBackend();
  t.after(() => b.close());
  const first = await acquireLock(b, name, 1n, never);
  const second = acquireLock(b, name, 2n, never);
  const third = acquireLock(b, name, 3n, never);
  assert.equal(await settled(second), false);
  assert.equal(await settled(third), false);
  // The second waiter leaving does not let the third past the holder.
  await releaseLock(b, Buffer.from("mylock/2"));
  assert.equal(await settled(third), false);
  const hdr = await releaseLock(b, first.key);
  const got = await third;
  assert.equal(got.key.toString(), "mylock/3");
  assert.ok(got.header.revision >= hdr.revision);
  // As in etcd, a waiter whose own key was deleted under it still returns once the
  // older keys are gone: it does not re-check its key.
  assert.equal((await second).key.toString(), "mylock/2");
});

test("a holder whose lease expires releases the lock", async (t) => {
  const b = new StoreBackend();
  t.after(() => b.close());
  await acquireLock(b, name, 7n, never);
  const waiter = acquireLock(b, name, 8n, never);
  assert.equal(await settled(waiter), false);
  b.expire(7n);
  assert.equal((await waiter).key.toString(), "mylock/8");
  assert.equal(b.watchers, 0);
});

test("a waiter that is cancelled stops watching and removes its queued key", async (t) => {
  const b = new StoreBackend();
  t.after(() => b.close());
  await acquireLock(b, name, 1n, never);
  const ac = new AbortController();
  const waiter = acquireLock(b, name, 2n, ac.signal);
  await tick();
  assert.equal(b.watchers, 1);
  ac.abort();
  await assert.rejects(waiter, { code: GrpcCode.CANCELLED, message: "context canceled" });
  assert.equal(b.watchers, 0);
  const left = await b.range({
    ...pb.RangeRequest.fromPartial({
      key: Buffer.from("mylock/2"),
    }),
  });
  assert.equal(left.kvs.length, 0);
});

test("lease 0 locks under a fresh lease with the default session TTL", async (t) => {
  const b = new StoreBackend();
  t.after(() => b.close());
  const r = await acquireLock(b, name, 0n, never);
  assert.equal(b.granted.length, 1);
  assert.equal(r.key.toString(), `mylock/${b.granted[0]!.toString(16)}`);
  assert.equal(DEFAULT_SESSION_TTL_SEC, 60);
});

const el = Buffer.from("myelection");

test("campaign, proclaim, leader and resign follow etcd's election terms", async (t) => {
  const b = new StoreBackend();
  t.after(() => b.close());
  await assert.rejects(leader(b, { name: el }), { message: "election: no leader" });
  const a = await campaign(b, { name: el, lease: 0xan, value: Buffer.from("a") }, never);
  assert.equal(a.leader!.key.toString(), "myelection/a");
  assert.equal(a.leader!.rev, a.header!.revision);
  assert.equal(a.leader!.lease, 0xan);
  assert.deepEqual(a.leader!.name, el);
  const other = campaign(b, { name: el, lease: 0xbn, value: Buffer.from("b") }, never);
  assert.equal(await settled(other), false);

  await proclaim(b, { leader: a.leader, value: Buffer.from("a2") });
  const l = await leader(b, { name: el });
  assert.equal(l.kv!.value.toString(), "a2");
  assert.equal(l.kv!.key.toString(), "myelection/a");

  await resign(b, { leader: a.leader });
  const won = await other;
  assert.equal(won.leader!.key.toString(), "myelection/b");
  assert.equal((await leader(b, { name: el })).kv!.value.toString(), "b");
  // The old term is over: proclaiming with it fails, resigning it again is a no-op.
  await assert.rejects(proclaim(b, { leader: a.leader, value: Buffer.from("x") }), {
    code: GrpcCode.UNKNOWN,
    message: "election: not leader",
  });
  await resign(b, { leader: a.leader });
  await assert.rejects(proclaim(b, { value: Buffer.from("x") }), {
    message: '"leader" field must be provided',
  });
  await assert.rejects(resign(b, {}), { message: '"leader" field must be provided' });
});

test("campaigning again under the same lease resumes the term with the new value", async (t) => {
  const b = new StoreBackend();
  t.after(() => b.close());
  const first = await campaign(b, { name: el, lease: 5n, value: Buffer.from("v1") }, never);
  const again = await campaign(b, { name: el, lease: 5n, value: Buffer.from("v2") }, never);
  assert.equal(again.leader!.rev, first.leader!.rev);
  assert.equal((await leader(b, { name: el })).kv!.value.toString(), "v2");
});

test("a cancelled campaign resigns its candidacy", async (t) => {
  const b = new StoreBackend();
  t.after(() => b.close());
  await campaign(b, { name: el, lease: 1n, value: Buffer.from("a") }, never);
  const ac = new AbortController();
  const c = campaign(b, { name: el, lease: 2n, value: Buffer.from("b") }, ac.signal);
  await tick();
  ac.abort();
  await assert.rejects(c, { code: GrpcCode.CANCELLED });
  assert.equal(b.store.keysOfLease(2n).length, 0);
  assert.equal(b.watchers, 0);
});

test("observe reports the first leader, its proclamations and each next leader", async (t) => {
  const b = new StoreBackend();
  t.after(() => b.close());
  const ac = new AbortController();
  const seen: string[] = [];
  const revs: bigint[] = [];
  const done = observe(b, { name: el }, ac.signal, (r) => {
    seen.push(`${r.kv!.key.toString()}=${r.kv!.value.toString()}`);
    revs.push(r.header!.revision);
  });
  await tick();
  assert.deepEqual(seen, []);
  const a = await campaign(b, { name: el, lease: 1n, value: Buffer.from("a") }, never);
  const next = campaign(b, { name: el, lease: 2n, value: Buffer.from("b") }, never);
  await tick();
  await proclaim(b, { leader: a.leader, value: Buffer.from("a2") });
  await tick();
  await resign(b, { leader: a.leader });
  await next;
  await tick();
  assert.deepEqual(seen, ["myelection/1=a", "myelection/1=a2", "myelection/2=b"]);
  assert.equal(revs[0], a.leader!.rev);
  ac.abort();
  await done;
  assert.equal(b.watchers, 0);
});
