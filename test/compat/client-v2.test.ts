// The v2 client (src/client/v2) against a real etcd 3.4 started with --enable-v2.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  V2Client,
  V2ClusterError,
  V2Error,
  V2HttpError,
  V2InvalidResponseError,
} from "../../src/client/v2/index.js";
import { freePort, skipWithoutEtcd, startCompatServer, startRealEtcd } from "../helpers/index.js";
import type { RealEtcd } from "../helpers/index.js";

describe("v2 client against real etcd", { skip: skipWithoutEtcd }, () => {
  let etcd: RealEtcd;
  let client: V2Client;

  before(async () => {
    etcd = await startCompatServer({ enableV2: true });
    client = new V2Client({ endpoints: [etcd.clientUrl] });
  });
  after(async () => {
    client?.close();
    await etcd?.stop();
  });

  test("set, get, update, create, compare-and-swap, delete", async () => {
    const set = await client.set("/v2t/a", "hello");
    assert.equal(set.action, "set");
    assert.equal(set.status, 201);
    assert.equal(set.node?.value, "hello");
    assert.ok(set.etcdIndex >= 4);
    assert.match(set.clusterId ?? "", /^[0-9a-f]+$/);
    const again = await client.set("/v2t/a", "hello2");
    assert.equal(again.status, 200);
    assert.equal(again.prevNode?.value, "hello");
    const got = await client.get("/v2t/a", { quorum: true });
    assert.equal(got.action, "get");
    assert.equal(got.node?.value, "hello2");
    const upd = await client.update("/v2t/a", "hello3");
    assert.equal(upd.action, "update");
    await assert.rejects(client.create("/v2t/a", "x"), (err: unknown) => {
      assert.ok(err instanceof V2Error);
      assert.equal(err.errorCode, 105);
      assert.equal(err.message, "Key already exists");
      assert.equal(err.cause, "/v2t/a");
      assert.equal(err.status, 412);
      assert.equal(err.goText(), `105: Key already exists (/v2t/a) [${err.index}]`);
      return true;
    });
    const cas = await client.set("/v2t/a", "hello4", { prevValue: "hello3" });
    assert.equal(cas.action, "compareAndSwap");
    await assert.rejects(client.set("/v2t/a", "z", { prevValue: "nope" }), (err: unknown) => {
      assert.ok(err instanceof V2Error);
      assert.equal(err.errorCode, 101);
      assert.equal(err.cause, "[nope != hello4]");
      return true;
    });
    const del = await client.delete("/v2t/a", { prevIndex: cas.node?.modifiedIndex ?? 0 });
    assert.equal(del.action, "compareAndDelete");
    await assert.rejects(client.get("/v2t/a"), (err: unknown) => {
      assert.ok(err instanceof V2Error);
      assert.equal(err.errorCode, 100);
      assert.equal(err.message, "Key not found");
      return true;
    });
  });

  test("directories, ttl, in-order keys, recursive sorted get", async () => {
    await client.set("/d", "", { dir: true });
    await client.set("/d/b", "2");
    await client.set("/d/a", "1", { ttl: 100 });
    await client.set("/d/sub/x", "3");
    const listing = await client.get("/d", { recursive: true, sorted: true });
    assert.equal(listing.node?.dir, true);
    assert.deepEqual(
      listing.node?.nodes?.map((n) => n.key),
      ["/d/a", "/d/b", "/d/sub"],
    );
    assert.equal(listing.node?.nodes?.[0]?.ttl, 100);
    assert.equal(listing.node?.nodes?.[2]?.nodes?.[0]?.value, "3");
    const q1 = await client.createInOrder("/q", "job1");
    const q2 = await client.createInOrder("/q", "job2");
    assert.equal(q1.action, "create");
    assert.match(q1.node?.key ?? "", /^\/q\/\d{20}$/);
    const queue = await client.get("/q", { sorted: true });
    assert.deepEqual(
      queue.node?.nodes?.map((n) => n.value),
      ["job1", "job2"],
    );
    assert.ok((q2.node?.createdIndex ?? 0) > (q1.node?.createdIndex ?? 0));
    await assert.rejects(client.delete("/d"), { errorCode: 102 });
    const rm = await client.delete("/d", { recursive: true });
    assert.equal(rm.action, "delete");
    const refreshed = await client.set("/t", "v", { ttl: 50 });
    const r = await client.set("/t", "", { ttl: 60, refresh: true, prevExist: true });
    assert.equal(r.node?.value, "v");
    assert.equal(r.node?.ttl, 60);
    assert.ok(refreshed.node?.expiration !== undefined);
  });

  test("watch: next event, and waitIndex from history", async () => {
    const start = await client.set("/w/k", "v0");
    const pending = client.watch("/w", { recursive: true });
    await new Promise((r) => setTimeout(r, 50));
    await client.set("/w/k", "v1");
    const ev = await pending;
    assert.equal(ev.action, "set");
    assert.equal(ev.node?.value, "v1");
    assert.equal(ev.prevNode?.value, "v0");
    const past = await client.watch("/w/k", { waitIndex: start.node?.modifiedIndex ?? 0 });
    assert.equal(past.node?.value, "v0");
  });

  test("members, health, version", async () => {
    const members = await client.listMembers();
    assert.equal(members.length, 1);
    assert.equal(members[0]?.name, etcd.name);
    assert.deepEqual(members[0]?.clientURLs, [etcd.clientUrl]);
    const synced = new V2Client({ endpoints: [etcd.endpoint] });
    try {
      assert.deepEqual(await synced.sync(), [etcd.clientUrl]);
      assert.deepEqual(synced.endpoints, [etcd.clientUrl]);
    } finally {
      synced.close();
    }
    const leader = await client.leader();
    assert.equal(leader.id, members[0]?.id);
    // Adding a member to a 1-member cluster loses quorum (it never starts): add/update are
    // covered against a fake server in test/unit/client.
    await assert.rejects(client.removeMember("abcd"), (err: unknown) => {
      assert.ok(err instanceof V2HttpError);
      assert.equal(err.status, 404);
      assert.equal(err.message, "No such member: abcd");
      return true;
    });
    assert.equal(await client.health(), true);
    assert.equal((await client.version()).etcdserver, "3.4.23");
  });

  test("auth: users, roles, grants, enable/disable", async () => {
    assert.equal(await client.auth.enabled(), false);
    assert.deepEqual(await client.auth.listUsers(), []);
    assert.deepEqual(await client.auth.addUser("root", "rootpw"), {
      user: "root",
      roles: ["root"],
    });
    await client.auth.addUser("u1", "pw");
    await client.auth.addRole("r1");
    const granted = await client.auth.grantRole("r1", { read: ["/foo/*"], write: ["/foo/*"] });
    assert.deepEqual(granted.permissions, { kv: { read: ["/foo/*"], write: ["/foo/*"] } });
    assert.deepEqual((await client.auth.grantUser("u1", ["r1"])).roles, ["r1"]);
    const u1 = await client.auth.getUser("u1");
    assert.deepEqual(u1.roles, [
      { role: "r1", permissions: { kv: { read: ["/foo/*"], write: ["/foo/*"] } } },
    ]);
    assert.deepEqual(
      (await client.auth.listRoles()).map((r) => r.role),
      ["r1", "root"],
    );
    await client.auth.enable();
    assert.equal(await client.auth.enabled(), true);
    await assert.rejects(client.auth.listUsers(), {
      status: 401,
      message: "Insufficient credentials",
    });
    const root = new V2Client({
      endpoints: [etcd.clientUrl],
      username: "root",
      password: "rootpw",
    });
    try {
      assert.equal((await root.auth.listUsers()).length, 2);
      await root.auth.disable();
    } finally {
      root.close();
    }
    await client.auth.changePassword("u1", "new");
    assert.deepEqual((await client.auth.revokeUser("u1", ["r1"])).roles, []);
    const revoked = await client.auth.revokeRole("r1", { read: ["/foo/*"] });
    assert.deepEqual(revoked.permissions, { kv: { read: [], write: ["/foo/*"] } });
    await client.auth.removeRole("r1");
    await client.auth.removeUser("u1");
    await assert.rejects(client.auth.removeUser("nobody"), (err: unknown) => {
      assert.ok(err instanceof V2HttpError);
      assert.equal(err.status, 404);
      assert.equal(err.message, "auth: User nobody does not exist");
      return true;
    });
  });

  test("failover past a dead endpoint; all dead is a cluster error", async () => {
    const dead = `http://127.0.0.1:${await freePort()}`;
    const c = new V2Client({ endpoints: [dead, etcd.clientUrl] });
    try {
      assert.equal((await c.set("/fo", "1")).node?.value, "1");
    } finally {
      c.close();
    }
    const none = new V2Client({ endpoints: [dead] });
    try {
      await assert.rejects(none.get("/fo"), (err: unknown) => {
        assert.ok(err instanceof V2ClusterError);
        const hostPort = dead.replace("http://", "");
        assert.equal(
          err.message,
          `client: etcd cluster is unavailable or misconfigured; error #0: dial tcp ${hostPort}: connect: connection refused`,
        );
        assert.equal(err.detail(), `error #0: dial tcp ${hostPort}: connect: connection refused\n`);
        return true;
      });
    } finally {
      none.close();
    }
  });
});

describe("v2 client against etcd without --enable-v2", { skip: skipWithoutEtcd }, () => {
  test("keys requests fail as invalid json", async () => {
    const etcd = await startRealEtcd();
    const c = new V2Client({ endpoints: [etcd.clientUrl] });
    try {
      await assert.rejects(c.get("/x"), (err: unknown) => {
        assert.ok(err instanceof V2InvalidResponseError);
        assert.equal(err.status, 404);
        return true;
      });
    } finally {
      c.close();
      await etcd.stop();
    }
  });
});
