// The v3 client against a real 3-member etcd cluster: per-member calls, and failover of unary
// calls and of a watch when the member in use is stopped.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { EtcdClient } from "../../src/client/v3/index.js";
import { skipWithoutEtcd, startRealEtcdCluster } from "../helpers/index.js";
import type { RealEtcdCluster } from "../helpers/index.js";

const b = (s: string): Buffer => Buffer.from(s);

describe("v3 client against a 3-member etcd cluster", { skip: skipWithoutEtcd }, () => {
  let cluster: RealEtcdCluster;
  let client: EtcdClient;

  before(async () => {
    cluster = await startRealEtcdCluster(3);
    client = new EtcdClient({ endpoints: cluster.endpoints });
  });
  after(async () => {
    client?.close();
    await cluster?.stop();
  });

  test("member list and per-endpoint status", async () => {
    const list = await client.cluster.memberList();
    assert.deepEqual(list.members.map((m) => m.name).sort(), ["m0", "m1", "m2"]);
    const statuses = await Promise.all(
      cluster.endpoints.map((ep) => client.forEndpoint(ep).maintenance.status()),
    );
    const ids = statuses.map((s) => s.header?.memberId);
    assert.equal(new Set(ids).size, 3);
    const leaders = new Set(statuses.map((s) => s.leader));
    assert.equal(leaders.size, 1);
    assert.ok(ids.includes([...leaders][0]));
  });

  test("stopping the member in use: calls and the watch move to another member", async () => {
    const watch = await client.watch({ key: b("fail/"), rangeEnd: b("fail0") });
    const created = await watch.next();
    assert.ok(created?.created);
    await client.kv.put({ key: b("fail/1"), value: b("a") });
    assert.deepEqual(
      (await watch.next())?.events.map((e) => e.kv?.value.toString()),
      ["a"],
    );
    const first = cluster.members[0];
    assert.ok(first !== undefined);
    assert.equal(watch.endpoint, first.endpoint);
    await first.stop();
    await client.kv.put({ key: b("fail/2"), value: b("b") });
    assert.deepEqual((await client.kv.range({ key: b("fail/2") })).kvs[0]?.value, b("b"));
    const next = await watch.next();
    assert.deepEqual(
      next?.events.map((e) => e.kv?.value.toString()),
      ["b"],
    );
    assert.notEqual(watch.endpoint, first.endpoint);
    watch.close();
  });
});
