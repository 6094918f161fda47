// Third-party clients against `tsctl server`: the Node `etcd3` client (put/get/delete, txn,
// watch, leases with keep-alive and expiry) over gRPC, and plain HTTP against the v3 JSON
// gateway with base64 keys, as curl users call it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Etcd3 } from "etcd3";
import { startTsctlCluster } from "./cluster.js";

test(
  "the etcd3 npm client works against a 3-member tsctl cluster",
  { timeout: 90_000 },
  async () => {
    const c = await startTsctlCluster({ size: 3 });
    const client = new Etcd3({ hosts: c.members.map((m) => m.clientUrl), dialTimeout: 5000 });
    try {
      await client.put("greeting").value("hello");
      assert.equal(await client.get("greeting").string(), "hello");
      await client.put("cfg/a").value("1");
      await client.put("cfg/b").value("2");
      assert.deepEqual(await client.getAll().prefix("cfg/").strings(), {
        "cfg/a": "1",
        "cfg/b": "2",
      });
      assert.equal(await client.getAll().prefix("cfg/").count(), 2);

      const cas = await client
        .if("greeting", "Value", "==", "hello")
        .then(client.put("greeting").value("bye"))
        .commit();
      assert.equal(cas.succeeded, true);
      const casAgain = await client
        .if("greeting", "Value", "==", "hello")
        .then(client.put("greeting").value("x"))
        .commit();
      assert.equal(casAgain.succeeded, false);
      assert.equal(await client.get("greeting").string(), "bye");

      // Watch: events for puts and deletes under a prefix, in order.
      const watcher = await client.watch().prefix("w/").create();
      const seen: string[] = [];
      const done = new Promise<void>((resolve) => {
        watcher.on("put", (kv) => {
          seen.push(`put ${kv.key.toString()}=${kv.value.toString()}`);
          if (seen.length === 3) resolve();
        });
        watcher.on("delete", (kv) => {
          seen.push(`delete ${kv.key.toString()}`);
          if (seen.length === 3) resolve();
        });
      });
      await client.put("w/1").value("a");
      await client.put("w/1").value("b");
      await client.delete().key("w/1");
      await done;
      assert.deepEqual(seen, ["put w/1=a", "put w/1=b", "delete w/1"]);
      await watcher.cancel();

      // A lease kept alive keeps its key; a revoked one takes the key with it.
      const lease = client.lease(3);
      await lease.put("session").value("alive").exec();
      await new Promise((r) => setTimeout(r, 4500));
      assert.equal(await client.get("session").string(), "alive", "keep-alive kept the lease");
      await lease.revoke();
      assert.equal(await client.get("session").string(), null);

      // A lease nobody keeps alive expires on its own, through the leader.
      const shortLease = client.lease(2, { autoKeepAlive: false });
      await shortLease.put("ephemeral").value("x").exec();
      let gone = false;
      for (let i = 0; i < 60 && !gone; i++) {
        await new Promise((r) => setTimeout(r, 200));
        gone = (await client.get("ephemeral").string()) === null;
      }
      assert.ok(gone, "an expired lease removed its key");
    } finally {
      client.close();
      await c.destroy();
    }
  },
);

test(
  "the v3 JSON gateway answers curl-style requests with base64 keys",
  { timeout: 60_000 },
  async () => {
    const c = await startTsctlCluster({ size: 1 });
    const base = c.members[0]!.clientUrl;
    const post = async (path: string, body: unknown) => {
      const res = await fetch(base + path, { method: "POST", body: JSON.stringify(body) });
      return { status: res.status, json: (await res.json()) as Record<string, unknown> };
    };
    const b64 = (s: string) => Buffer.from(s).toString("base64");
    try {
      const put = await post("/v3/kv/put", { key: b64("foo"), value: b64("bar") });
      assert.equal(put.status, 200);
      const header = put.json.header as Record<string, string>;
      assert.match(header.revision!, /^\d+$/, "int64 fields are JSON strings");
      assert.match(header.cluster_id!, /^\d+$/);

      const range = await post("/v3beta/kv/range", { key: b64("foo") });
      const kvs = range.json.kvs as Array<Record<string, string>>;
      assert.equal(kvs[0]!.key, b64("foo"));
      assert.equal(kvs[0]!.value, b64("bar"));
      assert.equal(kvs[0]!.version, "1");
      assert.equal(range.json.count, "1");

      const txn = await post("/v3/kv/txn", {
        compare: [{ key: b64("foo"), result: "EQUAL", target: "VALUE", value: b64("bar") }],
        success: [{ request_put: { key: b64("foo"), value: b64("baz") } }],
      });
      assert.equal(txn.json.succeeded, true);

      const grant = await post("/v3/lease/grant", { TTL: 30 });
      assert.match(String(grant.json.ID), /^\d+$/);
      assert.equal(grant.json.TTL, "30");

      const bad = await post("/v3/kv/range", { key: b64("a"), revision: "999999" });
      assert.equal(bad.status, 400);
      assert.deepEqual(bad.json, {
        error: "etcdserver: mvcc: required revision is a future revision",
        message: "etcdserver: mvcc: required revision is a future revision",
        code: 11,
      });
      const get = await fetch(base + "/v3/kv/range");
      assert.equal(get.status, 405);
    } finally {
      await c.destroy();
    }
  },
);
