// The Lock and Election gRPC services on an in-process member: a client that goes away while
// waiting (its channel closed) leaves no watcher and no queued key behind, and an Observe
// stream the client cancels releases its watcher.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import * as pb from "../../../src/proto/index.js";
import { defaultFlagValues, buildServerConfig } from "../../../src/config/server-config.js";
import { createLogger } from "../../../src/log/logger.js";
import { startMember, type RunningMember } from "../../../src/server/index.js";
import { freePorts, startTcpProxy } from "../../helpers/index.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, ok: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

async function startOne(): Promise<{ m: RunningMember; address: string; done(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), "tsctl-concurrency-grpc-"));
  const [clientPort, peerPort] = await freePorts(2);
  const client = `http://127.0.0.1:${clientPort}`;
  const peer = `http://127.0.0.1:${peerPort}`;
  const v = defaultFlagValues();
  v.set("name", "c1");
  v.set("data-dir", join(dir, "data"));
  v.set("listen-client-urls", [client]);
  v.set("advertise-client-urls", [client]);
  v.set("listen-peer-urls", [peer]);
  v.set("initial-advertise-peer-urls", [peer]);
  v.set("initial-cluster", `c1=${peer}`);
  v.set("heartbeat-interval", 20);
  v.set("election-timeout", 200);
  const logger = createLogger({ level: "error", sinks: [{ write: () => {} }] });
  const m = await startMember(buildServerConfig(v), logger, { exitOnRemoval: false });
  await until("a leader", () => m.member.isLeader);
  return {
    m,
    address: `127.0.0.1:${clientPort}`,
    async done() {
      await m.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function watchers(m: RunningMember): number {
  const c = m.server.kv.store.watcherCounts;
  return c.synced + c.unsynced;
}

test("a Lock waiter whose client disconnects leaves no watcher or key behind", async (t) => {
  const { m, address, done } = await startOne();
  t.after(done);
  const holder = new pb.LockClient(address, grpc.credentials.createInsecure());
  // The waiter goes through a proxy so its connection can be cut, as a crashed client's is.
  const [host, port] = address.split(":") as [string, string];
  const proxy = await startTcpProxy(host, Number(port));
  t.after(() => proxy.close());
  const waiter = new pb.LockClient(proxy.endpoint, grpc.credentials.createInsecure());
  t.after(() => holder.close());
  t.after(() => waiter.close());
  const l1 = await m.server.leaseGrant({ ID: 0n, TTL: 60n });
  const l2 = await m.server.leaseGrant({ ID: 0n, TTL: 60n });
  const held = await new Promise<pb.LockResponse>((resolve, reject) =>
    holder.lock({ name: Buffer.from("x"), lease: l1.ID }, (err, res) =>
      err ? reject(err) : resolve(res),
    ),
  );
  assert.equal(held.key.toString(), `x/${l1.ID.toString(16)}`);
  waiter.lock({ name: Buffer.from("x"), lease: l2.ID }, () => {});
  const queuedKey = Buffer.from(`x/${l2.ID.toString(16)}`);
  await until(
    "the waiter to queue",
    () => m.server.kv.store.range({ key: queuedKey }).kvs.length === 1,
  );
  await until("the waiter to watch", () => watchers(m) === 1);
  proxy.dropConnections();
  await until("the waiter's watcher to go", () => watchers(m) === 0);
  await until(
    "the queued key to go",
    () => m.server.kv.store.range({ key: queuedKey }).kvs.length === 0,
  );
  // The holder still holds: its key is the only one.
  const keys = m.server.kv.store.range({ key: Buffer.from("x/"), rangeEnd: Buffer.from("x0") });
  assert.deepEqual(
    keys.kvs.map((kv) => kv.key.toString()),
    [held.key.toString()],
  );
});

test("a Lock or Campaign call the client cancels stops waiting and dequeues", async (t) => {
  const { m, address, done } = await startOne();
  t.after(done);
  const lock = new pb.LockClient(address, grpc.credentials.createInsecure());
  const election = new pb.ElectionClient(address, grpc.credentials.createInsecure());
  t.after(() => lock.close());
  t.after(() => election.close());
  const [l1, l2, l3] = await Promise.all(
    [1, 2, 3].map(() => m.server.leaseGrant({ ID: 0n, TTL: 60n })),
  );
  await new Promise((resolve, reject) =>
    lock.lock({ name: Buffer.from("y"), lease: l1!.ID }, (err, res) =>
      err ? reject(err) : resolve(res),
    ),
  );
  let lockError: grpc.ServiceError | null = null;
  const call = lock.lock({ name: Buffer.from("y"), lease: l2!.ID }, (err) => (lockError = err));
  await until("the lock waiter to watch", () => watchers(m) === 1);
  call.cancel();
  await until("the lock waiter's watcher to go", () => watchers(m) === 0);
  assert.equal((lockError as grpc.ServiceError | null)?.code, grpc.status.CANCELLED);
  const key2 = Buffer.from(`y/${l2!.ID.toString(16)}`);
  await until("its key to go", () => m.server.kv.store.range({ key: key2 }).kvs.length === 0);

  await new Promise((resolve, reject) =>
    election.campaign(
      { name: Buffer.from("c"), lease: l1!.ID, value: Buffer.from("a") },
      (err, res) => (err ? reject(err) : resolve(res)),
    ),
  );
  const camp = election.campaign(
    { name: Buffer.from("c"), lease: l3!.ID, value: Buffer.from("b") },
    () => {},
  );
  await until("the candidate to watch", () => watchers(m) === 1);
  camp.cancel();
  await until("the candidate's watcher to go", () => watchers(m) === 0);
  const key3 = Buffer.from(`c/${l3!.ID.toString(16)}`);
  await until("its candidacy to go", () => m.server.kv.store.range({ key: key3 }).kvs.length === 0);
});

test("an Observe stream the client cancels stops watching", async (t) => {
  const { m, address, done } = await startOne();
  t.after(done);
  const client = new pb.ElectionClient(address, grpc.credentials.createInsecure());
  t.after(() => client.close());
  const stream = client.observe({ name: Buffer.from("e") });
  const seen: string[] = [];
  stream.on("data", (r: pb.LeaderResponse) => seen.push(r.kv!.value.toString()));
  stream.on("error", () => {});
  await until("observe to watch", () => watchers(m) === 1);
  const lease = await m.server.leaseGrant({ ID: 0n, TTL: 60n });
  await new Promise<void>((resolve, reject) =>
    client.campaign({ name: Buffer.from("e"), lease: lease.ID, value: Buffer.from("v") }, (err) =>
      err ? reject(err) : resolve(),
    ),
  );
  await until("the leader to be observed", () => seen.length === 1);
  assert.deepEqual(seen, ["v"]);
  stream.cancel();
  await until("the observer's watcher to go", () => watchers(m) === 0);
});
