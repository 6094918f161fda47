// The v3 client (src/client/v3) against a real etcd 3.4: KV, txn, watch, lease, cluster,
// maintenance, auth, lock/election, errors and failover.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { status as GrpcStatus } from "@grpc/grpc-js";
import { EtcdClient, EtcdClientError, prefixEnd } from "../../src/client/v3/index.js";
import {
  Compare_CompareResult,
  Compare_CompareTarget,
  Event_EventType,
} from "../../src/proto/index.js";
import { freePort, skipWithoutEtcd, startCompatServer, startTcpProxy } from "../helpers/index.js";
import type { RealEtcd } from "../helpers/index.js";

const b = (s: string): Buffer => Buffer.from(s);

describe("v3 client against real etcd", { skip: skipWithoutEtcd }, () => {
  let etcd: RealEtcd;
  let client: EtcdClient;

  before(async () => {
    etcd = await startCompatServer({ extraArgs: ["--auth-token-ttl", "1"] });
    client = new EtcdClient({ endpoints: [etcd.clientUrl] });
  });
  after(async () => {
    client?.close();
    await etcd?.stop();
  });

  test("put, range, deleteRange", async () => {
    const put = await client.kv.put({ key: b("foo"), value: b("bar") });
    assert.ok(put.header !== undefined && put.header.revision > 1n);
    assert.ok(put.header.clusterId > 0n);
    const again = await client.kv.put({ key: b("foo"), value: b("bar2"), prevKv: true });
    assert.deepEqual(again.prevKv?.value, b("bar"));
    const got = await client.kv.range({ key: b("foo") });
    assert.equal(got.count, 1n);
    assert.deepEqual(got.kvs[0]?.value, b("bar2"));
    assert.equal(got.kvs[0]?.version, 2n);
    await client.kv.put({ key: b("foo/a"), value: b("1") });
    await client.kv.put({ key: b("foo/b"), value: b("2") });
    const prefixed = await client.kv.range({ key: b("foo/"), rangeEnd: prefixEnd(b("foo/")) });
    assert.deepEqual(
      prefixed.kvs.map((kv) => kv.key.toString()),
      ["foo/a", "foo/b"],
    );
    const del = await client.kv.deleteRange({
      key: b("foo/"),
      rangeEnd: prefixEnd(b("foo/")),
      prevKv: true,
    });
    assert.equal(del.deleted, 2n);
    assert.equal(del.prevKvs.length, 2);
  });

  test("server errors keep etcd's text and gRPC code", async () => {
    await assert.rejects(client.kv.range({ key: b("") }), (err: unknown) => {
      assert.ok(err instanceof EtcdClientError);
      assert.equal(err.message, "etcdserver: key is not provided");
      assert.equal(err.code, GrpcStatus.INVALID_ARGUMENT);
      assert.equal(err.endpoint, etcd.clientUrl);
      return true;
    });
    const rev = (await client.kv.put({ key: b("c"), value: b("1") })).header?.revision ?? 0n;
    await client.kv.put({ key: b("c"), value: b("2") });
    await client.kv.compact({ revision: rev + 1n });
    await assert.rejects(client.kv.range({ key: b("c"), revision: rev }), {
      message: "etcdserver: mvcc: required revision has been compacted",
      code: GrpcStatus.OUT_OF_RANGE,
    });
  });

  test("txn with compare, success and failure branches", async () => {
    await client.kv.put({ key: b("k1"), value: b("v1") });
    const ok = await client.kv.txn({
      compare: [
        {
          key: b("k1"),
          target: Compare_CompareTarget.VALUE,
          result: Compare_CompareResult.EQUAL,
          targetUnion: { $case: "value", value: b("v1") },
        },
      ],
      success: [
        { request: { $case: "requestPut", value: { key: b("k2"), value: b("v2") } } },
        { request: { $case: "requestRange", value: { key: b("k1") } } },
      ],
      failure: [{ request: { $case: "requestDeleteRange", value: { key: b("k1") } } }],
    });
    assert.equal(ok.succeeded, true);
    assert.equal(ok.responses.length, 2);
    const second = ok.responses[1]?.response;
    assert.equal(second?.$case, "responseRange");
    if (second?.$case === "responseRange") assert.deepEqual(second.value.kvs[0]?.value, b("v1"));
    const failed = await client.kv.txn({
      compare: [
        {
          key: b("k1"),
          target: Compare_CompareTarget.VERSION,
          result: Compare_CompareResult.GREATER,
          targetUnion: { $case: "version", value: 10n },
        },
      ],
      failure: [{ request: { $case: "requestRange", value: { key: b("k2") } } }],
    });
    assert.equal(failed.succeeded, false);
  });

  test("watch: create, events, progress, cancel", async () => {
    const stream = await client.watch({ key: b("w"), rangeEnd: prefixEnd(b("w")), prevKv: true });
    const it = stream[Symbol.asyncIterator]();
    const created = (await it.next()).value;
    assert.ok(created?.created);
    const watchId = created.watchId;
    await client.kv.put({ key: b("w1"), value: b("a") });
    await client.kv.put({ key: b("w1"), value: b("b") });
    await client.kv.deleteRange({ key: b("w1") });
    const events = [];
    while (events.length < 3) {
      const r = (await it.next()).value;
      assert.ok(r !== undefined);
      events.push(...r.events);
    }
    assert.deepEqual(
      events.map((e) => [
        e.type,
        e.kv?.key.toString(),
        e.kv?.value.toString(),
        e.prevKv?.value.toString(),
      ]),
      [
        [Event_EventType.PUT, "w1", "a", undefined],
        [Event_EventType.PUT, "w1", "b", "a"],
        [Event_EventType.DELETE, "w1", "", "b"],
      ],
    );
    stream.progress();
    const progress = (await it.next()).value;
    assert.equal(progress?.watchId, -1n);
    stream.cancel(watchId);
    const canceled = (await it.next()).value;
    assert.equal(canceled?.canceled, true);
    stream.close();
    assert.equal((await it.next()).done, true);
  });

  test("lease: grant, keepAliveOnce, keepAlive, timeToLive, leases, revoke", async () => {
    const grant = await client.lease.grant({ TTL: 60 });
    assert.equal(grant.TTL, 60n);
    await client.kv.put({ key: b("lk"), value: b("v"), lease: grant.ID });
    const ka = await client.lease.keepAliveOnce(grant.ID);
    assert.equal(ka.ID, grant.ID);
    assert.ok(ka.TTL > 0n);
    for await (const resp of client.lease.keepAlive(grant.ID)) {
      assert.equal(resp.ID, grant.ID);
      break;
    }
    const ttl = await client.lease.timeToLive({ ID: grant.ID, keys: true });
    assert.equal(ttl.grantedTTL, 60n);
    assert.deepEqual(ttl.keys, [b("lk")]);
    const list = await client.lease.leases();
    assert.ok(list.leases.some((l) => l.ID === grant.ID));
    await client.lease.revoke({ ID: grant.ID });
    assert.equal((await client.kv.range({ key: b("lk") })).count, 0n);
    const gone = await client.lease.keepAliveOnce(grant.ID);
    assert.equal(gone.TTL, 0n);
    await assert.rejects(client.lease.revoke({ ID: grant.ID }), {
      message: "etcdserver: requested lease not found",
      code: GrpcStatus.NOT_FOUND,
    });
  });

  test("cluster and maintenance", async () => {
    const members = await client.cluster.memberList();
    assert.equal(members.members.length, 1);
    assert.equal(members.members[0]?.name, etcd.name);
    assert.deepEqual(members.members[0]?.clientURLs, [etcd.clientUrl]);
    const one = client.forEndpoint(etcd.endpoint);
    const status = await one.maintenance.status();
    assert.equal(status.version, "3.4.23");
    assert.equal(status.leader, members.members[0]?.ID);
    const hash = await one.maintenance.hashKV({ revision: 0n });
    assert.ok(hash.hash > 0);
    const alarms = await client.maintenance.alarm({});
    assert.deepEqual(alarms.alarms, []);
    await one.maintenance.defragment();
    const snap = await client.maintenance.snapshot();
    let bytes = 0;
    let last;
    for await (const chunk of snap) {
      bytes += chunk.blob.length;
      last = chunk;
    }
    assert.ok(bytes > 32);
    assert.equal(last?.remainingBytes, 0n);
    assert.equal(last?.blob.length, 32);
  });

  test("lock and election", async () => {
    const lease = await client.lease.grant({ TTL: 30 });
    const lock = await client.lock.lock({ name: b("mylock"), lease: lease.ID });
    assert.ok(lock.key.toString().startsWith("mylock/"));
    await client.lock.unlock({ key: lock.key });
    const camp = await client.election.campaign({ name: b("el"), lease: lease.ID, value: b("p1") });
    assert.ok(camp.leader !== undefined);
    const leader = await client.election.leader({ name: b("el") });
    assert.deepEqual(leader.kv?.value, b("p1"));
    const obs = await client.election.observe({ name: b("el") });
    const first = await obs.next();
    assert.deepEqual(first?.kv?.value, b("p1"));
    await client.election.proclaim({ leader: camp.leader, value: b("p2") });
    assert.deepEqual((await obs.next())?.kv?.value, b("p2"));
    obs.close();
    await client.election.resign({ leader: camp.leader });
    await client.lease.revoke({ ID: lease.ID });
  });

  test("auth round trip: token in metadata, bad password, re-auth, disabled auth", async () => {
    // With auth disabled, a client with credentials proceeds without a token.
    const early = new EtcdClient({ endpoints: [etcd.endpoint], user: "root", password: "rootpw" });
    try {
      await early.kv.put({ key: b("before-auth"), value: b("1") });
    } finally {
      early.close();
    }
    await client.auth.userAdd({ name: "root", password: "rootpw" });
    await client.auth.userGrantRole({ user: "root", role: "root" });
    await client.auth.roleAdd({ name: "reader" });
    await client.auth.authEnable();
    try {
      await assert.rejects(client.kv.range({ key: b("x") }), {
        message: "etcdserver: user name is empty",
      });
      const bad = new EtcdClient({ endpoints: [etcd.endpoint], user: "root", password: "wrong" });
      try {
        await assert.rejects(bad.kv.range({ key: b("x") }), {
          message: "etcdserver: authentication failed, invalid user ID or password",
          code: GrpcStatus.INVALID_ARGUMENT,
        });
      } finally {
        bad.close();
      }
      const root = new EtcdClient({ endpoints: [etcd.endpoint], user: "root", password: "rootpw" });
      try {
        await root.kv.put({ key: b("authed"), value: b("yes") });
        assert.deepEqual((await root.kv.range({ key: b("authed") })).kvs[0]?.value, b("yes"));
        assert.deepEqual((await root.auth.userList()).users, ["root"]);
        assert.deepEqual((await root.auth.roleList()).roles, ["reader"]);
        // The server runs with --auth-token-ttl 1: the token expires, the client re-authenticates.
        await new Promise((r) => setTimeout(r, 2500));
        assert.equal((await root.kv.range({ key: b("authed") })).count, 1n);
      } finally {
        await root.auth.authDisable();
        root.close();
      }
    } finally {
      await client.auth.userDelete({ name: "root" }).catch(() => undefined);
    }
  });

  test("watch resumes after a broken connection without losing or repeating events", async () => {
    const port = Number(etcd.endpoint.split(":")[1]);
    const proxy = await startTcpProxy("127.0.0.1", port);
    const c = new EtcdClient({ endpoints: [proxy.endpoint] });
    try {
      const stream = await c.watch({ key: b("r"), rangeEnd: prefixEnd(b("r")) });
      const created = await stream.next();
      assert.ok(created?.created);
      await client.kv.put({ key: b("r1"), value: b("1") });
      assert.deepEqual(
        (await stream.next())?.events.map((e) => e.kv?.value.toString()),
        ["1"],
      );
      proxy.dropConnections();
      // Written while the watch is down: must still arrive, once.
      await client.kv.put({ key: b("r2"), value: b("2") });
      await client.kv.put({ key: b("r3"), value: b("3") });
      const seen: string[] = [];
      while (seen.length < 2) {
        const resp = await stream.next();
        assert.ok(resp !== undefined);
        assert.equal(resp.created, false);
        assert.equal(resp.watchId, created.watchId);
        seen.push(...resp.events.map((e) => e.kv?.value.toString() ?? ""));
      }
      assert.deepEqual(seen, ["2", "3"]);
      stream.close();
      assert.equal(await stream.next(), undefined);
    } finally {
      c.close();
      await proxy.close();
    }
  });

  test("a stream with several watchers resumes each under its own id", async () => {
    const port = Number(etcd.endpoint.split(":")[1]);
    const proxy = await startTcpProxy("127.0.0.1", port);
    const c = new EtcdClient({ endpoints: [proxy.endpoint] });
    try {
      const stream = await c.watchStream();
      stream.create({ key: b("ma") });
      stream.create({ key: b("mb"), prevKv: true });
      const ids = [(await stream.next())?.watchId, (await stream.next())?.watchId];
      assert.deepEqual(ids, [0n, 1n]);
      proxy.dropConnections();
      await client.kv.put({ key: b("mb"), value: b("1") });
      await client.kv.put({ key: b("ma"), value: b("2") });
      const got = new Map<bigint, string[]>();
      while ([...got.values()].flat().length < 2) {
        const r = await stream.next();
        assert.ok(r !== undefined && !r.created);
        got.set(r.watchId, [
          ...(got.get(r.watchId) ?? []),
          ...r.events.map((e) => e.kv?.value.toString() ?? ""),
        ]);
      }
      assert.deepEqual(got.get(0n), ["2"]);
      assert.deepEqual(got.get(1n), ["1"]);
      stream.close();
    } finally {
      c.close();
      await proxy.close();
    }
  });

  test("lease keepAlive reopens its stream after a broken connection", async () => {
    const port = Number(etcd.endpoint.split(":")[1]);
    const proxy = await startTcpProxy("127.0.0.1", port);
    const c = new EtcdClient({ endpoints: [proxy.endpoint] });
    try {
      const grant = await c.lease.grant({ TTL: 3 });
      let responses = 0;
      for await (const resp of c.lease.keepAlive(grant.ID)) {
        assert.equal(resp.ID, grant.ID);
        assert.ok(resp.TTL > 0n);
        if (++responses === 1) proxy.dropConnections();
        if (responses === 3) break;
      }
      assert.ok((await client.lease.timeToLive({ ID: grant.ID })).TTL > 0n);
      await client.lease.revoke({ ID: grant.ID });
    } finally {
      c.close();
      await proxy.close();
    }
  });

  test("failover: a dead first endpoint is skipped", async () => {
    const dead = `127.0.0.1:${await freePort()}`;
    const c = new EtcdClient({ endpoints: [dead, etcd.endpoint] });
    try {
      await c.kv.put({ key: b("fo"), value: b("1") });
      assert.equal((await c.kv.range({ key: b("fo") })).count, 1n);
    } finally {
      c.close();
    }
  });
});

test("unreachable endpoints fail with `context deadline exceeded`", async () => {
  const dead = `127.0.0.1:${await freePort()}`;
  const c = new EtcdClient({ endpoints: [dead], commandTimeoutMs: 500, dialTimeoutMs: 200 });
  try {
    await assert.rejects(c.kv.range({ key: b("x") }), (err: unknown) => {
      assert.ok(err instanceof EtcdClientError);
      assert.equal(err.message, "context deadline exceeded");
      assert.equal(err.code, GrpcStatus.DEADLINE_EXCEEDED);
      assert.equal(err.codeName, "DeadlineExceeded");
      assert.equal(err.unreachable, true);
      assert.equal(
        err.balancerError(false),
        "latest balancer error: all SubConns are in TransientFailure",
      );
      assert.equal(
        err.balancerError(true),
        `latest balancer error: connection error: desc = "transport: Error while dialing dial tcp ${dead}: connect: connection refused"`,
      );
      return true;
    });
    // A write to an unreachable endpoint never left, so it is retried until the deadline too.
    await assert.rejects(c.kv.put({ key: b("x"), value: b("y") }), {
      message: "context deadline exceeded",
    });
  } finally {
    c.close();
  }
});
